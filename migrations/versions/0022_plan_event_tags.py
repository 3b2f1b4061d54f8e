"""events get tags the board sets (voter-contact course, 1 May breakfast, 8 March, Pride, open meeting
with the movements); existing events start untagged

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-28 08:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tags', sa.JSON(), nullable=False, server_default='[]'))


    with op.batch_alter_table('event_series', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tags', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('event_series', schema=None) as batch_op:
        batch_op.drop_column('tags')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('tags')
