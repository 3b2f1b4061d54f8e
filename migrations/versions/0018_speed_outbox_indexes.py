"""outbox: an index for expired leases, and one for each member's nudges (the nudge rules' cooldowns)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28 07:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_outbox_status_lease', 'outbox', ['status', 'lease_until'], unique=False)
    op.create_index('ix_outbox_nudges_of_member', 'outbox', ['member_id', 'sent_at'], unique=False,
                    sqlite_where=sa.text("kind = 'nudge'"), postgresql_where=sa.text("kind = 'nudge'"))


def downgrade() -> None:
    op.drop_index('ix_outbox_nudges_of_member', table_name='outbox')
    op.drop_index('ix_outbox_status_lease', table_name='outbox')
