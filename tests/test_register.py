"""Importing the member register as Norwegian Excel writes it, and invite links."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.settings import get_settings
from models import Member
from models.phone import normalise_phone
from models.register import import_register


@pytest.mark.parametrize("raw", ["912 34 567", "+47 912 34 567", "4791234567", "0047 912 34 567", "91234567"])
def test_phone_formats_normalise(raw):
    assert normalise_phone(raw) == "+4791234567"


NORWEGIAN = (
    "Navn;Telefon;E-post;Bydel;Innmeldt;Medlemsnummer\n"
    "Åse Bråten;912 34 567;ase@example.org;Østbyen;27.11.2026;2001\n"
    "Ola Nordmann;+47 934 56 789;;Midtbyen;2026-10-01;2002\n"
    "Per Ugyldig;12;;Lerkendal;01.01.2020;2003\n"
    ";934 00 000;;Heimdal;01.01.2020;2004\n"
    "Dato Feil;4798765432;;Heimdal;31.02.2020;2005\n"
    "Feil Bydel;47 98 76 54 31;;Byåsen;01.01.2020;2006\n"
    "Uten Nøkkel;;;Heimdal;01.01.2020;\n"
    "Eva Epost;45612345;ikke-en-epost;Heimdal;01.01.2020;2008\n"
    "Kari Komma;4798765439;;utenfor;2025-05-05;2009\n"
)


async def test_import_norwegian_excel_bom_and_broken_rows(db):
    raw = b"\xef\xbb\xbf" + NORWEGIAN.encode("utf-8")
    async with db.session() as session:
        report = await import_register(session, raw)
    assert report.created == 4 and report.updated == 0
    assert [line for line, _reason in report.rejected] == [4, 5, 6, 8, 9]
    reasons = dict(report.rejected)
    assert "phone '12'" in reasons[4]
    assert "name is missing" in reasons[5]
    assert "31.02.2020" in reasons[6]
    assert "Byåsen" in dict(report.notes)[7] and "imported without a district" in dict(report.notes)[7]
    assert "nothing to recognise" in reasons[8]
    assert "e-mail" in reasons[9]
    async with db.session() as session:
        ase = await session.scalar(select(Member).where(Member.member_number == "2001"))
        kari = await session.scalar(select(Member).where(Member.member_number == "2009"))
    assert ase.name == "Åse Bråten" and ase.phone == "+4791234567" and ase.district == "ostbyen"
    assert ase.joined_on.isoformat() == "2026-11-27" and ase.email == "ase@example.org"
    assert kari.district == "outside" and ase.invite_token and ase.verified

    # Idempotent: the same file again changes nothing.
    async with db.session() as session:
        again = await import_register(session, raw)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


async def test_import_windows_1252_english_headers_comma(db):
    text = "name,phone,email,district,joined_on,member_number\nBjørn Ødegård,4791234567,b@example.org,Heimdal,2026-11-20,3001\n"
    async with db.session() as session:
        report = await import_register(session, text.encode("cp1252"))
    assert report.created == 1 and not report.rejected
    async with db.session() as session:
        bjorn = await session.scalar(select(Member).where(Member.member_number == "3001"))
    assert bjorn.name == "Bjørn Ødegård"

    # Keyed by phone when the member number is missing: updates, not duplicates.
    update = "navn;telefon;bydel\nBjørn Ødegård;912 34 567;Lerkendal\n"
    async with db.session() as session:
        report = await import_register(session, update.encode("utf-8"))
    assert (report.created, report.updated) == (0, 1)
    async with db.session() as session:
        bjorn = await session.scalar(select(Member).where(Member.member_number == "3001"))
    assert bjorn.district == "lerkendal"


async def test_import_verifies_supporter_who_started_first(db, make_user):
    from tests.helpers import onboard, stored

    user = make_user()
    await onboard(user, phone="+4791234567")
    assert not (await stored(db, user.user_id)).verified
    async with db.session() as session:
        report = await import_register(session, "navn;telefon;medlemsnummer\nKari Nordmann;91234567;4001\n".encode())
    assert report.updated == 1
    member = await stored(db, user.user_id)
    assert member.verified and member.status == "member" and member.member_number == "4001"


def run_cli(monkeypatch, database_url, *argv):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "trondheimsv_bot")
    get_settings.cache_clear()
    try:
        return main(list(argv))
    finally:
        get_settings.cache_clear()


def test_cli_import_invite_and_roles(tmp_path, monkeypatch, capsys, database_url):
    import asyncio

    from bot.db import Database
    from tests.conftest import _empty_tables

    async def empty() -> None:
        database = Database(database_url)
        await _empty_tables(database)
        await database.dispose()

    asyncio.run(empty())
    register = tmp_path / "medlemmer.csv"
    register.write_bytes(NORWEGIAN.encode("cp1252"))
    assert run_cli(monkeypatch, database_url, "members", "import", str(register)) == 0
    out = capsys.readouterr().out
    assert "created: 4" in out and "rejected: 5" in out and "line 4: phone '12'" in out
    assert "line 7: district 'Byåsen'" in out

    assert run_cli(monkeypatch, database_url, "members", "invite", "--csv") == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "name;phone;link" and len(lines) == 5
    assert "https://t.me/trondheimsv_bot?start=inv_" in lines[1]

    assert run_cli(monkeypatch, database_url, "roles", "grant", "board", "--phone", "912 34 567") == 0
    assert "board granted for Åse Bråten" in capsys.readouterr().out
    assert run_cli(monkeypatch, database_url, "roles", "revoke", "board", "--member-number", "2001") == 0
    assert "board revoked" in capsys.readouterr().out
    assert run_cli(monkeypatch, database_url, "roles", "grant", "board", "--phone", "+4740404040") == 1
    asyncio.run(empty())


def test_run_without_token_says_how_to_get_one(monkeypatch, capsys):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir("/")
    get_settings.cache_clear()
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "@BotFather" in err
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not-a-token")
    get_settings.cache_clear()
    assert main(["run"]) == 2
    assert "does not look like a bot token" in capsys.readouterr().err
    get_settings.cache_clear()


def test_cli_demo_fills_an_empty_database_once(monkeypatch, capsys, database_url):
    import asyncio

    from bot.db import Database
    from tests.conftest import _empty_tables

    async def empty() -> None:
        database = Database(database_url)
        await _empty_tables(database)
        await database.dispose()

    asyncio.run(empty())
    assert run_cli(monkeypatch, database_url, "demo") == 0
    out = capsys.readouterr().out
    assert "members: 55" in out and "rounds: 3" in out and "events: 3" in out
    assert run_cli(monkeypatch, database_url, "demo") == 1
    assert "only into an empty one" in capsys.readouterr().err
    asyncio.run(empty())
