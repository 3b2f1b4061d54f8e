"""Claims per second with 50 concurrent callers working one campaign of 2,000 people, on SQLite and PostgreSQL.

    python bench/phonebank.py [-n 2000] [--callers 50] [--think 3] [--no-sqlite] [--no-postgres]
                              [--postgres postgresql+asyncpg://…/bench_phone] [--profile FILE]

Each caller (holding the caller role) repeatedly claims the next target and records an outcome
until the queue is empty (with `--think S`, spending S seconds ± 50 % on each call between the
two, as people do), through the domain functions the buttons use, the role read with each claim
and outcome. The floor, in the same run on the same database with the same callers: one
`UPDATE … RETURNING` and a commit per claim (the targets queued again first). `--postgres` names a
database the benchmark drops and creates. Last line: one JSON object with claims/s, p50/p99 claim
ms, statements and transactions per claim, the check that no target was handed out twice, and
lagbot ÷ floor. `--profile FILE` writes a cProfile of the lagbot callers on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
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

from sqlalchemy import event, text, update  # noqa: E402

from bench.updates import PG_DEFAULT, fresh_postgres, percentile  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.i18n import OSLO  # noqa: E402
from bot.migrate import upgrade_async  # noqa: E402
from models import broadcast as bc  # noqa: E402
from models import phonebank as pb  # noqa: E402
from models.member import Member, MemberRole  # noqa: E402


class Counter:
    """Statements and connection checkouts (one per transaction, or per autocommit statement) on an engine since the last `per`."""

    def __init__(self, database: Database) -> None:
        self.statements = self.checkouts = 0
        event.listen(database.engine.sync_engine, "before_cursor_execute", self._statement)
        event.listen(database.engine.sync_engine.pool, "checkout", self._checkout)

    def _statement(self, *_args: Any) -> None:
        self.statements += 1

    def _checkout(self, *_args: Any) -> None:
        self.checkouts += 1

    def per(self, claims: int) -> dict[str, float]:
        figures = {"statements_per_claim": round(self.statements / max(claims, 1), 2),
                   "checkouts_per_claim": round(self.checkouts / max(claims, 1), 2)}
        self.statements = self.checkouts = 0
        return figures


async def run(url: str, targets: int, callers: int, think: float = 0.0, profile: str | None = None) -> dict[str, Any]:
    await upgrade_async(url)
    database = Database(url)
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    async with database.session() as session:
        people = [Member(name=f"Ringer {k}", telegram_id=5_000_000 + k, language="nb") for k in range(callers)]
        session.add_all(people)
        await session.flush()
        session.add_all(MemberRole(member_id=m.id, role="caller") for m in people)  # the role is read with each claim and outcome
        await session.execute(Member.__table__.insert(), [
            {"name": f"Medlem {k}", "phone": f"+4796{k:06d}", "district": "midtbyen", "verified": True, "language": "nb",
             "status": "member", "wants_reminders": True, "wants_nudges": True, "wants_broadcasts": True,
             "do_not_call": False, "created_at": now, "updated_at": now} for k in range(targets)])
    async with database.session() as session:
        campaign, queued = await pb.create_campaign(session, name="Bench", purpose="", scripts={"nb": "Hei!"},
                                                    audience=bc.Audience(districts=["midtbyen"]), now=now)
    latencies: list[float] = []
    handed: list[int] = []
    rng = random.Random(1)

    async def pause() -> None:
        if think:
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))

    async def caller(member: Member) -> None:
        while True:
            t0 = time.perf_counter()
            async with database.single() as session:  # as the button does
                claim = await pb.claim_next(session, campaign.id, member.id, now, timedelta(minutes=30), admins=[])
            latencies.append((time.perf_counter() - t0) * 1000)
            if claim.card is None:
                return
            handed.append(claim.card.target_id)
            await pause()
            async with database.single() as session:  # as the button does for an outcome that changes nothing else
                await pb.record(session, claim.card.target_id, member.id, "not_now", now, cooldown=timedelta(hours=4), tz=OSLO,
                                admins=[])

    counter = Counter(database)
    profiler = cProfile.Profile() if profile else None
    began = time.perf_counter()
    if profiler:
        profiler.enable()
    await asyncio.gather(*(caller(m) for m in people))
    elapsed = time.perf_counter() - began
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    lagbot = figures(handed, latencies, elapsed) | counter.per(len(handed))

    # The floor: the same targets queued again, one UPDATE … RETURNING and a commit per claim.
    async with database.session() as session:
        await session.execute(update(pb.CallTarget).where(pb.CallTarget.campaign_id == campaign.id)
                              .values(status=pb.QUEUED, held_by=None, held_until=None, next_attempt_at=None))
    latencies, handed = [], []
    counter.per(0)
    postgres = url.startswith("postgresql")

    async def bare(member: Member) -> None:
        pick = "SELECT id FROM call_targets WHERE campaign_id = :c AND status = 'queued' ORDER BY id LIMIT 1"
        claim = text(f"UPDATE call_targets SET status = 'held', held_by = :m WHERE id = ({pick}"
                     f"{' FOR UPDATE SKIP LOCKED' if postgres else ''}) AND status = 'queued' RETURNING id")
        while True:
            t0 = time.perf_counter()
            async with database.session() as session:
                target = (await session.execute(claim, {"c": campaign.id, "m": member.id})).scalar()
            latencies.append((time.perf_counter() - t0) * 1000)
            if target is None:
                return
            handed.append(target)
            await pause()

    began = time.perf_counter()
    await asyncio.gather(*(bare(m) for m in people))
    floor = figures(handed, latencies, time.perf_counter() - began) | counter.per(len(handed))
    await database.dispose()
    return {"targets": queued, "callers": callers, "think_s": think, "lagbot": lagbot, "floor": floor,
            "ratio": round(lagbot["claims_per_s"] / floor["claims_per_s"], 3),
            "p99_vs_floor_p99": round(lagbot["p99_claim_ms"] / floor["p99_claim_ms"], 2)}


def figures(handed: list[int], latencies: list[float], elapsed: float) -> dict[str, Any]:
    return {
        "claims": len(handed),
        "handed_out_twice": len(handed) - len(set(handed)),
        "claims_per_s": round(len(handed) / elapsed, 1),
        "p50_claim_ms": round(statistics.median(latencies), 2),
        "p99_claim_ms": round(percentile(latencies, 0.99), 2),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--targets", type=int, default=2000)
    parser.add_argument("--callers", type=int, default=50)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", PG_DEFAULT))
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the lagbot callers into FILE (pstats; PostgreSQL only)")
    parser.add_argument("--think", type=float, default=0.0, help="seconds per call (± 50 %%) between claim and outcome")
    args = parser.parse_args()
    result: dict[str, Any] = {}
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            result["sqlite"] = await run(f"sqlite+aiosqlite:///{folder}/calls.db", args.targets, args.callers, args.think)
        print(f"sqlite: {result['sqlite']}")
    if not args.no_postgres and (url := await fresh_postgres(args.postgres)):
        result["postgres"] = await run(url, args.targets, args.callers, args.think, args.profile)
        print(f"postgres: {result['postgres']}")
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
