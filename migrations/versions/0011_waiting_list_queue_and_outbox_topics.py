"""waiting lists ordered by a queue number; outbox rows say what they are about

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 04:50:00

Sign-ups and answers get the queue number drawn under the activity's lock (models/activity.py);
existing rows are numbered in the order they were made. Outbox rows get a topic, a subject, a
member they name and parameters, so they are rendered when sent (bot/render.py).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

SEAT_TABLES = (('round_signups', 'round_id'), ('event_rsvps', 'event_id'))


def upgrade() -> None:
    for table, key in SEAT_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('queue', sa.BigInteger(), nullable=True))
        # Existing rows keep the order they had: by when they were made, then by id.
        op.execute(sa.text(
            f"UPDATE {table} SET queue = (SELECT COUNT(*) FROM {table} AS earlier "
            f"WHERE earlier.{key} = {table}.{key} AND (earlier.created_at < {table}.created_at "
            f"OR (earlier.created_at = {table}.created_at AND earlier.id <= {table}.id)))"
        ))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('subject_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('about_member_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        for column in ('params', 'about_member_id', 'subject_id', 'topic'):
            batch_op.drop_column(column)
    for table, _key in SEAT_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('queue')
