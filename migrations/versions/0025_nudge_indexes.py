"""indexes for the hourly nudge pass: members' interests by interest (a rule's interested members
without reading every interest), and members by when they onboarded (the newcomer window)

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-28 16:00:00
"""
from __future__ import annotations

from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_member_interests_interest', 'member_interests', ['interest', 'member_id'])
    op.create_index('ix_members_onboarded_at', 'members', ['onboarded_at'])


def downgrade() -> None:
    op.drop_index('ix_members_onboarded_at', table_name='members')
    op.drop_index('ix_member_interests_interest', table_name='member_interests')
