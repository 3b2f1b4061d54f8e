"""call_targets gets priority, set as a call is queued (a phone round for a door-knocking round calls
the round's district first), and the queue's index takes it in hand-out order; existing calls get 0

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-28 22:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def _queue_index(*columns: object) -> None:
    queued = sa.text("status = 'queued'")
    op.create_index('ix_call_targets_queue', 'call_targets', list(columns), postgresql_where=queued, sqlite_where=queued)


def upgrade() -> None:
    # The index first: SQLite's batch mode may copy the table, and an index on expressions does not survive the copy.
    op.drop_index('ix_call_targets_queue', table_name='call_targets')
    with op.batch_alter_table('call_targets') as batch_op:
        batch_op.add_column(sa.Column('priority', sa.Integer(), server_default='0', nullable=False))
    _queue_index('campaign_id', sa.text('(reserved_for IS NULL)'), sa.text('(next_attempt_at IS NOT NULL)'), 'priority',
                 'next_attempt_at', 'id')


def downgrade() -> None:
    op.drop_index('ix_call_targets_queue', table_name='call_targets')
    with op.batch_alter_table('call_targets') as batch_op:
        batch_op.drop_column('priority')
    _queue_index('campaign_id', sa.text('(reserved_for IS NULL)'), sa.text('(next_attempt_at IS NOT NULL)'), 'next_attempt_at', 'id')
