"""Findings of a season played against the bot's reports (helper "reports"): events and rounds nobody
came to counted as held; the phone round's closing figures; the Monday digest's wording; phone numbers
and dates in CSV files; a broadcast's status left stale after the last send."""

from __future__ import annotations

from datetime import timedelta

from models import rounds as rd
from models.membership import member_by_telegram
from tests.helpers import came, tick
from tests.test_events import make_event, members
from tests.test_plan import board_member, captions
from tests.test_plan_annual import document
from tests.test_season_member import START, grant, make_round, person
from tests.test_stale_buttons import file_report


# A course tagged «Kurs i direkte velgerkontakt» nobody answered or was checked in to, a member meeting with
# nobody coming, and Per's round whose only participant was marked "didn't come" (Per filed a report all the
# same) were each counted as held in /arrangementer rapport, /rapport, /rapport aar and /dorbank rapport.
async def test_events_and_rounds_nobody_came_to_are_not_held_anywhere(db, app, make_user, clock):
    kari = await board_member(db, make_user)
    per = await person(make_user, 50, first="Per")
    await grant(db, per, "leader")
    anne = await person(make_user, 51, first="Anne")
    [guest] = await members(make_user, 1)
    clock.set(START - timedelta(days=20))
    await make_event(db, clock, kind="course", title="Kurs i direkte velgerkontakt", tags=["voter_course"],
                     start=START - timedelta(days=2))
    await make_event(db, clock, kind="member_meeting", title="Medlemsmøte", start=START - timedelta(days=1))
    held_course = await make_event(db, clock, kind="course", title="Kurs i direkte velgerkontakt", tags=["voter_course"],
                                   start=START - timedelta(days=3))
    await guest.press_data(f"ev:rsvp:{held_course}:yes")          # one 'yes', nobody checked in: held
    rid = await make_round(db, clock, leader=per)
    async with db.session() as session:
        anne_id = (await member_by_telegram(session, anne.user_id)).id
        await rd.sign_up(session, rid, anne_id, clock())
    clock.set(START + timedelta(hours=4))                          # the round is over
    async with db.session() as session:
        signup = await rd.signup_of(session, rid, anne_id)
        await rd.set_attendance(session, signup.id, False, clock())  # Anne didn't come
    await file_report(per, rid, "30", "4")
    assert per.last_message().text.startswith("Takk! Rapporten er lagret"), per.last_message().text

    clock.set(START + timedelta(days=2))
    events = (await kari.send("/arrangementer rapport")).text
    assert "Kurs i direkte velgerkontakt: 1 av målet på 2" in events, events
    assert "Medlemsmøte" not in events and "• Medlemsmøte" not in events, events
    plan = captions(await kari.send("/rapport"))
    assert "Dørbankrunder 2026: 0 holdt" in plan[0], plan[0]
    assert "Kurs i direkte velgerkontakt 2026: 1 holdt, 0 planlagt av 2." in plan[1], plan[1]
    doorknock = "\n".join((await kari.send("/dorbank rapport")).texts)
    assert "Runder holdt: 0 av målet på 10" in doorknock and "Dører: 0 · samtaler: 0" in doorknock, doorknock
    annual, _caption = document(await kari.send("/rapport aar"))
    assert "| Dørbankrunder | 0 | 10 i året |" in annual and "| Kurs i direkte velgerkontakt | 1 | 2 i året |" in annual, annual
    assert "| Arrangementer holdt: Kurs | 1 | – |" in annual and "Medlemsmøte |" not in annual, annual
    assert "| Dører banket på | 0 | – |" in annual, annual

    async with db.session() as session:                            # someone comes after all: now held everywhere
        await came(session, await session.get(rd.Round, rid))
    plan = captions(await kari.send("/rapport"))
    assert "Dørbankrunder 2026: 1 holdt" in plan[0], plan[0]
    annual, _caption = document(await kari.send("/rapport aar"))
    assert "| Dørbankrunder | 1 | 10 i året |" in annual and "| Dører banket på | 30 | – |" in annual, annual
    doorknock = "\n".join((await kari.send("/dorbank rapport")).texts)
    assert "Runder holdt: 1 av målet på 10" in doorknock and "Dører: 30 · samtaler: 4" in doorknock, doorknock


# Kari's phone round for a full round: two callees «Meldt på» (both to the waiting list), one «Svarte ikke».
# As the round began she was told "2 av 3 ringt; 2 påmeldt, 0 på venteliste": three calls had been made.
async def test_the_phone_round_close_message_says_calls_reached_and_signed_up(db, app, make_user, clock):
    from models import broadcast as bc
    from models import phonebank as pb
    from tests.test_phonebank import SCRIPT, callees, caller

    kari = await person(make_user, 52, first="Kari")
    await grant(db, kari, "board")
    rid = await make_round(db, clock, capacity=3)
    seated = [await person(make_user, 53 + k) for k in range(3)]
    async with db.session() as session:
        for user in seated:
            await rd.sign_up(session, rid, (await member_by_telegram(session, user.user_id)).id, clock())
        kari_id = (await member_by_telegram(session, kari.user_id)).id
    await callees(db, 3)
    async with db.session() as session:
        await pb.create_campaign(session, name="Ring for Lade", purpose="", scripts={"nb": SCRIPT},
                                 audience=bc.Audience(districts=["midtbyen"]), now=clock(), round_id=rid, created_by=kari_id)
    anne = await caller(make_user, db, phone="+4745100011")
    clock.set(START - timedelta(hours=5))
    await anne.send("/ringerunde")
    for outcome in ("✅ Meldt på", "✅ Meldt på", "🔕 Svarte ikke"):
        await anne.press("📞 Neste samtale")
        await anne.press(outcome)
    async with db.session() as session:
        waiting = [s for s in await session.scalars(rd.select(rd.Signup).where(rd.Signup.round_id == rid))
                   if s.status == rd.WAITING]
    assert len(waiting) == 2                                       # the round was full: both wait
    clock.set(START + timedelta(minutes=5))
    await tick(app)
    await tick(app)
    [told] = [m.text for m in kari.messages() if m.text.startswith("📞 Ringerunden «Ring for Lade» er stengt")]
    assert told.endswith("Samtaler ringt: 3, til 3 av 3 personer. Nådd: 2. Meldt på: 2 (0 fikk plass, 2 på venteliste)."), told


