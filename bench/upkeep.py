"""Worst time of each upkeep job and of an idle dispatcher tick, at a season's scale.

    python bench/upkeep.py [--members 10000] [--outbox 100000] [--runs 3] [--postgres URL | --no-postgres]

Each run starts from a fresh database holding `--members` members (roles, interests, welcome tasks
in their steady state plus a few new members, door-knocking rounds with sign-ups, events and a
weekly series, a phone round with expired holds) and `--outbox` pending outbox rows due in the
future, plus old sent rows for the retention job. Every upkeep job then runs once, whole (the
clock is a Monday after the digest hour, so the nudge job also builds the board's digest), and the
dispatcher ticks with nothing due (median of 20 ticks). Each job is timed twice: its first run in the process (statements still to compile),
doing the work that is due, and its next run an hour later, as it recurs in a running bot. The floor is one read transaction (a member by primary key) on
the same database. Last line: JSON with the median of the runs and every run's figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text

from bench.updates import fresh_postgres
from bot.app import build_application, settle_heap, upkeep_concerns
from bot.db import Database
from bot.migrate import upgrade_async
from bot.runtime import RUNTIME_KEY
from bot.settings import Settings
from models import event_calendar
from models import rounds as rd
from models.constants import DISTRICTS, INTERESTS
from models.event_tables import Event, Rsvp
from models.member import Member, MemberInterest, MemberRole
from models.nudges import NudgeState
from models.outbox import OutboxMessage
from models.phonebank import CallTarget, Campaign
from models.round_tables import Signup
from models.welcome import WelcomeTask, start_of
from tests.harness import FakeBotAPI

TOKEN = "123456789:AAFakeTokenForBenchmarksOnly_abcdefghijk"
PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/lagbot_bench"
# Monday 30 November 2026, 10:00 in Oslo: after the digest hour, so the nudge job builds it.
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
BASE_ID = 2**31 + 1_000_000


async def insert(session: Any, table: Any, rows: list[dict[str, Any]], chunk: int = 2000) -> None:
    """Bulk insert; every row gets every key (executemany wants one shape)."""
    keys = {key for row in rows for key in row} | ({"urgent"} if table is OutboxMessage.__table__ else set())
    rows = [{key: row.get(key, False if key == 'urgent' else None) for key in keys} for row in rows]
    for start in range(0, len(rows), chunk):
        await session.execute(table.insert(), rows[start : start + chunk])


async def seed(database: Database, members: int, outbox: int, rng: random.Random) -> None:
    """A chapter in the middle of a season, as the previous minute's upkeep left it."""
    today = NOW.date()
    people = []
    for n in range(members):
        linked = n % 5 != 0
        new = n < 60  # joined in the last 30 days, three of them today
        joined = today - timedelta(days=n // 2 if new else rng.randint(40, 3000))
        onboarded = NOW - timedelta(days=(n // 2 if new else rng.randint(1, 700)), hours=1) if linked else None
        people.append({
            "id": n + 1, "telegram_id": BASE_ID + n if linked else None, "name": f"Medlem {n}", "phone": f"+479{n:07d}",
            "member_number": str(100000 + n), "district": rng.choice(DISTRICTS), "joined_on": joined,
            "language": rng.choice(("nb", "nb", "nn", "en")), "status": "member", "verified": True,
            "consent_at": onboarded, "onboarded_at": onboarded, "linked_at": onboarded, "wants_reminders": True,
            "wants_nudges": n % 7 != 0, "wants_broadcasts": True, "do_not_call": False, "created_at": NOW - timedelta(days=800),
            "updated_at": NOW - timedelta(days=1),
        })
    roles = []
    for role, count in (("board", 15), ("welcomer", 25), ("admin", 2), ("caller", 150), ("leader", 40)):
        for member_id in rng.sample(range(61, members + 1), count):
            roles.append({"member_id": member_id, "role": role, "granted_at": NOW - timedelta(days=100)})
    roles = list({(r["member_id"], r["role"]): r for r in roles}.values())
    interests = [{"member_id": n + 1, "interest": interest} for n in range(members) for interest in INTERESTS
                 if rng.random() < 0.25]
    tasks = []
    for n in range(3, 60):  # the three who joined today have no task yet
        joined_at = start_of(people[n]["joined_on"]).astimezone(UTC)
        age = NOW - timedelta(minutes=1) - joined_at
        done = n % 3 == 0
        tasks.append({"member_id": n + 1, "joined_at": joined_at, "due_at": joined_at + timedelta(days=14),
                      "status": "done" if done else "open", "offered_to_all": age >= timedelta(days=3),
                      "escalated": age >= timedelta(days=10), "late": age >= timedelta(days=14),
                      "first_contact_at": joined_at + timedelta(days=2) if done else None, "outcome": "phone" if done else None,
                      "created_at": joined_at})
    states = [{"member_id": rng.randint(61, members), "rule": rule, "off": rng.random() < 0.5,
               "snoozed_until": NOW + timedelta(days=10)} for rule in ("doorknock", "social") for _ in range(300)]
    states = list({(s["member_id"], s["rule"]): s for s in states}.values())
    kinds = ("reminder", "notice", "welcome", "broadcast", "task")
    rows = [{"dedupe_key": f"bench:future:{n}", "member_id": rng.randint(1, members), "kind": rng.choice(kinds), "urgent": False,
             "text": "x", "due_at": NOW + timedelta(minutes=rng.randint(5, 60 * 24 * 60)), "status": "pending",
             "attempts": 0, "created_at": NOW - timedelta(days=1)} for n in range(outbox)]
    old = [{"dedupe_key": f"bench:old:{n}", "member_id": rng.randint(1, members), "kind": "reminder", "urgent": False, "text": "x",
            "due_at": NOW - timedelta(days=200 - n % 150), "status": ("sent", "sent", "sent", "failed", "skipped")[n % 5],
            "sent_at": NOW - timedelta(days=200 - n % 150), "attempts": 1, "created_at": NOW - timedelta(days=201)}
           for n in range(outbox // 4)]
    # What the previous hour's runs left: every member nudged by each rule within its cooldown (a
    # few just past it, so this run has some to queue), and each new member's welcome steps queued.
    steady = []
    for n, person in enumerate(people[60:], start=61):
        for rule, days in (("doorknock", 14), ("social", 30), ("caller", 7)):
            sent = NOW - timedelta(days=(days + 1) if n % 997 == 0 else n % days, hours=1)
            steady.append({"dedupe_key": f"nudge:{rule}:member:{n}:steady", "member_id": n, "kind": "nudge", "text": "x",
                           "due_at": sent, "status": "sent", "sent_at": sent, "attempts": 1, "created_at": sent})
        if n % 997:
            steady.append({"dedupe_key": f"nudge:newcomer:member:{n}:once", "member_id": n, "kind": "nudge", "text": "x",
                           "due_at": NOW - timedelta(days=1), "status": "sent", "sent_at": NOW - timedelta(days=1),
                           "attempts": 1, "created_at": NOW - timedelta(days=1)})
    for task in tasks:
        onboarded = people[task["member_id"] - 1]["onboarded_at"]
        for day in (0, 2, 7, 21):
            if onboarded is not None and NOW - timedelta(minutes=1) >= onboarded + timedelta(days=day):
                steady.append({"dedupe_key": f"welcome:member:{task['member_id']}:day{day}", "member_id": task["member_id"],
                               "kind": "welcome", "text": "x", "due_at": onboarded + timedelta(days=day), "status": "sent",
                               "sent_at": onboarded + timedelta(days=day), "attempts": 1, "created_at": onboarded})
    async with database.session() as session:
        await insert(session, Member.__table__, people)
        await insert(session, MemberRole.__table__, roles)
        await insert(session, MemberInterest.__table__, interests)
        await insert(session, WelcomeTask.__table__, tasks)
        await insert(session, NudgeState.__table__, states)
        await insert(session, OutboxMessage.__table__, rows + old + steady)
    async with database.session() as session:
        for n in range(12):
            starts = NOW + timedelta(days=2 + 3 * n, hours=8)
            round_ = await rd.create_round(session, title=f"Runde {n}", district=DISTRICTS[n % 4], starts_at=starts,
                                           ends_at=starts + timedelta(hours=3), meeting_point="Torget", capacity=20,
                                           now=NOW - timedelta(days=30))
            for member_id in rng.sample(range(61, members + 1), 12):
                session.add(Signup(round_id=round_.id, member_id=member_id, status="confirmed", created_at=NOW - timedelta(days=20),
                                   changed_at=NOW - timedelta(days=20)))
        for n in range(20):
            starts = NOW + timedelta(days=25 + 3 * n, hours=9)
            event = Event(kind=("social", "meeting", "course")[n % 3], title=f"Arrangement {n}", starts_at=starts,
                          ends_at=starts + timedelta(hours=2), place="Folkets hus", partners=[], created_at=NOW - timedelta(days=30))
            session.add(event)
            await session.flush()
            for member_id in rng.sample(range(61, members + 1), 30):
                session.add(Rsvp(event_id=event.id, member_id=member_id, answer="yes", changed_at=NOW - timedelta(days=5)))
        await event_calendar.create_series(session, kind="social", title="Pubkveld", rule="FREQ=MONTHLY;BYDAY=1TH",
                                           first_local=datetime(2026, 1, 1, 19, 0), minutes=180, place="Puben",
                                           now=NOW - timedelta(days=1))
        campaign = Campaign(name="Ringerunde", purpose="", scripts={"nb": "Hei"}, audience={}, mode="callers", status="active")
        session.add(campaign)
        await session.flush()
        callers = [m for m in {r["member_id"] for r in roles if r["role"] == "caller"}]
        targets = [{"campaign_id": campaign.id, "member_id": n, "status": "queued", "attempts": 0, "updated_at": NOW}
                   for n in range(61, min(members, 2061))]
        for n, target in enumerate(targets[:8]):  # held past their time (the job hands them back)
            target.update(status="held", held_by=callers[n], held_until=NOW - timedelta(minutes=1), card_message_id=1000 + n)
        await insert(session, CallTarget.__table__, targets)


async def analyze(database: Database) -> None:
    """Planner statistics, as a database in use has them (autovacuum would gather them soon)."""
    async with database.engine.connect() as connection:
        if database.url.startswith("postgresql"):
            await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("ANALYZE"))
        await connection.commit()


async def timed(coroutine: Any) -> float:
    started = time.perf_counter()
    await coroutine
    return (time.perf_counter() - started) * 1000


async def one_run(url: str, members: int, outbox: int, seed_no: int) -> dict[str, float]:
    await upgrade_async(url)
    database = Database(url)
    started = time.perf_counter()
    await seed(database, members, outbox, random.Random(seed_no))
    await analyze(database)
    print(f"  seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    settings = Settings(_env_file=None, telegram_bot_token=TOKEN, database_url=url,  # type: ignore[call-arg]
                        telegram_bot_username="lagbot_bench_bot", dispatcher_enabled=False)
    clock = [NOW]
    app = build_application(settings, database, request=FakeBotAPI(), clock=lambda: clock[0])
    await app.initialize()
    runtime = app.bot_data[RUNTIME_KEY]
    settle_heap()  # as start_up does when the bot runs
    result: dict[str, float] = {}
    try:
        reads = []
        for n in range(50):
            t0 = time.perf_counter()
            async with database.session() as session:
                await session.execute(select(Member.id, Member.name).where(Member.id == 1 + n * 7))
            reads.append((time.perf_counter() - t0) * 1000)
        result["floor_read_txn_ms"] = statistics.median(reads)
        result["idle_tick_ms"] = statistics.median([await timed(runtime.dispatcher.tick(app.bot)) for _ in range(20)])
        # First: each job's first run in this process (statements not compiled yet), doing the work
        # that is due. Then the next run an hour later, as it recurs in a running bot.
        for label, at in (("first", NOW), ("next", NOW + timedelta(hours=1, minutes=1))):
            clock[0] = at
            for name, hook in upkeep_concerns(settings, database, runtime):
                runtime.calendar_checked_on = runtime.welcome_checked_at = runtime.nudges_checked_at = None
                result[f"{name}:{label}"] = await timed(hook(app.bot))
            # The calendar's other branch: nothing planned within the window, so the board is warned.
            runtime.calendar_checked_on = None
            settings.plan_ahead_days = 1
            calendar = dict(upkeep_concerns(settings, database, runtime))["calendar"]
            result[f"calendar-warns-board:{label}"] = await timed(calendar(app.bot))
            settings.plan_ahead_days = 21
    finally:
        await app.shutdown()
        await database.dispose()
    return {key: round(value, 2) for key, value in result.items()}


async def bench(url_of: Any, members: int, outbox: int, runs: int) -> dict[str, Any]:
    results = []
    for n in range(runs):
        url = await url_of()
        results.append(await one_run(url, members, outbox, n))
        print(f"  run {n + 1}: {results[-1]}", file=sys.stderr)
    return {key: {"median": round(statistics.median(r[key] for r in results), 2), "runs": [r[key] for r in results]}
            for key in results[0]}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--outbox", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", PG_DEFAULT))
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    result: dict[str, Any] = {"members": args.members, "outbox": args.outbox, "runs": args.runs,
                              "targets": {"idle_tick_ms": 2, "each_job_ms": 100}}
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            counter = iter(range(args.runs))

            async def sqlite_url() -> str:
                return f"sqlite+aiosqlite:///{folder}/upkeep{next(counter)}.db"

            print("sqlite:", file=sys.stderr)
            result["sqlite"] = await bench(sqlite_url, args.members, args.outbox, args.runs)
    if not args.no_postgres:

        async def postgres_url() -> str:
            url = await fresh_postgres(args.postgres)
            if url is None:
                raise SystemExit("postgres unreachable")
            return url

        print("postgres:", file=sys.stderr)
        result["postgres"] = await bench(postgres_url, args.members, args.outbox, args.runs)
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
