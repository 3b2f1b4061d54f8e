"""Joining a round writes in one short transaction: the seat and every reminder (one multi-row
INSERT) under the round's lock; the clash check reads in the same transaction, before the round is locked.
Under the lock there is nothing but the locked read, the seat's one statement (its count, queue number
and row), the reminders if it is a seat, and the commit: each round trip there is one every other
sign-up to the round waits for."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from tests.test_doorknock import make_round, people, signups


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
    inside = log[start: log.index("COMMIT", start)]
    assert [s for s in inside if s.startswith("INSERT INTO outbox")] and \
        sum(s.startswith("INSERT INTO outbox") for s in inside) == 1  # 24h, 2h and the follow-up in one
    assert not [s for s in inside if s.startswith("UPDATE round_signups")]  # the seat written once, whole
    assert not [s for s in inside if re.search(r"\bevents\b", s)]  # after the seat, nothing but the reminders
    # The clash check reads in the join's own transaction, before the round is read (and locked).
    clash = next(n for n, s in enumerate(log) if re.search(r"\bevents\b", s))
    locked = next(n for n in range(clash, len(log)) if log[n].startswith("SELECT rounds.id"))
    assert clash < locked < start and "COMMIT" not in log[clash:start]
    assert start == locked + 1, log[locked:start]  # the seats counted in the seat's own statement


async def test_a_place_on_the_waiting_list_is_two_statements_under_the_lock(db, app, make_user, clock):
    leader, first, second = await people(make_user, 3)
    round_id = await make_round(db, clock, leader=leader, capacity=1)
    await first.press_data(f"rd.join:{round_id}")
    with statements(db) as log:
        queued = await second.press_data(f"rd.join:{round_id}")
    assert "nummer 1 på ventelisten" in queued.text, queued.texts
    assert await signups(db, round_id) == [("Person1 Nordmann", "confirmed"), ("Person2 Nordmann", "waiting")]
    locked = next(n for n, s in enumerate(log) if s.startswith("SELECT rounds.id"))
    assert [s.split(" ")[0:3] for s in log[locked + 1: log.index("COMMIT", locked)]] == [["INSERT", "INTO", "round_signups"]]
