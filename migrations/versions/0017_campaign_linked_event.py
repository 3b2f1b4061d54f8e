"""a phone round can be linked to an event (member meeting, course, 1 May), not only a round

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 08:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('call_campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_call_campaigns_event_id_events'), 'events', ['event_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('call_campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_call_campaigns_event_id_events'), type_='foreignkey')
        batch_op.drop_column('event_id')
