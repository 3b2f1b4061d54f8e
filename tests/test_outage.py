"""A Telegram outage is not the messages' fault: no attempts spent, a probe until it answers, nothing lost."""

from __future__ import annotations

from datetime import timedelta

from models import outbox as box
from tests.helpers import onboard, stored, tick


async def test_a_ten_minute_outage_spends_no_attempts_and_loses_nothing(db, app, api, make_user, clock, settings):
    people = [make_user() for _ in range(3)]
    for n, person in enumerate(people):
        await onboard(person, phone=f"+479123456{n}")
    members = [await stored(db, person.user_id) for person in people]
    async with db.session() as session:
        for n, member in enumerate(members):
            for k in range(4):
                await box.schedule(session, dedupe_key=f"notice:outage:{n}:{k}", kind="notice", text=f"Melding {k}",
                                   due_at=clock() + timedelta(seconds=20 * k), member_id=member.id)
    api.fail("sendMessage", 502, "Bad Gateway", times=10_000)
    api.fail("getMe", 502, "Bad Gateway", times=10_000)
    probes_before = sum(1 for call in api.calls if call.method == "getMe")
    for _second in range(0, 600, 10):  # ten minutes of Telegram answering 502, a tick every 10 s
        await tick(app)
        clock.advance(seconds=10)
    async with db.session() as session:
        waiting = await box.rows_with_prefix(session, "notice:outage:")
    assert all(row.status == "pending" for row in waiting), [(r.status, r.last_error) for r in waiting]
    assert max(row.attempts for row in waiting) <= 2  # only what failed before the pause began counts
    probes = sum(1 for call in api.calls if call.method == "getMe") - probes_before
    assert 3 <= probes <= 12  # probed with a growing pause between tries, not every tick

    api.failures.clear()  # Telegram is back
    for _second in range(0, 600, 10):
        await tick(app)
        clock.advance(seconds=10)
    async with db.session() as session:
        done = await box.rows_with_prefix(session, "notice:outage:")
    assert [row.status for row in done] == ["sent"] * 12
    for person in people:
        assert sorted(m.text for m in person.messages() if m.text.startswith("Melding")) == [f"Melding {k}" for k in range(4)]


async def test_a_database_error_while_recording_ends_nothing_but_that_row(db, app, make_user, clock, settings, monkeypatch):
    """The database away for a moment: the worker goes on, the tick ends, the row is sent again
    after its lease (a duplicate within the documented in-flight window), nothing is lost."""
    from sqlalchemy.exc import OperationalError

    people = [make_user() for _ in range(2)]
    for n, person in enumerate(people):
        await onboard(person, phone=f"+479123457{n}")
    members = [await stored(db, person.user_id) for person in people]
    async with db.session() as session:
        for n, member in enumerate(members):
            await box.schedule(session, dedupe_key=f"notice:db:{n}", kind="notice", text=f"Hei {n}",
                               due_at=clock(), member_id=member.id)
    real, failures = box.mark_sent, [1]

    async def flaky(session, *args, **kwargs):
        if failures:
            failures.pop()
            raise OperationalError("UPDATE outbox", {}, Exception("server closed the connection"))
        return await real(session, *args, **kwargs)

    monkeypatch.setattr(box, "mark_sent", flaky)
    await tick(app)  # one row's status write fails; the other goes on
    clock.advance(seconds=settings.lease_seconds + 1)
    await tick(app)
    async with db.session() as session:
        rows = await box.rows_with_prefix(session, "notice:db:")
    assert [row.status for row in rows] == ["sent", "sent"]
    texts = [m.text for person in people for m in person.messages() if m.text.startswith("Hei")]
    assert sorted(set(texts)) == ["Hei 0", "Hei 1"] and len(texts) == 3  # one sent twice, none lost


async def test_the_quick_retries_of_one_bad_message_do_not_use_up_an_outage(db, app, api, make_user, clock, settings):
    """Telegram answers, then goes down. The first failures look like one bad message each (others
    succeeded a moment ago) and are retried within seconds, but only for a few seconds: then the
    long back-off, then the pause. No message is given up."""
    people = [make_user() for _ in range(2)]
    for n, person in enumerate(people):
        await onboard(person, phone=f"+479123458{n}")
    members = [await stored(db, person.user_id) for person in people]
    async with db.session() as session:
        await box.schedule(session, dedupe_key="notice:before", kind="notice", text="Før", due_at=clock(),
                           member_id=members[0].id)
    await tick(app)  # a success: Telegram is up
    async with db.session() as session:
        for k in range(6):
            await box.schedule(session, dedupe_key=f"notice:down:{k}", kind="notice", text=f"Nede {k}",
                               due_at=clock() + timedelta(seconds=10 * k), member_id=members[k % 2].id)
    api.fail("sendMessage", 502, "Bad Gateway", times=10_000)
    api.fail("getMe", 502, "Bad Gateway", times=10_000)
    for _second in range(120):  # two minutes down, a tick every second
        await tick(app)
        clock.advance(seconds=1)
    async with db.session() as session:
        waiting = await box.rows_with_prefix(session, "notice:down:")
    assert all(row.status == "pending" for row in waiting), [(r.status, r.last_error) for r in waiting]
    assert max(row.attempts for row in waiting) < settings.max_attempts
    api.failures.clear()
    for _second in range(0, 900, 10):
        await tick(app)
        clock.advance(seconds=10)
    async with db.session() as session:
        done = await box.rows_with_prefix(session, "notice:down:")
    assert [row.status for row in done] == ["sent"] * 6
