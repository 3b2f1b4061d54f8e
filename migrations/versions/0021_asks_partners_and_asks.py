"""partner organisations (records, links from rounds and events), asks for input and their answers;
the free-text partner names of existing rounds, events and series become partner records

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-28 08:05:00
"""
from __future__ import annotations

import json
import secrets

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('partners',
    sa.Column('id', ID, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('contact_person', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners')),
    sa.UniqueConstraint('name', name=op.f('uq_partners_name')),
    sa.UniqueConstraint('token', name=op.f('uq_partners_token'))
    )
    op.create_table('event_partners',
    sa.Column('event_id', ID, nullable=False),
    sa.Column('partner_id', ID, nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_partners_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_event_partners_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'partner_id', name=op.f('pk_event_partners'))
    )
    op.create_index(op.f('ix_event_partners_partner_id'), 'event_partners', ['partner_id'], unique=False)
    # Not a batch on SQLite: recreating `rounds` would cascade-delete its sign-ups and teams.
    if op.get_bind().dialect.name == 'sqlite':
        # (An inline REFERENCES cannot carry an ON DELETE that SQLite reflects; partners are never deleted.)
        op.execute("ALTER TABLE rounds ADD COLUMN partner_id INTEGER REFERENCES partners (id)")
    else:
        op.add_column('rounds', sa.Column('partner_id', ID, nullable=True))
        op.create_foreign_key(op.f('fk_rounds_partner_id_partners'), 'rounds', 'partners', ['partner_id'], ['id'])
    op.create_index(op.f('ix_rounds_partner_id'), 'rounds', ['partner_id'], unique=False)
    op.create_table('asks',
    sa.Column('id', ID, nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('file_id', sa.String(length=200), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=True),
    sa.Column('meeting_on', sa.Date(), nullable=True),
    sa.Column('event_id', ID, nullable=True),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('to_partners', sa.Boolean(), nullable=False),
    sa.Column('deadline_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by', ID, nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['members.id'], name=op.f('fk_asks_created_by_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_asks_event_id_events'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asks'))
    )
    op.create_index(op.f('ix_asks_deadline_at'), 'asks', ['deadline_at'], unique=False)
    op.create_table('ask_partners',
    sa.Column('ask_id', ID, nullable=False),
    sa.Column('partner_id', ID, nullable=False),
    sa.ForeignKeyConstraint(['ask_id'], ['asks.id'], name=op.f('fk_ask_partners_ask_id_asks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_ask_partners_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ask_id', 'partner_id', name=op.f('pk_ask_partners'))
    )
    op.create_index(op.f('ix_ask_partners_partner_id'), 'ask_partners', ['partner_id'], unique=False)
    op.create_table('ask_recipients',
    sa.Column('ask_id', ID, nullable=False),
    sa.Column('member_id', ID, nullable=False),
    sa.Column('answered_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('declined_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ask_id'], ['asks.id'], name=op.f('fk_ask_recipients_ask_id_asks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_ask_recipients_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ask_id', 'member_id', name=op.f('pk_ask_recipients'))
    )
    op.create_index(op.f('ix_ask_recipients_member_id'), 'ask_recipients', ['member_id'], unique=False)
    op.create_table('ask_answers',
    sa.Column('id', ID, nullable=False),
    sa.Column('ask_id', ID, nullable=False),
    sa.Column('member_id', ID, nullable=True),
    sa.Column('partner_id', ID, nullable=True),
    sa.Column('respondent_key', sa.String(length=64), nullable=True),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('district', sa.String(length=20), nullable=True),
    sa.Column('interests', sa.JSON(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ask_id'], ['asks.id'], name=op.f('fk_ask_answers_ask_id_asks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_ask_answers_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_ask_answers_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ask_answers'))
    )
    for column in ('ask_id', 'member_id', 'partner_id', 'respondent_key'):
        op.create_index(op.f(f'ix_ask_answers_{column}'), 'ask_answers', [column], unique=False)
    migrate_partner_names()


def _names(value: object) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [value]
    return [" ".join(str(v).split())[:200] for v in (value or []) if str(v).strip()]


def migrate_partner_names() -> None:
    """Every free-text partner name on a round, an event or a series becomes one record (names that
    differ only in case or spaces are one partner, spelled as first seen); rounds and events link it."""
    bind = op.get_bind()
    partners = sa.table('partners', sa.column('id', sa.BigInteger), sa.column('name', sa.String), sa.column('kind', sa.String),
                        sa.column('token', sa.String), sa.column('created_at', models.base.UTCDateTime(timezone=True)))
    records: dict[str, tuple[int, str]] = {}

    def record(name: str) -> tuple[int, str]:
        key = name.casefold()
        if key not in records:
            from models.base import utcnow
            new_id = bind.execute(partners.insert().values(name=name, kind='other', token=secrets.token_urlsafe(12),
                                                           created_at=utcnow()).returning(partners.c.id)).scalar_one()
            records[key] = (int(new_id), name)
        return records[key]

    for round_id, name in bind.execute(sa.text("SELECT id, partner FROM rounds WHERE partner IS NOT NULL ORDER BY id")).all():
        for clean in _names([name]):
            partner_id, spelled = record(clean)
            bind.execute(sa.text("UPDATE rounds SET partner_id = :p, partner = :n WHERE id = :r"),
                         {"p": partner_id, "n": spelled, "r": round_id})
    for name in ('event_series', 'events'):
        table = sa.table(name, sa.column('id', sa.BigInteger), sa.column('partners', sa.JSON))
        for row_id, value in bind.execute(sa.select(table.c.id, table.c.partners).order_by(table.c.id)).all():
            names = _names(value)
            if not names:
                continue
            linked: list[tuple[int, str]] = []
            for clean in names:
                if (found := record(clean)) not in linked:
                    linked.append(found)
            bind.execute(table.update().where(table.c.id == row_id).values(partners=[n for _i, n in linked]))
            if name == 'events':
                for partner_id, _n in linked:
                    bind.execute(sa.text("INSERT INTO event_partners (event_id, partner_id) VALUES (:e, :p)"),
                                 {"e": row_id, "p": partner_id})


def downgrade() -> None:
    for table in ('ask_answers', 'ask_recipients', 'ask_partners', 'asks'):
        op.drop_table(table)
    op.drop_index(op.f('ix_rounds_partner_id'), table_name='rounds')
    if op.get_bind().dialect.name == 'sqlite':
        # Not a batch copy, which would cascade-delete the rounds' sign-ups (SQLite ≥ 3.35).
        op.execute("ALTER TABLE rounds DROP COLUMN partner_id")
    else:
        op.drop_constraint(op.f('fk_rounds_partner_id_partners'), 'rounds', type_='foreignkey')
        op.drop_column('rounds', 'partner_id')
    op.drop_table('event_partners')
    op.drop_table('partners')
