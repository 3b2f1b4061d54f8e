"""every id is 64-bit

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 04:45:00

Primary and foreign keys were 32-bit on PostgreSQL (SERIAL / INTEGER); they become BIGINT, and
each id sequence counts in bigint. SQLite's INTEGER is 64-bit already (and must stay INTEGER for a
primary key to be the rowid), so nothing changes there.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# (table, columns): the primary key first where the table has an `id`.
IDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ('members', ('id',)),
    ('consent_refusals', ('id',)),
    ('ptb_conversations', ('id',)),
    ('ptb_data', ('id',)),
    ('member_interests', ('id', 'member_id')),
    ('member_roles', ('id', 'member_id')),
    ('nudge_states', ('id', 'member_id')),
    ('welcome_tasks', ('id', 'member_id', 'taken_by')),
    ('broadcasts', ('id', 'author_id')),
    ('broadcast_replies', ('id', 'broadcast_id', 'member_id')),
    ('event_series', ('id', 'contact_id')),
    ('events', ('id', 'contact_id', 'series_id', 'created_by')),
    ('event_rsvps', ('id', 'event_id', 'member_id')),
    ('outbox', ('id', 'member_id', 'broadcast_id')),
    ('rounds', ('id', 'debrief_event_id', 'created_by')),
    ('round_teams', ('id', 'round_id', 'leader_id')),
    ('round_signups', ('id', 'round_id', 'member_id', 'team_id')),
    ('round_reports', ('id', 'round_id', 'filed_by')),
    ('door_inputs', ('id', 'round_id', 'member_id')),
    ('call_campaigns', ('id', 'round_id', 'created_by')),
    ('call_targets', ('id', 'campaign_id', 'member_id', 'held_by', 'reserved_for')),
    ('call_attempts', ('id', 'target_id', 'caller_id')),
)


def _change(type_: str) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, columns in IDS:
        changes = ", ".join(f"ALTER COLUMN {column} TYPE {type_}" for column in columns)
        op.execute(sa.text(f"ALTER TABLE {table} {changes}"))
        if columns[0] == 'id':
            op.execute(sa.text(
                f"DO $$ DECLARE s text := pg_get_serial_sequence('{table}', 'id'); "
                f"BEGIN IF s IS NOT NULL THEN EXECUTE format('ALTER SEQUENCE %s AS {type_}', s); END IF; END $$"
            ))


def upgrade() -> None:
    _change('BIGINT')


def downgrade() -> None:
    _change('INTEGER')
