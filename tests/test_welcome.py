"""New-member welcome: import → task → take → outcome → invite link → welcome sequence → report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models import Member, OutboxMessage, WelcomeTask
from models import events as ev
from models import rounds as rd
from models.membership import grant_role, member_by_telegram
from models.register import import_register
from models.welcome import ensure_tasks
from tests.conftest import ADMIN_ID
from tests.helpers import forget_upkeep, onboard, tick

REGISTER = ("navn;telefon;bydel;innmeldt;medlemsnummer\n"
            "Nora Ny;912 34 567;Lerkendal;27.11.2026;7001\n"
            "Ola Gammel;934 56 789;Heimdal;01.01.2020;7002\n"
            "Siv Sen;900 11 222;Midtbyen;20.11.2026;7003\n")


async def setup(db, clock) -> None:
    async with db.session() as session:
        await import_register(session, REGISTER.encode())
    async with db.session() as session:
        await ensure_tasks(session, clock())


async def welcomer(db, make_user, *, phone="+4745200000", role="welcomer", user_id=None):
    user = make_user(first_name="Åse", last_name="AU", user_id=user_id)
    await onboard(user, phone=phone)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, user.user_id), role)
    return user


async def task_of(db, name: str) -> WelcomeTask:
    async with db.session() as session:
        member = await session.scalar(select(Member).where(Member.name == name))
        return await session.scalar(select(WelcomeTask).where(WelcomeTask.member_id == member.id))


async def test_import_gives_new_members_a_task_and_a_welcomer_takes_it(db, app, make_user, clock):
    await setup(db, clock)
    async with db.session() as session:
        tasks = list(await session.scalars(select(WelcomeTask)))
    assert len(tasks) == 2  # Ola joined in 2020: not new
    user = await welcomer(db, make_user)
    listing = await user.send("/velkomst")
    assert listing.text.splitlines()[1:] == ["• Siv Sen: 7 dager igjen", "• Nora Ny: 14 dager igjen"]
    card = await user.press("Ta: Siv Sen")
    text = card.texts[0]
    assert "☎️ +47 900 11 222" in text and "🏘 Midtbyen" in text and "https://t.me/lagbot_test_bot?start=inv_" in text
    assert "Hei Siv! Velkommen til Trondheim SV — så fint at du er med. Jeg heter Åse" in text
    other = await welcomer(db, make_user, phone="+4745200001")
    taken = await other.press_data(f"wl:take:{(await task_of(db, 'Siv Sen')).id}", (await other.send("/velkomst")) and other.last_message())
    assert taken.alerts == ["Noen andre har allerede tatt denne velkomstsamtalen."]
    assert "Ta: Siv Sen" not in (await other.send("/velkomst")).buttons
    tried = await user.press("🔕 Svarte ikke")
    assert tried.text.startswith("Notert. Prøv igjen senere")
    assert (await task_of(db, "Siv Sen")).status == "taken"
    clock.advance(hours=5)
    reached = await user.press("📞 Nådd på telefon")
    assert "Hva sa Siv Sen at hen vil bidra med?" in reached.text
    await user.press("Dørbanking")
    await user.press("📝 Legg til notat")
    assert (await user.send("Vil gjerne ha kurs først")).text == "Notatet er lagret."
    task = await task_of(db, "Siv Sen")
    assert (task.status, task.outcome, task.note) == ("done", "phone", "Vil gjerne ha kurs først")
    assert task.first_contact_at == clock()
    async with db.session() as session:
        siv = await session.scalar(select(Member).where(Member.name == "Siv Sen"))
    assert siv.interest_names == {"doorknock"}
    member = make_user()
    await onboard(member, phone="+4745200009")
    assert (await member.send("/velkomst")).text.startswith("Bare medlemmer med rollen «velkomstansvarlig»")


async def test_escalation_on_days_three_ten_and_fourteen(db, app, make_user, clock):
    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    async with db.session() as session:
        await import_register(session, "navn;telefon;innmeldt;medlemsnummer\nNora Ny;912 34 567;27.11.2026;7001\n".encode())
    first = await welcomer(db, make_user)
    second = await welcomer(db, make_user, phone="+4745200001", role="board")
    chair = make_user(first_name="Leder", user_id=ADMIN_ID)
    await onboard(chair, phone="+4745200002")
    await tick(app)
    clock.set(datetime(2026, 11, 29, 9, 0, tzinfo=UTC))  # day 2: not yet
    await forget_upkeep(app, "welcome")
    await tick(app)
    assert not [m for m in first.messages() if "ingen har tatt velkomstsamtalen" in m.text]
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))  # day 3
    await forget_upkeep(app, "welcome")
    await tick(app)
    await tick(app)
    for user in (first, second):
        assert "Nora Ny meldte seg inn for 3 dager siden, og ingen har tatt velkomstsamtalen ennå. Kan du?" in [m.text for m in user.messages()]
    taken = await first.press("Ta den")
    assert "👋 Nora Ny" in taken.text
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # day 10
    await forget_upkeep(app, "welcome")
    await tick(app)
    await tick(app)
    assert "Velkomstsamtalen med Nora Ny er fortsatt ikke gjort etter 10 dager (tatt av: Åse AU). Se /velkomst." in [
        m.text for m in chair.messages()]
    clock.set(datetime(2026, 12, 11, 9, 0, tzinfo=UTC))  # day 14
    await forget_upkeep(app, "welcome")
    await tick(app)
    task = await task_of(db, "Nora Ny")
    assert task.late and task.status == "taken"
    listing = await first.send("/velkomst")
    assert "• Nora Ny: frist i dag" in listing.text
    clock.set(datetime(2026, 12, 23, 9, 0, tzinfo=UTC))
    assert "• Nora Ny: 12 dager for sent" in (await first.send("/velkomst")).text


async def test_invite_link_greets_by_name_and_runs_the_welcome_sequence(db, app, make_user, clock):
    await setup(db, clock)
    async with db.session() as session:
        nora = await session.scalar(select(Member).where(Member.name == "Nora Ny"))
        social = await ev.create_event(session, kind="social", title="Brettspillkveld", starts_at=clock() + timedelta(days=5),
                                       ends_at=clock() + timedelta(days=5, hours=3), place="Tapperiet", now=clock())
        round_ = await rd.create_round(session, title="Dørbank Lerkendal", district="lerkendal", starts_at=clock() + timedelta(days=10),
                                       ends_at=clock() + timedelta(days=10, hours=3), meeting_point="Moholt", capacity=8, now=clock())
    user = make_user(first_name="Nora", last_name="Ny")
    await user.send(f"/start inv_{nora.invite_token}")
    asked = await user.press("Ja, jeg godtar")
    assert "Nora Ny" not in asked.text
    greeted = await user.share_contact("+47 912 34 567")
    assert "Takk, Nora Ny! Vi fant deg i medlemsregisteret." in greeted.text
    await user.press("Ferdig", exact=True)  # the register has her district: not asked
    clock.advance(hours=1)  # 14:00 in Oslo, outside quiet hours
    await tick(app)
    await tick(app)
    assert user.last_message().text.startswith("Velkommen til Trondheim SV, Nora!")
    assert ("Dette vil jeg bidra med", "set:int") in user.last_message().inline_buttons
    clock.advance(days=2)
    await forget_upkeep(app, "welcome")
    await tick(app)
    await tick(app)
    assert user.last_message().text.startswith("En fin måte å bli kjent med de andre på: «Brettspillkveld»")
    await user.press("✅ Ja")
    clock.advance(days=5)
    await forget_upkeep(app, "welcome")
    await tick(app)
    await tick(app)
    assert user.last_message().text.startswith("Vil du prøve dørbanking med oss? «Dørbank Lerkendal»")
    await user.press("Bli med")
    assert social.id and round_.id
    # Day 21: the member turned suggestions off in the meantime, so the step is skipped.
    async with db.session() as session:
        stored = await member_by_telegram(session, user.user_id)
        stored.wants_nudges = False
    clock.advance(days=14)
    await forget_upkeep(app, "welcome")
    before = len(user.messages())
    await tick(app)
    await tick(app)
    assert not [m for m in user.messages()[before:] if "tre uker" in m.text]  # reminders for the round do come
    async with db.session() as session:
        steps = {r.dedupe_key.rsplit(":", 1)[1]: (r.status, r.last_error) for r in await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "welcome"))}
    assert steps == {"day0": ("sent", None), "day2": ("sent", None), "day7": ("sent", None), "day21": ("skipped", "turned off")}


async def test_step_is_skipped_when_nothing_fits(db, app, make_user, clock):
    await setup(db, clock)
    async with db.session() as session:
        nora = await session.scalar(select(Member).where(Member.name == "Nora Ny"))
    user = make_user(first_name="Nora")
    await user.send(f"/start inv_{nora.invite_token}")
    await user.press("Ja, jeg godtar")
    await user.share_contact("4791234567")
    await user.press("Ferdig", exact=True)  # the register has her district: not asked
    clock.set(clock().replace(hour=10) + timedelta(days=8))
    await tick(app)
    async with db.session() as session:
        steps = {r.dedupe_key.rsplit(":", 1)[1]: r.status for r in await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "welcome"))}
    assert steps["day2"] == "skipped" and steps["day7"] == "skipped"


async def test_report_share_median_and_late_by_name(db, app, make_user, clock):
    await setup(db, clock)
    board = await welcomer(db, make_user, role="board")
    siv = await task_of(db, "Siv Sen")
    await board.press_data(f"wl:take:{siv.id}", (await board.send("/velkomst")) and board.last_message())
    clock.advance(days=3)
    sms = await board.press("💬 Sendte SMS")
    assert "Vet du hva Siv Sen har lyst til å bidra med?" in sms.text  # after an SMS nobody “said” anything
    clock.advance(days=30)  # Nora was never contacted: late
    report = await board.send("/velkomst rapport 90")
    text = report.texts[0]
    assert "Velkomstsamtaler (nye medlemmer og bekreftede støttespillere): 2" in text and "Kontaktet innen 14 dager: 1 (50 %; målet er alle)" in text
    assert "Median dager til første kontakt: 10,5" in text
    assert "• Nora Ny (33 dager siden innmelding)" in text
    assert next(iter(report.method("sendPhoto")[0].files.values())).startswith(b"\x89PNG")


def test_welcome_day_counts_are_plural_aware():
    from datetime import UTC, datetime, timedelta

    from bot.reports import welcome as report
    from handlers.welcome import days_left
    from models import welcome as wl

    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    task = wl.WelcomeTask(due_at=now + timedelta(days=1))
    assert days_left(task, now, "nb") == "1 dag igjen" and days_left(task, now, "nn") == "1 dag att"
    assert days_left(wl.WelcomeTask(due_at=now - timedelta(hours=1)), now, "en") == "due today"
    assert days_left(wl.WelcomeTask(due_at=now - timedelta(days=1)), now, "en") == "1 day late"
    assert days_left(wl.WelcomeTask(due_at=now - timedelta(days=12)), now, "nn") == "12 dagar for seint"
    figures = wl.Report(new_members=1, contacted_in_time=0, median_days=None, late=[("Nora Ny", 1)])
    text = report.text(figures, 1, "nn")
    assert text.startswith("Velkomstsamtalar, siste 1 dag") and "• Nora Ny (1 dag sidan innmelding)" in text


async def test_wrong_number_on_a_number_the_member_proved_stays_with_the_welcomer(db, app, make_user, clock):
    """Siv shared her own contact in Telegram: a "wrong number" on her welcome call is a misdial, not the
    register's error — noted as not answered, the call stays with the welcomer, the board's list stays empty."""
    from models import board_lists

    await setup(db, clock)
    siv = make_user(first_name="Siv")
    await onboard(siv, phone="+4790011222")
    user = await welcomer(db, make_user)
    await user.send("/velkomst")
    await user.press("Ta: Siv Sen")
    wrong = await user.press("❌ Feil nummer")
    assert wrong.texts == ["Siv Sen har bekreftet dette nummeret i Telegram, så det blir stående i registeret: ført som «svarte "
                           "ikke». Sjekk at du slo riktig nummer — samtalen er fortsatt din."], wrong.texts
    task = await task_of(db, "Siv Sen")
    assert (task.status, task.outcome) == ("taken", "no_answer")
    async with db.session() as session:
        assert await board_lists.wrong_numbers(session) == []
    nora_card = await user.press("Ta: Nora Ny") if "Ta: Nora Ny" in (await user.send("/velkomst")).buttons else None
    assert nora_card is not None
    await user.press("❌ Feil nummer")  # Nora never proved hers: the register may well be wrong
    assert (await task_of(db, "Nora Ny")).outcome == "wrong_number"
