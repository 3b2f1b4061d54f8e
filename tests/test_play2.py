"""A season played by hand (helper play2): welcome calls, phone rounds and erasure combined."""

from __future__ import annotations

from sqlalchemy import select

from models import Member, WelcomeTask
from models.membership import grant_role, member_by_telegram
from models.register import import_register
from models.welcome import ensure_tasks
from tests.helpers import onboard

REGISTER = ("navn;telefon;epost;bydel;innmeldt;medlemsnummer\n"
            "Siv Sen;900 11 222;siv@example.no;Midtbyen;20.11.2026;7003\n")


async def welcomer(db, make_user, *, phone="+4745200000", role="welcomer"):
    user = make_user(first_name="Åse", last_name="AU")
    await onboard(user, phone=phone)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, user.user_id), role)
    return user


async def test_welcome_card_loses_the_number_once_the_call_is_done(db, app, make_user, clock):
    async with db.session() as session:
        await import_register(session, REGISTER.encode())
    async with db.session() as session:
        await ensure_tasks(session, clock())
    user = await welcomer(db, make_user)
    await user.send("/velkomst")
    card = (await user.press("Ta: Siv Sen")).texts[0]
    assert "☎️ +47 900 11 222" in card and "siv@example.no" in card
    tried = await user.press("🔕 Svarte ikke")  # still theirs: the card keeps the number and the buttons
    assert tried.text == "Notert. Prøv igjen senere — samtalen blir hos deg: kortet over har fortsatt knappene."
    card_message, _data = user.find_button("📞 Nådd på telefon")
    assert "900 11 222" in card_message.text
    await user.press("📞 Nådd på telefon")
    shown = "\n".join(m.text or "" for m in user.messages())
    assert "900 11 222" not in shown and "siv@example.no" not in shown
    assert any(m.text == "👋 Siv Sen — 📞 Nådd på telefon" for m in user.messages())
    async with db.session() as session:
        siv = await session.scalar(select(Member).where(Member.name == "Siv Sen"))
        task = await session.scalar(select(WelcomeTask).where(WelcomeTask.member_id == siv.id))
    assert (task.status, task.outcome) == ("done", "phone")


async def test_an_erasure_mid_round_takes_the_numbers_off_the_cards(db, app, make_user, clock):
    """Two callers hold a call to each other; one erases their data: neither card keeps a number."""
    from models import broadcast as bc
    from models import phonebank as pb

    async with db.session() as session:
        await import_register(session, ("navn;telefon;bydel;innmeldt;medlemsnummer\n"
                                        "Ola Ringer;451 00 000;Heimdal;01.01.2020;8001\n"
                                        "Nils Nynorsk;451 00 001;Heimdal;01.01.2020;8002\n").encode())
    first, second = make_user(first_name="Ola"), make_user(first_name="Nils", language_code="nn")
    await onboard(first, phone="+4745100000", district="Heimdal")
    await onboard(second, phone="+4745100001", lang="nn", district="Heimdal")
    async with db.session() as session:
        for user in (first, second):
            await grant_role(session, await member_by_telegram(session, user.user_id), "caller")
        await pb.create_campaign(session, name="Ring for dørbank", purpose="Få folk med",
                                 scripts={"nb": "Hei! Vil du bli med på dørbank?"},
                                 audience=bc.Audience(districts=["heimdal"]), now=clock())
    await first.send("/ringerunde")
    assert "☎️ +47 451 00 001" in (await first.press("Neste samtale")).text
    await second.send("/ringjerunde")
    assert "☎️ +47 451 00 000" in (await second.press("Neste samtale")).text
    await first.send("/slett_meg")
    await first.press("Ja, slett dataene mine")
    assert not [m.text for m in first.messages() if "451 00 001" in (m.text or "")]  # the erased caller's own card
    assert not [m.text for m in second.messages() if "451 00 000" in (m.text or "")]  # the card about the erased one
    assert "Denne samtalen er avslutta: personen er ikkje lenger med i ringjerunden." in [m.text for m in second.messages()]
    assert "Tilbake i køen." in [m.text for m in first.messages()]
    async with db.session() as session:
        held = list(await session.scalars(select(pb.CallTarget).where(pb.CallTarget.status == pb.HELD)))
    assert held == []


