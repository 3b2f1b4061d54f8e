"""`python -m bot rounds export-input [--year YYYY]` writes the items of one year's rounds, as /rapport
counts them and /dorbank eksport sends them, and names the year; without --year, this year's (Oslo)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta

from bot.db import Database
from models import Member
from models.activity import CONFIRMED
from models.base import utcnow
from models.constants import OSLO
from models.round_tables import DoorInput, Round, RoundReport, Signup
from tests.test_cli_season import empty
from tests.test_register import run_cli


def seed(database_url: str) -> None:
    async def run() -> None:
        database = Database(database_url)
        try:
            async with database.session() as session:
                anne = Member(name="Anne", telegram_id=3_200_000_001, language="nb")
                session.add(anne)
                await session.flush()
                for year, heard, reported in ((2025, "Gammelt", ""), (2027, "Flere busser", "Skoleveien er farlig")):
                    start = datetime(year, 3, 6, 11, 0, tzinfo=UTC)
                    round_ = Round(title=f"Dørbank {year}", district="ostbyen", starts_at=start, ends_at=start + timedelta(hours=3),
                                   meeting_point="Lade kirke", capacity=5)
                    session.add(round_)
                    await session.flush()
                    session.add_all([Signup(round_id=round_.id, member_id=anne.id, status=CONFIRMED),
                                     DoorInput(round_id=round_.id, member_id=anne.id, district="ostbyen", theme="climate",
                                               text=heard, created_at=start),
                                     RoundReport(round_id=round_.id, doors=40, conversations=9, themes=["schools"], text=reported,
                                                 filed_at=start)])
        finally:
            await database.dispose()

    asyncio.run(run())


def texts(path) -> list[str]:
    return [row[-1] for row in list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))[1:]]


# Kari exported the door input from the command line to compare with /rapport for 2027: the file held every
# year's input, and did not say which year.
def test_export_input_takes_a_year_and_names_it(tmp_path, monkeypatch, capsys, database_url):
    empty(database_url)
    seed(database_url)
    out = tmp_path / "ut"
    assert run_cli(monkeypatch, database_url, "rounds", "export-input", "--year", "2027", "--out", str(out)) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"2 items from the rounds of 2027 written to {out / 'innspill-dorbank-2027'}.md and .csv"), said
    assert sorted(texts(out / "innspill-dorbank-2027.csv")) == ["Flere busser", "Skoleveien er farlig"]
    assert "Flere busser" in (out / "innspill-dorbank-2027.md").read_text(encoding="utf-8")

    assert run_cli(monkeypatch, database_url, "rounds", "export-input", "--year", "2025", "--out", str(out)) == 0
    assert capsys.readouterr().out.startswith("1 item from the rounds of 2025 written to"), "a report without text is no item"
    assert texts(out / "innspill-dorbank-2025.csv") == ["Gammelt"]

    this_year = utcnow().astimezone(OSLO).year
    assert run_cli(monkeypatch, database_url, "rounds", "export-input", "--out", str(out)) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"{'2 items' if this_year == 2027 else '1 item' if this_year == 2025 else '0 items'} "
                           f"from the rounds of {this_year} written to"), said
    assert (out / f"innspill-dorbank-{this_year}.csv").exists()

    assert run_cli(monkeypatch, database_url, "rounds", "export-input", "--year", "27", "--out", str(out)) == 2
    assert "--year must be four digits" in capsys.readouterr().err
    empty(database_url)
