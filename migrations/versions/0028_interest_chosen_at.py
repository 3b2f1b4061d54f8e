"""member_interests gets chosen_at: when the member chose the interest (the board's list of who is
interested showed the member row's last change instead); existing rows take that, the best known

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-28 21:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('member_interests') as batch_op:
        batch_op.add_column(sa.Column('chosen_at', models.base.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE member_interests SET chosen_at = (SELECT members.updated_at FROM members "
               "WHERE members.id = member_interests.member_id)")


def downgrade() -> None:
    with op.batch_alter_table('member_interests') as batch_op:
        batch_op.drop_column('chosen_at')