def test_members_invite_asks_telegram_for_the_username_when_none_is_set(tmp_path, monkeypatch, capsys, database_url):
    """`members invite` without TELEGRAM_BOT_USERNAME asks Telegram (getMe) instead of crashing in asyncio.run."""
    from bot.cli import main
    from bot.cli import members as cli_members
    from bot.settings import get_settings
    from tests.test_cli_season import empty

    empty(database_url)
    register = tmp_path / "medlemmer.csv"
    register.write_text("navn;telefon;innmeldt\nNora Ny;912 34 571;25.11.2026\n", encoding="utf-8")

    async def asked(_settings) -> str:
        return "asked_bot"

    monkeypatch.setattr(cli_members, "_ask_username", asked)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TELEGRAM_BOT_USERNAME", raising=False)
    get_settings.cache_clear()
    try:
        assert main(["members", "import", str(register)]) == 0
        capsys.readouterr()
        assert main(["members", "invite"]) == 0
    finally:
        get_settings.cache_clear()
    assert "Nora Ny\t+4791234571\thttps://t.me/asked_bot?start=inv_" in capsys.readouterr().out
    empty(database_url)


async def test_the_chair_takes_over_a_welcome_call_left_undone_by_day_ten(db, app, make_user, clock):
    from datetime import UTC, datetime

    from tests.conftest import ADMIN_ID
    from tests.helpers import forget_upkeep, tick

    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    async with db.session() as session:
        await import_register(session, "navn;telefon;innmeldt;medlemsnummer\nNora Ny;912 34 567;27.11.2026;7001\n".encode())
    first = await welcomer(db, make_user)
    other = await welcomer(db, make_user, phone="+4745200001")
    chair = make_user(first_name="Leder", user_id=ADMIN_ID)
    await onboard(chair, phone="+4745200002")
    await tick(app)
    await first.send("/velkomst")
    await first.press("Ta: Nora Ny")  # and then nothing
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # day 10
    await forget_upkeep(app, "welcome")
    await tick(app)
    await tick(app)
    told = [m for m in chair.messages() if m.text.startswith("Velkomstsamtalen med Nora Ny er fortsatt ikke gjort")]
    assert told and "Ta den over" in [label for label, _data in told[-1].inline_buttons]
    assert "Ta over: Nora Ny" not in (await other.send("/velkomst")).buttons  # a welcomer cannot take it from another
    assert "Ta over: Nora Ny" in (await chair.send("/velkomst")).buttons
    card = await chair.press("Ta den over")
    assert "☎️ +47 912 34 567" in card.text
    await chair.press("📞 Nådd på telefon")
    async with db.session() as session:
        task = await session.scalar(select(WelcomeTask))
        holder = await member_by_telegram(session, ADMIN_ID)
    assert (task.status, task.outcome, task.taken_by) == ("done", "phone", holder.id)
    refused = await first.press("📞 Nådd på telefon")  # the first welcomer's old card does nothing now
    assert refused.alerts == ["Ta velkomstsamtalen først."]


async def test_day_21_welcome_does_not_ask_for_an_answer_nobody_reads(db, app, make_user, clock):
    """The day-21 step asked to "just answer this message", but a reply to it reaches nobody (only a reply
    to a broadcast goes to the board): it asks for the buttons only."""
    from tests.helpers import forget_upkeep, tick

    async with db.session() as session:
        await import_register(session, "navn;telefon;innmeldt;medlemsnummer\nNora Ny;912 34 567;27.11.2026;7001\n".encode())
    async with db.session() as session:
        await ensure_tasks(session, clock())
    user = make_user(first_name="Nora", last_name="Ny")
    await onboard(user, phone="+4791234567")
    clock.advance(days=21, hours=1)
    await forget_upkeep(app, "welcome")
    await tick(app)
    await tick(app)
    step = [m for m in user.messages() if "tre uker" in (m.text or "")]
    assert [m.text for m in step] == ["Du har vært medlem i tre uker — velkommen igjen! Er det noe du har lyst til å bidra med? "
                                      "Velg det under."]
    assert ("Dette vil jeg bidra med", "set:int") in step[0].inline_buttons


async def test_welcome_report_says_how_many_are_not_due_yet(db, app, make_user, clock):
    """/velkomst rapport gave "1 (33 %; the goal is all)" on a day when the other two were not due yet,
    which only its chart showed: the text names late and not-yet-due as /rapport does."""
    async with db.session() as session:
        await import_register(session, ("navn;telefon;innmeldt;medlemsnummer\nSiv Sen;900 11 222;20.11.2026;7003\n"
                                        "Nora Ny;912 34 567;25.11.2026;7001\nPer Ny;912 34 572;27.11.2026;7002\n").encode())
    async with db.session() as session:
        await ensure_tasks(session, clock())
    board = await welcomer(db, make_user, role="board")
    await board.send("/velkomst")
    await board.press("Ta: Siv Sen")
    await board.press("📞 Nådd på telefon")
    text = (await board.send("/velkomst rapport")).texts[0]
    assert "Kontaktet innen 14 dager: 1 (33 %; målet er alle)\nFor sent: 0 · ikke forfalt ennå: 2" in text


