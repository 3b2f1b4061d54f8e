"""a seat remembers when its member answered "I'm coming" to the reminder, so the team leader sees who has

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-28 19:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('round_signups', sa.Column('coming_at', models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('round_signups') as batch_op:
        batch_op.drop_column('coming_at')
