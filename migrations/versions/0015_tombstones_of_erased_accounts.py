"""tombstones: a keyed hash of the Telegram account of a member who erased their data

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 06:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'tombstones',
        sa.Column('telegram_hash', sa.String(length=64), nullable=False),
        sa.Column('erased_at', models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('telegram_hash', name=op.f('pk_tombstones')),
    )


def downgrade() -> None:
    op.drop_table('tombstones')
