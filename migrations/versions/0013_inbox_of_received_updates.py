"""inbox of received updates (durable before Telegram is told)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 04:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'inbox',
        sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('chat_id', sa.BigInteger(), nullable=True),
        sa.Column('payload', sa.Text(), nullable=True),
        sa.Column('received_at', models.base.UTCDateTime(), nullable=False),
        sa.Column('done_at', models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('update_id', name=op.f('pk_inbox')),
    )
    op.create_index('ix_inbox_done_at', 'inbox', ['done_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_inbox_done_at', table_name='inbox')
    op.drop_table('inbox')