# The Monday digest's "Samtaler der noen svarte" sat right after "dører" and read as door conversations; it
# counts phone calls. The door conversations in last week's reports were not in the digest at all.
async def test_the_digest_says_phone_calls_plainly_and_gives_door_conversations(db, app, make_user, clock):
    from datetime import UTC, datetime

    from models.phonebank import CallAttempt, CallTarget, Campaign
    from tests.test_nudges import member

    board = await member(db, make_user, roles=("board",))
    clock.set(datetime(2026, 11, 20, 12, tzinfo=UTC))
    async with db.session() as session:
        start = datetime(2026, 11, 26, 10, tzinfo=UTC)           # last Thursday
        round_ = await rd.create_round(session, title="Dørbank Heimdal", district="heimdal", starts_at=start,
                                       ends_at=start + timedelta(hours=3), meeting_point="Heimdal stasjon", capacity=8, now=clock())
        await came(session, round_)
        await rd.file_report(session, round_.id, doors=40, conversations=12, themes=[], text="", filed_by=None,
                             now=start + timedelta(hours=4))
        campaign = Campaign(name="Ring", scripts={"nb": "Hei"}, audience={})
        session.add(campaign)
        await session.flush()
        target = CallTarget(campaign_id=campaign.id, member_id=(await member_by_telegram(session, board.user_id)).id,
                            status="done")
        session.add(target)
        await session.flush()
        session.add_all([CallAttempt(target_id=target.id, outcome="not_now", at=datetime(2026, 11, 27, 17, tzinfo=UTC)),
                         CallAttempt(target_id=target.id, outcome="no_answer", at=datetime(2026, 11, 26, 17, tzinfo=UTC))])
    clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))           # Monday 09:00
    await tick(app)
    await tick(app)
    [digest] = [m.text for m in board.messages() if m.text.startswith("📋")]
    assert "Runder holdt: 1 · dører: 40 · samtaler ved dørene: 12\nTelefonsamtaler der noen svarte: 1" in digest, digest
    assert "Samtaler der noen svarte" not in digest, digest


# /lister files showed numbers as '+47 944 55 666 (the formula guard visible in the spreadsheet); /dorbank eksport
# wrote 03.12.2026 where the lists wrote 2026-12-11. Every CSV writes a Norwegian number in the national form
# and a date as ISO; a foreign number keeps the guard.
def test_csv_phone_numbers_and_dates_read_the_same_in_every_file():
    from datetime import UTC, datetime

    from bot.csvfile import csv_date, csv_datetime, csv_phone, csv_text

    assert csv_phone("+4794455666") == "944 55 666" and csv_phone("+4773990000") == "73 99 00 00"
    assert csv_phone("+47 944 55 666") == "944 55 666" and csv_phone(None) == ""
    assert csv_text(["Telefon"], [[csv_phone("+46701234567")], [csv_phone("+4794455666")]]).splitlines()[1:] == [
        "'+46 70 123 45 67", "944 55 666"]                         # the guard stays where a '+' leads
    assert csv_phone("ring sentralbordet") == "ring sentralbordet"  # a partner's number as typed
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)              # 00:30 on New Year's Day in Oslo
    assert (csv_date(late), csv_datetime(late)) == ("2027-01-01", "2027-01-01 00:30")


# A broadcast to six: the board's status said "Sendt: 0 / Venter: 6" for 10–20 s after all six were delivered,
# until the next upkeep. The dispatcher's own tick now leaves the status as it ends (one edit, not one per send).
async def test_the_broadcast_status_shows_the_last_sends_when_the_tick_ends(db, app, make_user, clock):
    from bot.runtime import RUNTIME_KEY
    from tests.test_broadcast import board_member as siri
    from tests.test_broadcast import members as some_members

    await some_members(db, make_user)
    board = await siri(db, make_user)
    await board.send("/utsending")
    await board.send("Vi trenger folk på dørbank lørdag!")
    await board.press("Bydeler", exact=True)
    await board.press("Midtbyen")
    await board.press("« Tilbake")
    await board.press("Forhåndsvis ▸")
    sent = await board.press("Send nå")
    assert "Venter: 2" in sent.text
    message_id = sent.calls[-1].result["message_id"]
    edits_before = len([c for c in board.api.calls if c.method == "editMessageText"])
    assert await app.bot_data[RUNTIME_KEY].dispatcher.tick(app.bot) == 2   # the dispatcher's job alone, no upkeep
    status = board.api.find(board.chat_id, message_id)
    assert status.text.startswith("Utsending #1: Ferdig.") and "Sendt: 2" in status.text, status.text
    assert len([c for c in board.api.calls if c.method == "editMessageText"]) == edits_before + 1  # one edit
