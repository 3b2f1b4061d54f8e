"""the phone-round queue in hand-out order (queued calls only), so that a claim reads the next call
from the index instead of sorting the queue

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-28 10:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    queued = sa.text("status = 'queued'")
    op.create_index('ix_call_targets_queue', 'call_targets',
                    ['campaign_id', sa.text('(reserved_for IS NULL)'), sa.text('(next_attempt_at IS NOT NULL)'), 'next_attempt_at', 'id'],
                    postgresql_where=queued, sqlite_where=queued)


def downgrade() -> None:
    op.drop_index('ix_call_targets_queue', table_name='call_targets')
