"""The command line takes what people write (issue 13): district names in any spelling in every
command, an unknown district imports the member without one and says so, and an unquoted repeat
rule with semicolons in a semicolon-separated årshjul file."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.db import Database
from models import Member
from models.events import Series
from tests.conftest import _empty_tables
from tests.test_register import run_cli


def empty(database_url: str) -> None:
    async def run() -> None:
        database = Database(database_url)
        await _empty_tables(database)
        await database.dispose()

    asyncio.run(run())


def stored(database_url: str, query):
    async def run():
        database = Database(database_url)
        try:
            async with database.session() as session:
                return list(await session.scalars(query))
        finally:
            await database.dispose()

    return asyncio.run(run())


def test_district_names_as_people_write_them(tmp_path, monkeypatch, capsys, database_url):
    empty(database_url)
    register = tmp_path / "medlemmer.csv"
    register.write_bytes("navn;telefon;bydel\nÅse;91234567;østbyen\nOla;92345678;Ostbyen\nKari;93456789;Byåsen\n"
                         "Per;94567890;ØSTBYEN\n".encode("cp1252"))
    assert run_cli(monkeypatch, database_url, "members", "import", str(register)) == 0
    out = capsys.readouterr().out
    assert "created: 4" in out and "rejected: 0" in out
    assert "line 4: district 'Byåsen' is not one of Midtbyen, Østbyen, Lerkendal, Heimdal, utenfor: imported without a district" in out
    districts = {m.name: m.district for m in stored(database_url, select(Member))}
    assert districts == {"Åse": "ostbyen", "Ola": "ostbyen", "Kari": None, "Per": "ostbyen"}

    for spelling in ("Østbyen", "ostbyen"):
        assert run_cli(monkeypatch, database_url, "rounds", "add", "--title", "Dørbank", "--district", spelling, "--start",
                       "2027-04-17 12:00", "--end", "2027-04-17 15:00", "--place", "Lade kirke", "--capacity", "5") == 0
    assert run_cli(monkeypatch, database_url, "broadcast", "--audience", "district=Østbyen", "--text", "Hei!", "--preview") == 0
    assert "matching: 3\nnot on Telegram: 3" in capsys.readouterr().out
    empty(database_url)


def test_events_import_reads_a_repeat_rule_with_semicolons(tmp_path, monkeypatch, capsys, database_url):
    empty(database_url)
    plan = tmp_path / "arshjul.csv"
    plan.write_text("kind;title;start;end;place;description;capacity;partners;contact;repeat\n"
                    "sosialt;Pub første fredag;2027-01-01 19:00;2027-01-01 22:00;Tapperiet;;;;;FREQ=MONTHLY;BYDAY=1FR\n",
                    encoding="utf-8")
    assert run_cli(monkeypatch, database_url, "events", "import", str(plan)) == 0
    out = capsys.readouterr().out
    assert "created: 1" in out and "rejected: 0" in out, out
    [series] = stored(database_url, select(Series))
    assert series.rule == "FREQ=MONTHLY;BYDAY=1FR"
    empty(database_url)
