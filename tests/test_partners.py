"""Partner organisations: records the board keeps (chat and CLI), named by rounds and events, counted
for the plan's goals; and the CLI verbs of asks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db import Database
from models import partners as pt
from models.events import create_event
from models.partners import EventPartner, Partner
from models.rounds import cancel as cancel_round
from models.rounds import create_round
from tests.conftest import _empty_tables
from tests.helpers import onboard
from tests.test_asks import with_role
from tests.test_register import run_cli

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


async def test_rounds_and_events_name_partners_from_the_records_and_count(db):
    async with db.session() as session:
        union = await pt.add(session, name="Fagforbundet Trondheim", kind="union")
        start = datetime(2027, 3, 6, 11, 0, tzinfo=UTC)
        typed = await create_round(session, title="Dørbank med Fagforbundet", district="ostbyen", starts_at=start,
                                   ends_at=start + timedelta(hours=2), meeting_point="Lade", capacity=10, now=NOW,
                                   partner="  fagforbundet   trondheim ")
        unknown = await create_round(session, title="Dørbank med NU", district="heimdal", starts_at=start,
                                     ends_at=start + timedelta(hours=2), meeting_point="Heimdal", capacity=10, now=NOW,
                                     partner="Natur og Ungdom")
        await create_round(session, title="Uten partner", district="heimdal", starts_at=start, ends_at=start + timedelta(hours=2),
                           meeting_point="Heimdal", capacity=10, now=NOW)
        meeting = await create_event(session, kind="open_meeting", title="Åpent møte med bevegelsene", starts_at=start,
                                     ends_at=start + timedelta(hours=2), place="Folkets hus", now=NOW,
                                     partners=["Natur og ungdom", "Kvinnegruppa Ottar"])
        await create_event(session, kind="social", title="Pub", starts_at=start, ends_at=start + timedelta(hours=2),
                           place="Pub", now=NOW, partners=["Fagforbundet Trondheim"])
    async with db.session() as session:
        assert (typed.partner, typed.partner_id) == ("Fagforbundet Trondheim", union.id)
        nu = await pt.find(session, "natur og ungdom")
        assert nu is not None and nu.kind == "other" and unknown.partner_id == nu.id  # an unknown name made a record
        assert meeting.partners == ["Natur og Ungdom", "Kvinnegruppa Ottar"]
        linked = set(await session.scalars(select(EventPartner.partner_id).where(EventPartner.event_id == meeting.id)))
        assert len(linked) == 2 and nu.id in linked
        assert [p.name for p in await pt.all_partners(session)] == ["Fagforbundet Trondheim", "Kvinnegruppa Ottar", "Natur og Ungdom"]
        assert await pt.rounds_with_partners(session, 2027) == 2
        assert await pt.rounds_with_partners(session, 2026) == 0
        assert await pt.open_meetings_with_partners(session, 2027) == 1
        await cancel_round(session, unknown.id)
    async with db.session() as session:
        assert await pt.rounds_with_partners(session, 2027) == 1


async def test_the_board_keeps_partners_in_the_chat_in_norwegian(db, app, api, make_user):
    board = make_user(first_name="Siri", language_code="nb")
    await onboard(board, phone="+4745000000")
    member = make_user(first_name="Per", language_code="nn")
    await onboard(member, phone="+4745000001", lang="nn")
    refused = await member.send("/partnere")
    assert refused.text.startswith("Berre medlemer med rolla «styret»")
    await with_role(db, board, "board")
    await board.send("/partnere")
    await board.press("➕ Legg til en partner")
    await board.send("Kvinnegruppa Ottar")
    await board.press("Kvinnebevegelsen")
    await board.press("Hopp over")
    added = await board.send("900 00 000")
    assert "Kvinnegruppa Ottar er lagt til." in added.text and "https://t.me/" in added.text
    await board.send("/partnere")
    await board.press("➕ Legg til en partner")
    again = await board.send("kvinnegruppa  ottar")
    assert "står allerede på lista" in again.text
    await board.send("/avbryt")
    files = await board.send("/partnere")
    assert "Kvinnegruppa Ottar (Kvinnebevegelsen)" in files.text and "?start=ask_" in files.text
    sent = await board.press("📎 Lenker som CSV")
    table = next(iter(sent.method("sendDocument")[0].files.values())).decode("utf-8-sig")
    assert table.startswith("Navn;Type;Kontaktperson;E-post;Telefon;Lenke\r\nKvinnegruppa Ottar;Kvinnebevegelsen;;;900 00 000;https://t.me/")
    old_link = added.text.split("\n")[-1]
    renewed = await board.press("🔄 Ny lenke: Kvinnegruppa Ottar")
    new_link = renewed.text.split("\n")[-1]
    assert "har fått ny lenke" in renewed.text and new_link != old_link and "?start=ask_" in new_link
    guest = make_user(first_name="Gjest", language_code="nb")
    assert "Denne lenken gjelder ikke lenger" in (await guest.send("/start " + old_link.split("?start=")[1])).text
    assert "Hei, Kvinnegruppa Ottar!" in (await guest.send("/start " + new_link.split("?start=")[1])).text
    async with db.session() as session:
        partner_id = (await session.scalars(select(Partner.id))).one()
    forged = await member.press_data(f"ptn.relink:{partner_id}")
    assert forged.alerts and "«styret»" in forged.alerts[0]
    async with db.session() as session:
        stored = (await session.scalars(select(Partner))).one()
        assert stored.token == new_link.split("ask_")[1]
        assert (stored.kind, stored.phone, stored.contact_person, stored.email) == ("women", "900 00 000", None, None)


def _empty(database_url: str) -> None:
    async def run() -> None:
        database = Database(database_url)
        await _empty_tables(database)
        await database.dispose()

    asyncio.run(run())


def test_cli_partners_and_asks(tmp_path, monkeypatch, capsys, database_url):
    _empty(database_url)
    for verb in (("partners", "--help"), ("partners", "add", "--help"), ("asks", "add", "--help"), ("asks", "export", "--help")):
        with pytest.raises(SystemExit) as exit_:
            run_cli(monkeypatch, database_url, *verb)
        assert exit_.value.code == 0
    capsys.readouterr()
    assert run_cli(monkeypatch, database_url, "partners", "add", "--name", "=Fagforbundet", "--kind", "union",
                   "--email", "post@ff.no") == 0
    assert "?start=ask_" in capsys.readouterr().out
    assert run_cli(monkeypatch, database_url, "partners", "list", "--csv") == 0
    out = capsys.readouterr().out
    assert out.startswith("name;kind;contact_person;email;phone;link") and "'=Fagforbundet;union" in out
    assert run_cli(monkeypatch, database_url, "asks", "add", "--kind", "council", "--title", "Bussveien", "--text", "Hva mener du?",
                   "--deadline", "2099-01-10 12:00", "--meeting", "2099-01-15", "--partners") == 0
    assert "ask #1 queued for 0 members and 1 partner organisation\n" in capsys.readouterr().out
    assert run_cli(monkeypatch, database_url, "asks", "list") == 0
    assert "1;council;open;2099-01-10T11:00+00:00;0;Bussveien" in capsys.readouterr().out
    assert run_cli(monkeypatch, database_url, "asks", "export", "1", "--out", str(tmp_path)) == 0
    assert (tmp_path / "innspill-1.md").read_text(encoding="utf-8").startswith("# Bussveien")
    assert (tmp_path / "innspill-1.csv").read_text(encoding="utf-8-sig").startswith("Når;Fra;Type;Bydel;Svar")
    assert run_cli(monkeypatch, database_url, "asks", "add", "--title", "X", "--text", "Y", "--deadline", "2000-01-01 12:00") == 1


async def test_a_round_created_in_the_chat_links_the_typed_partner(db, app, make_user, clock):
    from models.rounds import Round
    from tests.test_doorknock import people

    async with db.session() as session:
        lo = await pt.add(session, name="LO Trondheim", kind="union")
    (board,) = await people(make_user, 1)
    await with_role(db, board, "board")
    await board.send("/nyrunde")
    await board.send("Dørbank med LO")
    await board.press("Midtbyen")
    await board.send("12.12 12:00")
    await board.send("15:00")
    await board.send("Torget")
    await board.send("12")
    await board.press("Jeg gjør det")
    await board.press("Fortsett")
    await board.send("lo   TRONDHEIM")
    await board.press("Hopp over")
    await board.press("✅ Opprett")
    async with db.session() as session:
        round_ = await session.scalar(select(Round))
        assert (round_.partner, round_.partner_id) == ("LO Trondheim", lo.id)
        assert await pt.rounds_with_partners(session, 2026) == 1
