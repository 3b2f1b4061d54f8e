"""Lists the board can act on (issue 13): wrong numbers with names, offers to phone, no-shows,
district-chapter interest and a broadcast's people not on Telegram — as CSV files in the chat, only
for the board, and from the command line; /roller lists who has which role."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from models import broadcast as bc
from models import phonebank as pb
from models import rounds as rd
from models import welcome as wl
from models.membership import member_by_telegram
from tests.helpers import import_members
from tests.test_season_member import START, grant, make_round, person

REGISTER = ("navn;telefon;medlemsnummer;bydel\nOla Uten Telegram;90000001;7001;Østbyen\nKari Feilnummer;90000002;7002;Østbyen\n"
            "Hjelper;41000004;7004;Østbyen\n")


def rows_of(call) -> list[list[str]]:
    text = next(iter(call.files.values())).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


async def last_document(user):
    return next(call for call in reversed(user.api.calls) if call.method == "sendDocument" and call.chat_id == user.user_id)


async def test_board_gets_each_list_as_a_file(db, make_user, clock):
    await import_members(db, REGISTER)
    board = await person(make_user, 1, first="Styre")
    await grant(db, board, "board")
    caller = await person(make_user, 2, first="Ringer")
    absent = await person(make_user, 3, first="Borte")
    helper = await person(make_user, 4, first="Hjelper")
    round_id = await make_round(db, clock, capacity=5)
    async with db.session() as session:
        me = await member_by_telegram(session, caller.user_id)
        gone = await member_by_telegram(session, absent.user_id)
        helpful = await member_by_telegram(session, helper.user_id)
        signup = (await rd.sign_up(session, round_id, gone.id, clock())).signup
        campaign, _count = await pb.create_campaign(session, name="Vårmobilisering", purpose="", scripts={"nb": "Hei"},
                                                   audience=bc.Audience(), now=clock())
        outcomes = {}
        while (claim := await pb.claim_next(session, campaign.id, me.id, clock(), timedelta(minutes=10))).card is not None:
            target_member = claim.card
            outcome = "wrong_number" if target_member.name == "Kari Feilnummer" else (
                "will_call" if target_member.member_id == helpful.id else "not_now")
            await pb.record(session, claim.card.target_id, me.id, outcome, clock(), cooldown=timedelta(days=1), tz=None)
            outcomes[target_member.name] = outcome
    assert outcomes.get("Kari Feilnummer") == "wrong_number", outcomes
    assert outcomes.get("Hjelper") == "will_call", outcomes
    clock.set(START + timedelta(hours=4))
    async with db.session() as session:
        await rd.set_attendance(session, signup.id, False, clock())

    menu = await board.send("/lister")
    assert menu.text.startswith("Hvilken liste?")
    wrong = await board.press("Feil nummer")
    assert wrong.text == "Feil nummer: 1 person. Filen kommer under."
    [header, kari] = rows_of(await last_document(board))
    assert header[:3] == ["Navn", "Medlemsnummer", "Telefon"]
    assert kari[:3] == ["Kari Feilnummer", "7002", "900 00 002"] and kari[5:7] == ["Ringerunde", "Vårmobilisering"]
    assert kari[4] == "Østbyen", kari  # the district as people write it, not its code
    assert kari[7][:4].isdigit() and kari[7][4] == "-", kari  # a date with its year that a spreadsheet sorts (2026-…)

    await board.send("/lister")
    await board.press("Vil ringe andre")
    assert [row[0] for row in rows_of(await last_document(board))[1:]] == ["Hjelper"]
    await board.send("/lister")
    await board.press("Møtte ikke")
    [_header, no_show] = rows_of(await last_document(board))
    assert no_show[0].startswith("Borte") and no_show[5:7] == ["Dørbanking", "Dørbank på Lade"]
    assert no_show[2] == "410 00 003" and no_show[7] == "2026-12-05", no_show  # national form, no guard; ISO date
    await board.send("/lister")
    assert (await board.press("Vil starte bydelslag")).text == "Vil starte bydelslag: ingen akkurat nå."


async def test_not_on_telegram_and_roles(db, make_user, clock):
    await import_members(db, REGISTER)
    board = await person(make_user, 5, first="Styre", lang="nn")
    await grant(db, board, "board")
    await grant(db, board, "caller")
    async with db.session() as session:
        author = await member_by_telegram(session, board.user_id)
        cast = await bc.create(session, author_id=author.id, text="Stand på torget laurdag!\nKom!", audience=bc.Audience(
            districts=["ostbyen"]), urgent=False, send_at=None, now=clock())
        cast.status = "sent"
    await board.send("/lister")
    await board.press("Ikkje på Telegram")
    picked = await board.press("Stand på torget", exact=False)
    assert picked.text == "Ikkje på Telegram: 3 personar. Fila kjem under."
    names = sorted(row[0] for row in rows_of(await last_document(board))[1:])
    assert names == ["Hjelper", "Kari Feilnummer", "Ola Uten Telegram"]

    roles = await board.send("/roller")
    assert roles.text.startswith("Kven har kva rolle:") and "Styre" in roles.text


async def test_lists_are_for_the_board_only(db, make_user, clock):
    member = await person(make_user, 6)
    refused = await member.send("/lister")
    assert "styret" in refused.text.lower() or "rollen" in refused.text
    assert not [c for c in member.api.calls if c.method == "sendDocument"]


def test_command_line_writes_the_same_lists(tmp_path, monkeypatch, capsys, database_url):
    import asyncio

    from bot.db import Database
    from tests.conftest import _empty_tables
    from tests.test_register import run_cli

    async def empty() -> None:
        database = Database(database_url)
        await _empty_tables(database)
        await database.dispose()

    asyncio.run(empty())
    register = tmp_path / "medlemmer.csv"
    register.write_text("navn;telefon;medlemsnummer\nKari Nordmann;91234567;4001\nÅse Bråten;92345678;4002\n", encoding="utf-8")
    assert run_cli(monkeypatch, database_url, "members", "import", str(register)) == 0
    assert run_cli(monkeypatch, database_url, "roles", "grant", "board", "--phone", "92345678") == 0
    capsys.readouterr()
    assert run_cli(monkeypatch, database_url, "lists", "roles") == 0
    assert capsys.readouterr().out.splitlines() == ["role;name;member_number", "board;Åse Bråten;4002"]
    assert run_cli(monkeypatch, database_url, "lists", "not_on_telegram") == 2
    assert run_cli(monkeypatch, database_url, "lists", "not_on_telegram", "--broadcast", "99") == 1
    assert "there is no broadcast #99" in capsys.readouterr().err
    out = tmp_path / "feil.csv"
    assert run_cli(monkeypatch, database_url, "lists", "wrong_numbers", "--lang", "en", "--out", str(out)) == 0
    assert out.read_text(encoding="utf-8-sig").splitlines() == ["Name;Member number;Phone;E-mail;District;Source;Which;Date"]
    asyncio.run(empty())


async def test_the_interest_list_is_dated_by_when_the_interest_was_chosen(db, make_user, clock):
    """The date on a row of "Vil starte bydelslag" is the day the member chose the interest (at the bot's
    time), not the day their row last changed for some other reason."""
    board = await person(make_user, 1, first="Styre")
    await grant(db, board, "board")
    keen = await person(make_user, 2, first="Ivrig")
    clock.set(START - timedelta(days=40))
    await keen.send("/innstillinger")
    await keen.press("Interesser")
    await keen.press("bydelslag")
    clock.set(START)
    await keen.send("/innstillinger")
    await keen.press("Språk")
    await keen.press("Nynorsk")  # the member's row changes again, today
    await board.send("/lister")
    await board.press("Vil starte bydelslag")
    [_header, row] = rows_of(await last_document(board))
    assert row[0].startswith("Ivrig") and row[7] == (START - timedelta(days=40)).date().isoformat(), row
