"""The Alembic migrations create exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from models import Base


async def test_migrations_match_models(database_url):
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
    finally:
        await engine.dispose()
    assert diff == []


def test_upgrade_keeps_existing_rows(tmp_path):
    """Later migrations apply to a database that already has members (new NOT NULL columns get defaults)."""
    import asyncio
    import sqlite3

    from bot.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp_path}/old.db"
    upgrade(url, "0001")
    with sqlite3.connect(tmp_path / "old.db") as connection:
        connection.execute(
            "INSERT INTO members (name, language, status, verified, wants_reminders, wants_nudges, wants_broadcasts, "
            "created_at, updated_at) VALUES ('Kari', 'nb', 'member', 1, 1, 1, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')")
    upgrade(url)
    with sqlite3.connect(tmp_path / "old.db") as connection:
        assert connection.execute("SELECT name, do_not_call FROM members").fetchall() == [("Kari", 0)]
    assert asyncio  # the upgrade runs its own event loop


async def test_broadcast_status_ids_are_64_bit(db):
    """A real Telegram chat id (above 2**31) fits the broadcast status columns on every database."""
    from sqlalchemy import select

    from models.broadcast import Broadcast

    big = 7_100_900_001
    async with db.session() as session:
        session.add(Broadcast(text="x", audience={}, status_chat_id=big, status_message_id=big + 1))
    async with db.session() as session:
        stored = await session.scalar(select(Broadcast))
        assert (stored.status_chat_id, stored.status_message_id) == (big, big + 1)


async def test_database_ids_are_64_bit(db):
    """Primary and foreign keys hold ids above 2**31 (PostgreSQL: BIGINT columns and sequences)."""
    from sqlalchemy import select, text

    from models.member import Member, MemberRole

    big = 2**31 + 7
    async with db.session() as session:
        session.add(Member(id=big, name="Stor", telegram_id=7_100_900_002, language="nb"))
        await session.flush()
        session.add(MemberRole(member_id=big, role="board"))
    async with db.session() as session:
        assert (await session.scalar(select(MemberRole.member_id))) == big
        if db.url.startswith("postgresql"):
            await session.execute(text("SELECT setval(pg_get_serial_sequence('members', 'id'), :at)"), {"at": big + 1})
            session.add(Member(name="Neste", language="nb"))
            await session.flush()
            assert await session.scalar(select(Member.id).where(Member.name == "Neste")) == big + 2


def test_existing_sign_ups_get_queue_numbers_in_their_order(tmp_path):
    """Migration 0011 numbers the sign-ups a database already has by when they were made."""
    import sqlite3

    from bot.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp_path}/old.db"
    upgrade(url, "0010")
    with sqlite3.connect(tmp_path / "old.db") as connection:
        for n in range(3):
            connection.execute(
                "INSERT INTO members (id, name, language, status, verified, wants_reminders, wants_nudges, wants_broadcasts, "
                f"do_not_call, created_at, updated_at) VALUES ({n + 1}, 'M{n}', 'nb', 'member', 1, 1, 1, 1, 0, "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00')")
        connection.execute(
            "INSERT INTO rounds (id, title, district, starts_at, ends_at, meeting_point, capacity, status, version, created_at) "
            "VALUES (1, 'R', 'midtbyen', '2027-01-01 10:00:00', '2027-01-01 12:00:00', 'Torget', 1, 'planned', 1, "
            "'2026-01-01 00:00:00')")
        for signup_id, member_id, made in ((1, 1, "10:00:03"), (2, 2, "10:00:01"), (3, 3, "10:00:02")):
            connection.execute(
                "INSERT INTO round_signups (id, round_id, member_id, status, created_at, changed_at) "
                f"VALUES ({signup_id}, 1, {member_id}, 'waiting', '2026-01-01 {made}', '2026-01-01 {made}')")
    upgrade(url)
    with sqlite3.connect(tmp_path / "old.db") as connection:
        assert connection.execute("SELECT member_id FROM round_signups ORDER BY queue").fetchall() == [(2,), (3,), (1,)]
