"""broadcast status message ids are 64-bit

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 04:30:00

Telegram chat ids of new accounts are above 2**31; a 32-bit column refuses them on PostgreSQL.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

COLUMNS = ('status_chat_id', 'status_message_id')


def upgrade() -> None:
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(column, existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(column, existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=True)
