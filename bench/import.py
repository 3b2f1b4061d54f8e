"""Register import speed: 100,000 rows through `members import`'s domain code against a floor.

    python bench/import.py [-n 100000] [--runs 3] [--no-postgres]

The floor is a bare batched INSERT of the same members (already parsed, 1,000 rows a statement) in
the same run and database; lagbot reads the CSV, decodes it, validates every row (phone numbers
through libphonenumber), matches existing members and writes in chunks. Target: ratio ≥ 0.3.
Last line: JSON with rows/s (min/median/max of the runs) and the ratio per database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.updates import PG_DEFAULT, fresh_postgres  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.migrate import upgrade_async  # noqa: E402
from models.member import Member  # noqa: E402
from models.register import clean_row, import_register  # noqa: E402
from models.register_file import decode_lines, read_rows  # noqa: E402

DISTRICTS = ("Midtbyen", "Østbyen", "Lerkendal", "Heimdal", "utenfor")


def register_csv(rows: int) -> bytes:
    """A Norwegian Excel export: semicolons, UTF-8 with a BOM, phone numbers in three formats."""
    lines = ["Navn;Telefon;E-post;Bydel;Innmeldt;Medlemsnummer"]
    for k in range(rows):
        number = 40_000_000 + k
        phone = (f"{number // 100000} {number // 1000 % 100:02d} {number % 1000:03d}", f"+47 {number}", f"47{number}")[k % 3]
        lines.append(f"Medlem Nummer {k};{phone};m{k}@example.org;{DISTRICTS[k % 5]};{1 + k % 28:02d}.{1 + k % 12:02d}.2025;{100000 + k}")
    return b"\xef\xbb\xbf" + "\n".join(lines).encode("utf-8")


async def empty(database: Database) -> None:
    async with database.engine.begin() as connection:
        if database.url.startswith("postgresql"):
            await connection.execute(text("TRUNCATE members RESTART IDENTITY CASCADE"))
        else:
            await connection.execute(text("DELETE FROM members"))


async def lagbot_import(database: Database, raw: bytes) -> float:
    started = time.perf_counter()
    async with database.session() as session:
        report = await import_register(session, raw)
    elapsed = time.perf_counter() - started
    assert not report.rejected and report.created > 0, report.rejected[:3]
    return elapsed


async def floor_insert(database: Database, rows: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    async with database.session() as session:
        for start in range(0, len(rows), 1000):
            await session.execute(insert(Member), rows[start : start + 1000])
    return time.perf_counter() - started


async def run(url: str, count: int, runs: int) -> dict[str, Any]:
    await upgrade_async(url)
    database = Database(url)
    raw = register_csv(count)
    _headers, parsed, _refused = read_rows(decode_lines(raw)[0])
    prepared = [{**clean_row(row), "status": "member", "verified": True, "invite_token": f"t{n}"}
                for n, (_line, row) in enumerate(parsed)]
    ours, floor = [], []
    try:
        for _ in range(runs):
            await empty(database)
            floor.append(count / await floor_insert(database, prepared))
            await empty(database)
            ours.append(count / await lagbot_import(database, raw))
    finally:
        await database.dispose()
    spread = lambda values: {"min": round(min(values)), "median": round(statistics.median(values)), "max": round(max(values))}  # noqa: E731
    return {"rows": count, "lagbot_rows_per_s": spread(ours), "floor_rows_per_s": spread(floor),
            "ratio_median": round(statistics.median(ours) / statistics.median(floor), 3),
            "seconds_median": round(count / statistics.median(ours), 1)}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", PG_DEFAULT))
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    result: dict[str, Any] = {"target_ratio": 0.3}
    with tempfile.TemporaryDirectory() as folder:
        result["sqlite"] = await run(f"sqlite+aiosqlite:///{folder}/import.db", args.rows, args.runs)
    print(f"sqlite: {result['sqlite']}")
    if not args.no_postgres and (url := await fresh_postgres(args.postgres)):
        result["postgres"] = await run(url, args.rows, args.runs)
        print(f"postgres: {result['postgres']}")
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
