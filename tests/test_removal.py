"""The board removes a member who left the party: in the chat and from the command line, the same
erasure as /slett_meg, and a later import does not bring them back unless they rejoined."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from models import LeftMember, Member, Signup
from models import rounds as rd
from models.member import STATUS_ERASED
from models.membership import grant_role, member_by_telegram, revoke_role
from models.register import import_register
from tests.helpers import count, onboard, stored, tick
from tests.test_register import run_cli

REGISTER = ("navn;telefon;bydel;innmeldt;medlemsnummer\n"
            "Kari Nordmann;912 34 567;Midtbyen;01.01.2020;1001\n"
            "Ola Hansen;+47 934 56 789;Heimdal;01.01.2021;1002\n")


async def imported(db, text: str):
    async with db.session() as session:
        return await import_register(session, text.encode("utf-8"))


async def by_number(db, number: str) -> Member | None:
    async with db.session() as session:
        return await session.scalar(select(Member).where(Member.member_number == number))


async def board_member(db, make_user, lang="nb"):
    board = make_user(first_name="Berit", last_name="Styre", language_code=lang)
    await onboard(board, phone="+4745200000", lang=lang)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
    return board


async def test_board_removes_a_member_who_left_and_the_import_keeps_them_out(db, app, make_user, clock):
    await imported(db, REGISTER)
    board = await board_member(db, make_user)
    kari, ola = make_user(first_name="Kari"), make_user(first_name="Ola")
    await onboard(kari, phone="+4791234567")
    await onboard(ola, phone="+4793456789")
    async with db.session() as session:
        round_ = await rd.create_round(session, title="Dørbank Lade", district="ostbyen", starts_at=clock() + timedelta(days=3),
                                       ends_at=clock() + timedelta(days=3, hours=2), meeting_point="Lade", capacity=1, now=clock())
        await rd.sign_up(session, round_.id, (await member_by_telegram(session, kari.user_id)).id, clock())
        await rd.sign_up(session, round_.id, (await member_by_telegram(session, ola.user_id)).id, clock())

    found = await board.send("/fjern_medlem nordm")
    assert "Hvilket medlem har meldt seg ut av partiet?" in found.text
    assert "Kari Nordmann (1001, Midtbyen)" in found.buttons
    asked = await board.press("Kari Nordmann (1001, Midtbyen)")
    assert "Fjerne Kari Nordmann (1001, Midtbyen), som har meldt seg ut av partiet?" in asked.text
    done = await board.press("Ja, fjern")
    assert "Fjernet. Den 1 plassen vedkommende hadde, er frigitt." in done.text

    gone = await by_number(db, "1001")
    assert gone is None and await stored(db, kari.user_id) is None
    async with db.session() as session:
        erased = (await session.scalars(select(Member).where(Member.status == STATUS_ERASED))).one()
        seat = await session.scalar(select(Signup).where(Signup.member_id == (await member_by_telegram(session, ola.user_id)).id))
    assert erased.name is None and erased.phone is None and erased.telegram_id is None
    assert seat.status == "confirmed"  # Ola moved up from the waiting list
    await tick(app)
    assert "Dørbank Lade" in ola.last_message().text
    assert await count(db, LeftMember) == 2  # keyed hashes of the phone and the member number, nothing readable

    again = await kari.send("/start")
    assert "Medlemsdataene dine ble fjernet" in again.text and "meldte deg ut av partiet" in again.text

    report = await imported(db, REGISTER)  # the monthly import: Kari is not brought back
    assert [name for _line, name in report.left] == ["Kari Nordmann"] and report.created == 0
    assert await by_number(db, "1001") is None
    report = await imported(db, REGISTER.replace("Kari Nordmann;912 34 567;Midtbyen;01.01.2020;1001",
                                                  "Kari Nordmann;912 34 567;Midtbyen;01.01.2019;"))
    assert report.left and await by_number(db, "1001") is None  # an older date, and found by phone alone
    report = await imported(db, REGISTER.replace("01.01.2020", "01.03.2027"))  # she rejoined
    assert report.created == 1 and not report.left
    rejoined = await by_number(db, "1001")
    assert rejoined.name == "Kari Nordmann" and rejoined.telegram_id is None  # unlinked: nobody is written to


async def test_only_the_board_removes_and_the_role_is_read_again(db, app, make_user):
    await imported(db, REGISTER)
    board = await board_member(db, make_user, lang="en")
    member = make_user(first_name="Ola")
    await onboard(member, phone="+4793456789")
    refused = await member.send("/fjern_medlem 1001")
    assert refused.texts and "Kari" not in refused.text
    kari = await by_number(db, "1001")
    forged = await member.press_data(f"adm.rm:yes:{kari.id}")
    assert forged.alerts
    asked_for = await board.send("/removemember")
    assert "Write /removemember followed by the member's name or member number" in asked_for.text
    nobody = await board.send("/removemember Per Person")
    assert "No member matches “Per Person”." in nobody.text
    await board.send("/removemember 1001")
    await board.press("Kari Nordmann (1001, Midtbyen)")
    async with db.session() as session:
        await revoke_role(session, await member_by_telegram(session, board.user_id), "board")
    revoked = await board.press("Yes, remove")
    assert revoked.alerts
    assert (await by_number(db, "1001")).name == "Kari Nordmann" and await count(db, LeftMember) == 0
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
    cancelled = await board.press("No", exact=True)
    assert "Nobody was removed." in cancelled.text
    assert (await by_number(db, "1001")).name == "Kari Nordmann"


def test_cli_removes_a_member_and_the_cli_import_keeps_them_out(tmp_path, monkeypatch, capsys, database_url):
    from bot.db import Database
    from tests.conftest import _empty_tables

    async def empty() -> None:
        database = Database(database_url)
        await _empty_tables(database)
        await database.dispose()

    async def number_1001() -> Member | None:
        database = Database(database_url)
        try:
            return await by_number(database, "1001")
        finally:
            await database.dispose()

    asyncio.run(empty())
    register = tmp_path / "medlemmer.csv"
    register.write_bytes(REGISTER.encode("cp1252"))
    assert run_cli(monkeypatch, database_url, "members", "import", str(register)) == 0
    capsys.readouterr()
    assert run_cli(monkeypatch, database_url, "members", "remove", "--member-number", "1001") == 0
    assert "removed: Kari Nordmann (1001)" in capsys.readouterr().out
    assert asyncio.run(number_1001()) is None
    assert run_cli(monkeypatch, database_url, "members", "remove", "--phone", "912 34 567") == 1
    capsys.readouterr()
    assert run_cli(monkeypatch, database_url, "members", "import", str(register)) == 0
    out = capsys.readouterr().out
    assert "not brought back (left the party, no newer join date): 1" in out and "line 2: Kari Nordmann" in out
    assert asyncio.run(number_1001()) is None
    register.write_bytes(REGISTER.replace("01.01.2020", "15.02.2027").encode("cp1252"))
    assert run_cli(monkeypatch, database_url, "members", "import", str(register)) == 0
    assert "created: 1" in capsys.readouterr().out
    assert asyncio.run(number_1001()).name == "Kari Nordmann"
    asyncio.run(empty())
