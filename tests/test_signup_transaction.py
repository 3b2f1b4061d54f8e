"""Joining a round writes in one short transaction: the seat and every reminder (one multi-row
INSERT); the clash check and a look at the seats read in the same transaction, before the round is
locked, and a seat's reminders are written then too (bot/round_signup.py). Under the lock there is
nothing but the locked read, the seat's one statement (its count, queue number and row) and the
commit, for a seat as for the waiting list: each round trip there is one every other sign-up to the
round waits for. A guess the lock overrules (the last seat went meanwhile) is put right."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from sqlalchemy import event, select

from bot import round_signup
from models.membership import member_by_telegram
from models.outbox import OutboxMessage
from tests.test_doorknock import make_round, people, signups


async def member_id(db, user) -> int:
    async with db.session() as session:
        return (await member_by_telegram(session, user.user_id)).id


@contextmanager
def statements(db) -> Iterator[list[str]]:
    """Every statement the database is sent meanwhile, on one line each, and "COMMIT" for each commit."""
    log: list[str] = []

    def on_statement(_connection, _cursor, statement, *_args) -> None:
        log.append(" ".join(statement.split()))

    def on_commit(_connection) -> None:
        log.append("COMMIT")

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "commit", on_commit)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "commit", on_commit)


async def test_join_writes_in_one_short_transaction(db, app, make_user, clock):
    leader, member = await people(make_user, 2)
    round_id = await make_round(db, clock, leader=leader)
    await member.send("/dorbank")
    with statements(db) as log:
        joined = await member.press("Bli med lørdag 5. desember")
    assert joined.text.startswith("Du er påmeldt «Dørbank på Lade»")
    assert await signups(db, round_id) == [("Person1 Nordmann", "confirmed")]
    start = next(n for n, s in enumerate(log) if s.startswith("INSERT INTO round_signups"))
    locked = max(n for n in range(start) if log[n].startswith("SELECT rounds.id"))
    assert log[locked + 1: log.index("COMMIT", start) + 1] == [log[start], "COMMIT"]  # the lock: read, seat, commit
    assert not [s for s in log if s.startswith("UPDATE round_signups")]  # the seat written once, whole
    # Before the lock, in the same transaction: the clash check, the look at the seats, the reminders
    # (24h, 2h and the follow-up in one INSERT).
    clash = next(n for n, s in enumerate(log) if re.search(r"\bevents\b", s))
    reminders = [n for n, s in enumerate(log) if s.startswith("INSERT INTO outbox")]
    assert len(reminders) == 1 and clash < reminders[0] < locked, log
    assert "COMMIT" not in log[clash:start]
    mid = await member_id(db, member)
    async with db.session() as session:
        queued = await session.scalars(select(OutboxMessage.topic).where(OutboxMessage.member_id == mid))
        assert {"round.reminder_24h", "round.reminder_2h", "round.followup"} <= set(queued)


async def test_the_last_seat_taken_meanwhile_takes_the_early_reminders_back(db, app, make_user, clock, monkeypatch):
    """Two presses for the last seat: the second looked before the first took it. It is told it is on the
    waiting list, and no reminder of a seat stays queued for it."""
    leader, first, second = await people(make_user, 3)
    round_id = await make_round(db, clock, leader=leader, capacity=1)
    real_outlook = round_signup.outlook

    async def stale_outlook(session, spec, activity_id, member_id_, now):  # as read before the first press committed
        seen = await real_outlook(session, spec, activity_id, member_id_, now)
        return replace(seen, seat_free=True) if seen is not None else None

    await first.press_data(f"rd.join:{round_id}")
    monkeypatch.setattr(round_signup, "outlook", stale_outlook)
    queued = await second.press_data(f"rd.join:{round_id}")
    assert "nummer 1 på ventelisten" in queued.text, queued.texts
    assert await signups(db, round_id) == [("Person1 Nordmann", "confirmed"), ("Person2 Nordmann", "waiting")]
    mid = await member_id(db, second)
    async with db.session() as session:
        pending = list(await session.scalars(select(OutboxMessage.topic).where(
            OutboxMessage.member_id == mid, OutboxMessage.status == "pending")))
    assert not [t for t in pending if t.startswith("round.")], pending


async def test_a_place_on_the_waiting_list_is_two_statements_under_the_lock(db, app, make_user, clock):
    leader, first, second = await people(make_user, 3)
    round_id = await make_round(db, clock, leader=leader, capacity=1)
    await first.press_data(f"rd.join:{round_id}")
    with statements(db) as log:
        queued = await second.press_data(f"rd.join:{round_id}")
    assert "nummer 1 på ventelisten" in queued.text, queued.texts
    assert await signups(db, round_id) == [("Person1 Nordmann", "confirmed"), ("Person2 Nordmann", "waiting")]
    start = next(n for n, s in enumerate(log) if s.startswith("INSERT INTO round_signups"))
    locked = max(n for n in range(start) if log[n].startswith("SELECT rounds.id"))
    assert [s.split(" ")[0:3] for s in log[locked + 1: log.index("COMMIT", locked)]] == [["INSERT", "INTO", "round_signups"]]
    assert not [s for s in log if s.startswith("INSERT INTO outbox")]  # the round looked full: no reminders