async def test_broadcast_status_tells_scheduled_and_skipped_apart_from_failures(db, app, make_user, clock):
    """/utsending status showed a scheduled broadcast as "sent 0, waiting 0" (as if nothing got through),
    listed a draft never sent the same way, and left out the members skipped for "stopp"."""
    from tests.helpers import tick
    from tests.test_broadcast import board_member, members
    from tests.test_broadcast_scheduled import schedule

    people = await members(db, make_user)  # three in Midtbyen, one of whom said "stopp", and one in Heimdal
    board = await board_member(db, make_user)
    await board.send("/utsending")
    await board.send("Dørbank lørdag!")
    await board.press("Forhåndsvis ▸")
    await board.press("Send nå")
    await people[0].send("stopp")  # before it reaches them: skipped, not failed
    clock.advance(hours=1)
    await tick(app)
    await tick(app)
    await schedule(board, "Medlemsmøte neste uke!", "30.11 18:00")
    await board.send("/utsending")
    await board.send("Bare et utkast")
    await board.press("Forhåndsvis ▸")
    await board.press("Avbryt")
    listing = (await board.send("/utsending status")).text
    lines = listing.splitlines()
    assert lines[0] == "Siste utsendinger:" and len([line for line in lines if line.startswith("#")]) == 2, listing
    assert lines[2] == "   planlagt: /utsending planlagt"
    assert lines[4] == "   sendt 2, venter 0, feilet 0, ikke nåbare 0, svar 0, hoppet over 1"


async def test_a_saved_call_note_offers_the_next_call(db, app, make_user, clock):
    """"Note saved." ended the exchange with no button: the caller had to scroll up to the card."""
    from tests.test_phonebank import callees, caller, campaign

    await callees(db, 2)
    user = await caller(make_user, db)
    await campaign(db, clock)
    await user.send("/ringerunde")
    await user.press("Neste samtale")
    await user.press("🙂 Ikke nå")
    await user.press("📝 Legg til notat")
    saved = await user.send("Ring etter kl. 17")
    assert saved.text == "Notatet er lagret." and saved.buttons == ["📞 Neste samtale"]
    assert "☎️ +47" in (await user.press("📞 Neste samtale")).text


async def test_nynorsk_data_export_writes_participles_as_nynorsk_does(db, app, make_user, clock):
    """/mine_data in Nynorsk said "Innmeld" and "Påmeld" (Nynorsk: innmeldt, påmeldt), and a caller's sign-up
    was "meld på av ein ringjar"."""
    import json

    from tests.test_phonebank import caller, campaign, make_round

    async with db.session() as session:
        await import_register(session, "navn;telefon;bydel;innmeldt;medlemsnummer\nNils Nynorsk;912 34 569;Midtbyen;10.01.2020;1003\n".encode())
    nils = make_user(first_name="Nils", language_code="nn")
    await onboard(nils, phone="+4791234569", lang="nn")
    user = await caller(make_user, db)
    await campaign(db, clock, round_id=await make_round(db, clock))
    await user.send("/ringerunde")
    await user.press("Neste samtale")
    await user.press("✅ Meldt på")
    data = json.loads((await nils.send("/mine_data")).method("sendDocument")[0].files["document"].decode("utf-8"))
    assert data["Om deg"]["Innmeldt"] == "2020-01-10"
    assert data["Dørbankrundar"][0]["Påmeldt"].startswith("2026-")
    assert "meldt på av ein ringjar" in [m["Emne"] for m in data["Meldingar frå lagbot til deg"]]


async def test_day_two_welcome_offers_no_event_about_to_begin(db, app, make_user, clock):
    """The day-2 step invited a new member to the pub evening ten minutes before it began (the step is
    queued when its day comes): it offers the next social event that starts at least three hours later."""
    from datetime import timedelta

    from models import events as ev
    from tests.helpers import forget_upkeep, tick

    async with db.session() as session:
        await import_register(session, "navn;telefon;innmeldt;medlemsnummer\nNora Ny;912 34 567;27.11.2026;7001\n".encode())
    async with db.session() as session:
        await ensure_tasks(session, clock())
    user = make_user(first_name="Nora", last_name="Ny")
    await onboard(user, phone="+4791234567")
    day_two = clock() + timedelta(days=2, minutes=5)
    async with db.session() as session:
        for title, start in (("Pubkveld", day_two + timedelta(minutes=10)), ("Brettspillkveld", day_two + timedelta(days=3))):
            await ev.create_event(session, kind="social", title=title, starts_at=start, ends_at=start + timedelta(hours=3),
                                  place="Ramp", now=clock())
    clock.set(day_two)
    await forget_upkeep(app, "welcome")
    await tick(app)
    await tick(app)
    offers = [m.text for m in user.messages() if m.text.startswith("En fin måte å bli kjent med de andre på")]
    assert len(offers) == 1 and "«Brettspillkveld»" in offers[0], offers
