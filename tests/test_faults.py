"""Faults: a database outage while members write, and two instances on one database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bot.app import build_application
from bot.db import MAX_OVERFLOW, POOL_SIZE, Database, is_outage
from bot.leader import PollingLock
from bot.runtime import ERRORS_KEPT, RUNTIME_KEY
from bot.settings import Settings
from bot.upkeep import calendar as calendar_upkeep
from models import persistence_store as store
from models.member import Member
from models.membership import mark_unreachable, member_by_telegram
from tests.helpers import onboard, runtime

AWAY = {"nb": "Vi får ikke kontakt med databasen vår akkurat nå. Prøv igjen om et øyeblikk.",
        "nn": "Vi får ikkje kontakt med databasen vår akkurat no. Prøv igjen om ei lita stund.",
        "en": "We can't reach our database just now. Please try again in a moment."}


@asynccontextmanager
async def database_away(db: Database) -> AsyncIterator[None]:
    """Every new session of `db` fails to connect, as when the server is down or unreachable."""
    url = ("postgresql+asyncpg://postgres@127.0.0.1:1/away" if db.url.startswith("postgresql")
           else "sqlite+aiosqlite:////nonexistent-lagbot-directory/away.db")
    engine = create_async_engine(url)
    saved = db.sessionmaker, db.read_sessionmaker
    db.sessionmaker = db.read_sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    try:
        yield
    finally:
        db.sessionmaker, db.read_sessionmaker = saved
        await engine.dispose()


async def set_language(db: Database, telegram_id: int, language: str) -> None:
    async with db.session() as session:
        member = await member_by_telegram(session, telegram_id)
        assert member is not None
        member.language = language


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
async def test_a_member_writing_during_a_database_outage_is_asked_to_try_again(db, app, make_user, language):
    user = make_user(language_code="nb")  # Telegram says nb; the member chose `language` in the bot
    await onboard(user)
    await set_language(db, user.user_id, language)
    menu = await user.send("/start")
    async with database_away(db):
        typed = await user.send("/dorbank")  # settings alone come from the member cache; rounds need the database
        pressed = await user.press_data("set.int:social", user.last_message())  # a change: it needs the database
    assert typed.texts == [AWAY[language]]
    assert pressed.alerts == [AWAY[language]] and not pressed.method("sendMessage")
    assert "gikk galt" not in typed.text and "went wrong" not in typed.text
    assert runtime(app).outages == 2 and not runtime(app).errors  # an outage is not a bug
    assert menu.texts  # the bot answered normally before, and does again after
    assert (await user.send("/start")).texts


async def test_someone_unknown_during_an_outage_is_answered_in_telegrams_language(db, app, make_user):
    user = make_user(language_code="en")
    async with database_away(db):
        exchange = await user.send("/start")
    assert exchange.texts == [AWAY["en"]]


def test_what_counts_as_an_outage():
    from sqlalchemy.exc import IntegrityError, OperationalError
    from telegram.error import NetworkError

    assert is_outage(ConnectionRefusedError(111, "Connect call failed"))
    assert is_outage(OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly")))
    assert not is_outage(IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert not is_outage(ValueError("a bug"))
    wrapped = NetworkError("httpx.ConnectError")
    wrapped.__context__ = ConnectionRefusedError(111, "refused")
    assert not is_outage(wrapped)  # Telegram away is the dispatcher's business, not the database's


async def test_a_member_another_instance_found_unreachable_is_reachable_again_when_they_write(db, app, make_user, clock):
    user = make_user()
    await onboard(user)
    await user.send("/start")  # this instance has seen them today
    async with db.session() as session:  # another instance's dispatcher got 403 for them
        member = await member_by_telegram(session, user.user_id)
        assert member is not None
        await mark_unreachable(session, member.id, clock())
    await user.send("/start")  # they unblocked the bot and write again
    async with db.session() as session:
        member = await member_by_telegram(session, user.user_id)
        assert member is not None and member.unreachable_at is None


async def test_activity_is_written_once_a_day_without_memory_in_the_process(db, app, make_user, clock):
    user = make_user()
    await onboard(user)
    first = (await _member(db, user.user_id)).last_active_at
    clock.advance(hours=1)
    await user.send("/start")
    assert (await _member(db, user.user_id)).last_active_at == first  # same day: no write
    clock.advance(days=1)
    await user.send("/start")
    assert (await _member(db, user.user_id)).last_active_at == clock()
    assert not hasattr(runtime(app), "active_on") and not hasattr(runtime(app), "unreachable")


async def _member(db: Database, telegram_id: int) -> Member:
    async with db.session() as session:
        member = await member_by_telegram(session, telegram_id)
        assert member is not None
        return member


async def test_two_instances_run_a_daily_upkeep_once(db, settings, api, clock, monkeypatch):
    ran: list[int] = []

    async def materialise(_session: Any, _now: Any) -> None:
        ran.append(1)

    monkeypatch.setattr(calendar_upkeep.ev, "materialise", materialise)
    second_db = Database(db.url)
    first = build_application(settings, db, request=api, clock=clock)
    second = build_application(settings, second_db, request=api, clock=clock)
    try:
        await asyncio.gather(calendar_upkeep.calendar_upkeep(first.bot_data[RUNTIME_KEY]),
                             calendar_upkeep.calendar_upkeep(second.bot_data[RUNTIME_KEY]))
        await calendar_upkeep.calendar_upkeep(first.bot_data[RUNTIME_KEY])
        assert len(ran) == 1
        clock.advance(days=1)
        await calendar_upkeep.calendar_upkeep(second.bot_data[RUNTIME_KEY])
        assert len(ran) == 2
    finally:
        await second_db.dispose()


async def test_the_error_list_is_bounded(app):
    keeper = runtime(app)
    for n in range(ERRORS_KEPT * 3):
        keeper.record_error(ValueError(n))
    assert len(keeper.errors) == ERRORS_KEPT and keeper.error_count == ERRORS_KEPT * 3
    keeper.errors.clear()


def test_two_instances_fit_postgresqls_default_max_connections():
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (defaults.db_pool_size, defaults.db_max_overflow) == (POOL_SIZE, MAX_OVERFLOW)
    per_process = defaults.db_pool_size + defaults.db_max_overflow  # the polling lock's connection is one of them
    assert 2 * per_process + 3 + 10 <= 100  # 3 reserved for superusers, 10 for psql, migrations, the CLI


async def test_the_pool_size_is_a_setting(database_url):
    database = Database(database_url, pool_size=3, max_overflow=2)
    try:
        if database_url.startswith("postgresql"):
            assert database.engine.pool.size() == 3  # type: ignore[attr-defined]
    finally:
        await database.dispose()


async def test_a_standby_taking_over_reads_conversations_and_user_data_again(db, app, make_user):
    """The standby loaded persistence when it started; the instance polling until now changed it."""
    user = make_user()
    async with db.session() as session:
        await store.save_data(session, store.KIND_USER, user.user_id, {"lang": "nn"})
    assert user.user_id not in app.user_data
    await app.reload_persistence()
    assert app.user_data[user.user_id] == {"lang": "nn"}
    exchange = await user.send("/start")
    assert "Ja, eg godtek" in exchange.buttons  # the language chosen on the other instance




async def test_a_standby_knows_it_waited(db):
    if not db.url.startswith("postgresql"):
        pytest.skip("the polling lock is PostgreSQL's")
    first, second_db = PollingLock(db), Database(db.url)
    second = PollingLock(second_db)
    await first.acquire()
    waiting = asyncio.create_task(second.acquire(retry_seconds=0.05))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    await first.release()
    await asyncio.wait_for(waiting, 5)
    assert second.waited and not first.waited
    await second.release()
    await second_db.dispose()


async def test_upkeep_claims_are_rolled_back_with_failed_work(db, clock):
    from models import upkeep_runs

    with pytest.raises(RuntimeError):
        async with db.session() as session:
            assert await upkeep_runs.claim(session, "x", clock(), lambda last: False)
            raise RuntimeError("the work failed")
    async with db.session() as session:
        assert await upkeep_runs.claim(session, "x", clock(), lambda last: False)  # runs again
    async with db.session() as session:
        assert not await upkeep_runs.claim(session, "x", clock() + timedelta(seconds=1), lambda last: False)
        assert (await session.scalar(select(upkeep_runs.UpkeepRun.ran_at))) == clock()


async def test_a_button_on_a_message_too_old_to_edit_gets_a_new_message(db, app, make_user, api):
    """Telegram leaves out a message too old to show (date 0); editing it is impossible."""
    from telegram import Update

    user = make_user()
    await onboard(user)
    await user.send("/innstillinger")
    _message, data = user.find_button("Interesser")
    before = len(api.calls)
    query = {"id": "77", "from": user.user_dict, "chat_instance": "ci", "data": data,
             "message": {"message_id": 5, "date": 0, "chat": user.chat_dict}}
    await app.process_update(Update.de_json({"update_id": 987_654, "callback_query": query}, app.bot))
    sent = [c.text for c in api.calls[before:] if c.method == "sendMessage"]
    assert sent[-1] == "Den meldingen er for gammel til å endres. Send /start for å se menyen og hvordan ting står."
    assert not runtime(app).errors


async def test_two_instances_expire_a_held_call_once(db, clock):
    """Both instances run the call-hold upkeep; a hold that ran out is put back and told once."""
    if not db.url.startswith("postgresql"):
        pytest.skip("SQLite has one writer: the race needs PostgreSQL")
    from models import broadcast as bc
    from models import phonebank as pb

    async with db.session() as session:
        session.add_all([Member(name="Ringer", telegram_id=6_300_100_001, onboarded_at=clock(), verified=True),
                         Member(name="Medlem", telegram_id=6_300_100_002, onboarded_at=clock(), verified=True,
                                phone="+4791000002")])
    async with db.session() as session:
        caller = await member_by_telegram(session, 6_300_100_001)
        _campaign, _n = await pb.create_campaign(session, name="Ring", purpose="", scripts={"nb": "Hei"},
                                                 audience=bc.Audience(), now=clock())
        targets = list(await session.scalars(select(pb.CallTarget)))
        for target in targets:
            target.status, target.held_by, target.held_until = pb.HELD, caller.id, clock() - timedelta(minutes=1)
    second = Database(db.url)
    try:
        async with db.session() as first_session:
            first = await pb.expire_holds(first_session, clock())
            async with second.session() as second_session:  # the other instance, at the same moment
                again = await asyncio.wait_for(pb.expire_holds(second_session, clock()), 5)
        assert len(first) == len(targets) >= 1 and again == []
    finally:
        await second.dispose()


async def test_a_poller_whose_lock_connection_broke_takes_it_again_or_stops(db):
    """PostgreSQL drops an advisory lock with its connection (a restart, a cut): the poller takes it
    again if it is free, and stops polling if a standby took it meanwhile."""
    if not db.url.startswith("postgresql"):
        pytest.skip("the polling lock is PostgreSQL's")
    from sqlalchemy import text

    other = Database(db.url)
    poller, standby = PollingLock(db), PollingLock(other)

    async def cut() -> None:
        assert poller.connection is not None
        pid = await poller.connection.scalar(text("SELECT pg_backend_pid()"))
        await poller.connection.commit()
        async with other.engine.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await connection.commit()

    try:
        await poller.acquire()
        await cut()
        assert await poller.still_held()  # nobody else wanted it: held again
        assert poller.connection is not None and not poller.lost
        await cut()
        await asyncio.wait_for(standby.acquire(retry_seconds=0.05), 5)  # the standby takes over
        assert not await poller.still_held()
    finally:
        await standby.release()
        await other.dispose()
