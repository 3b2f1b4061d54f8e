"""upkeep_runs: when each periodic upkeep concern last ran, shared by every instance

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-28 07:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'upkeep_runs',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('ran_at', models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_upkeep_runs')),
    )


def downgrade() -> None:
    op.drop_table('upkeep_runs')
