"""A season played as members and a leader (each test a bug found that way, now fixed): erasure frees
seats, stale reminders and no-shows, leaving what is over, buttons that tell rounds apart, the
timeout notice, Nynorsk participles, help that lists the commands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot import round_messages
from models import Member
from models import events as ev
from models import rounds as rd
from models.membership import grant_role, member_by_telegram
from tests.helpers import onboard, tick

START = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)  # Sat 5 Dec 12:00 Oslo

async def make_round(db, clock, *, capacity=5, leader=None, title="Dørbank på Lade", start=START, district="ostbyen",
                     place="Utenfor Lade kirke", briefing=None):
    async with db.session() as session:
        leader_id = (await member_by_telegram(session, leader.user_id)).id if leader else None
        r = await rd.create_round(session, title=title, district=district, starts_at=start,
                                  ends_at=start + timedelta(hours=3), meeting_point=place,
                                  capacity=capacity, now=clock(), teams=[(leader_id, capacity)], briefing=briefing)
        if leader_id is not None:
            await round_messages.schedule_report_nudge(session, r, await session.get(Member, leader_id))
        return r.id

async def person(make_user, k, lang="nb", district=None, first=None):
    district = district or {"nb": "Østbyen", "nn": "Østbyen", "en": "Østbyen"}[lang]
    u = make_user(first_name=first or f"P{k}", language_code=lang)
    await onboard(u, phone=f"+47410{k:05d}", lang=lang, district=district)
    return u

async def grant(db, user, role):
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, user.user_id), role)


async def erase(user):
    await user.send("/slett_meg")
    await user.press("Ja, slett dataene mine")


# 1. Erasure keeps the erased member's confirmed seat; the waiting list is never promoted.
async def test_erased_member_keeps_round_seat_and_queue_is_stuck(db, app, make_user, clock):
    leader = await person(make_user, 0); await grant(db, leader, "leader")
    a = await person(make_user, 1, first="Anne"); b = await person(make_user, 2, first="Bjørn")
    rid = await make_round(db, clock, capacity=1, leader=leader)
    await a.press_data(f"rd.join:{rid}")
    await b.press_data(f"rd.join:{rid}")           # waiting, number 1
    await erase(a)
    await tick(app)
    assert b.last_message().text.startswith("Gode nyheter"), b.last_message().text   # B still waiting
    team = await leader.send("/dorbank lag")
    assert "?" not in team.text, team.text           # leader sees "▫️ ?" with a "?: her" check-in button


# 2. An erased member on the waiting list is promoted ahead of living people.
async def test_erased_waiting_member_gets_the_freed_seat(db, app, make_user, clock):
    a = await person(make_user, 1, first="Anne"); b = await person(make_user, 2, first="Bjørn"); c = await person(make_user, 3, first="Cato")
    rid = await make_round(db, clock, capacity=1)
    for u in (a, b, c):
        await u.press_data(f"rd.join:{rid}")
    await erase(b)                                    # B was number 1 in the queue
    await a.press_data(f"rd.leave:{rid}")
    await tick(app)
    assert c.last_message().text.startswith("Gode nyheter"), c.last_message().text


# 3. Same for events: the erased member's event seat is not released.
async def test_erased_member_keeps_event_seat(db, app, make_user, clock):
    a = await person(make_user, 1); b = await person(make_user, 2)
    async with db.session() as s:
        e = await ev.create_event(s, kind="social", title="Pubkveld", starts_at=START, ends_at=START + timedelta(hours=3),
                                  place="Tapperiet", now=clock(), capacity=1)
        eid = e.id
    await a.press_data(f"ev.rsvp:{eid}:yes"); await b.press_data(f"ev.rsvp:{eid}:yes")
    await erase(a)
    await tick(app)
    assert b.last_message().text.startswith("Gode nyheter"), b.last_message().text


# 5. Several rounds on the same day: every join button reads the same.
async def test_same_day_rounds_have_distinguishable_join_buttons(db, app, make_user, clock):
    a = await person(make_user, 1)
    await make_round(db, clock, title="Dørbank på Lade")
    await make_round(db, clock, title="Dørbank på Møllenberg", start=START + timedelta(hours=4))
    listing = await a.send("/dorbank")
    labels = listing.buttons
    assert len(set(labels)) == len(labels), labels   # ['➕ Bli med lørdag 5. desember', '➕ Bli med lørdag 5. desember']


# 7. Reminders that fell due while the dispatcher could not send are delivered after the round started.
async def test_stale_reminders_are_not_sent_after_start(db, app, make_user, clock):
    a = await person(make_user, 1)
    rid = await make_round(db, clock)
    await a.press_data(f"rd.join:{rid}")
    before = len(a.messages())
    clock.set(START + timedelta(hours=1)); await tick(app)
    sent = [m.text for m in a.messages()[before:]]
    assert not any("i morgen" in t or "om to timer" in t for t in sent), sent


# 8. A member the leader marked as not coming is thanked for knocking on doors.
async def test_no_show_is_thanked_for_knocking(db, app, make_user, clock):
    leader = await person(make_user, 0); await grant(db, leader, "leader")
    a = await person(make_user, 1, first="Anne")
    rid = await make_round(db, clock, leader=leader)
    await a.press_data(f"rd.join:{rid}")
    clock.set(START + timedelta(minutes=30))          # "didn't come" is for a round that has begun
    await leader.send("/dorbank lag"); await leader.press("❌ Anne: kom ikke")
    clock.set(START + timedelta(hours=4)); await tick(app)
    assert not a.last_message().text.startswith("Takk for at du banket på dører i dag"), a.last_message().text


# 9. The leave button from /mine on a cancelled round says "Du er meldt av … Takk for at du sa fra!".
async def test_stale_leave_on_cancelled_round(db, app, make_user, clock):
    board = await person(make_user, 0); await grant(db, board, "board")
    a = await person(make_user, 1)
    rid = await make_round(db, clock)
    await a.press_data(f"rd.join:{rid}")
    await a.send("/mine")
    await board.send("/dorbank"); await board.press("⚙️ Administrer runder")
    await board.press("Avlys runden"); await board.press("Ja, avlys runden")
    stale = await a.press("Meld av")
    assert "avlyst" in (stale.text + " ".join(stale.alerts)), stale.text


# 10. Leaving a round that is already under way is accepted as a normal leave.
async def test_leave_after_start(db, app, make_user, clock):
    a = await person(make_user, 1)
    rid = await make_round(db, clock)
    await a.press_data(f"rd.join:{rid}")
    clock.set(START + timedelta(hours=2))
    left = await a.press_data(f"rd.leave:{rid}")
    assert not left.text.startswith("Du er meldt av"), left.text


# 11. The 30-minute timeout notice must not say nothing was stored when earlier steps were.
async def test_timeout_notice_contradicts_saved_input(db, app, make_user, clock):
    from models import DoorInput
    a = await person(make_user, 1)
    rid = await make_round(db, clock)
    await a.press_data(f"rd.join:{rid}")
    clock.set(START + timedelta(hours=3, minutes=30)); await tick(app)
    await a.press("Bolig"); await a.send("Husleia er for høy")
    await a.press("Klima")
    clock.advance(minutes=45)
    closed = await a.send("Bedre sykkelvei")
    async with db.session() as s:
        saved = list(await s.scalars(select(DoorInput)))
    assert saved and "Ingenting ble lagret" not in closed.text, closed.text


# 12. Nynorsk: the participle of (på)melde is "(på)meldt", not "(på)meld".
async def test_nynorsk_participle(db, app, make_user, clock):
    n = await person(make_user, 1, lang="nn")
    rid = await make_round(db, clock)
    joined = await n.press_data(f"rd.join:{rid}")
    left = await n.press_data(f"rd.leave:{rid}")
    assert "Du er påmeldt" in joined.text and "Du er meldt av" in left.text, (joined.text, left.text)


# 13. /hjelp does not mention /dorbank, /mine, /arrangementer or /arshjul; English help lists Norwegian commands.
async def test_help_lists_member_commands(db, app, make_user, clock):
    n = await person(make_user, 1)
    e = await person(make_user, 2, lang="en")
    help_nb = (await n.send("/hjelp")).text
    help_en = (await e.send("/help")).text
    assert all(c in help_nb for c in ("/dorbank", "/mine", "/arrangementer", "/arshjul")), help_nb
    assert "/settings" in help_en, help_en


# 15. In /dorbank a member on the waiting list is shown "✅ Påmeldt — meld av …" as if they had a seat.
async def test_waiting_member_is_not_shown_as_signed_up(db, app, make_user, clock):
    a = await person(make_user, 1); b = await person(make_user, 2)
    rid = await make_round(db, clock, capacity=1)
    await a.press_data(f"rd.join:{rid}"); await b.press_data(f"rd.join:{rid}")
    listing = await b.send("/dorbank")
    assert not any(lbl.startswith("✅ Påmeldt") for lbl in listing.buttons), listing.buttons


# 4. A second report asks before it replaces the first, and the text for the programme committee is kept.
async def test_a_second_report_asks_before_replacing_and_keeps_the_text(db, app, make_user, clock):
    from models import RoundReport

    leader = await person(make_user, 0)
    await grant(db, leader, "leader")
    rid = await make_round(db, clock, leader=leader)
    clock.set(START + timedelta(hours=4))
    await leader.press_data(f"rd.report:{rid}")
    await leader.send("100")
    await leader.send("20")
    await leader.press("Bolig")
    await leader.press("Ferdig", exact=True)
    await leader.send("Folk vil ha flere kommunale boliger")
    asked = await leader.press_data(f"rd.report:{rid}")
    assert asked.text.startswith("Det er alt levert en rapport for «Dørbank på Lade»: 100 dører, 20 samtaler.")
    await leader.press("Nei, behold den første")
    await leader.press_data(f"rd.report:{rid}")
    await leader.press("Ja, erstatt den")
    await leader.send("120")
    await leader.send("25")
    await leader.press("Klima")
    await leader.press("Ferdig", exact=True)
    await leader.press("Hopp over")
    async with db.session() as session:
        report = await session.scalar(select(RoundReport))
    assert (report.doors, report.conversations, report.text) == (120, 25, "Folk vil ha flere kommunale boliger")


async def test_more_conversations_than_doors_is_questioned(db, app, make_user, clock):
    from models import RoundReport

    leader = await person(make_user, 0)
    await grant(db, leader, "leader")
    rid = await make_round(db, clock, leader=leader)
    clock.set(START + timedelta(hours=4))
    await leader.press_data(f"rd.report:{rid}")
    await leader.send("20")
    asked = await leader.send("200")
    assert asked.text == "200 samtaler på 20 dører — flere samtaler enn dører. Stemmer det? Hvis ikke, send riktig tall."
    corrected = await leader.send("12")
    assert corrected.text.startswith("Hva snakket folk om?")
    await leader.press("Hopp over", exact=True)  # no theme: the step is skipped
    await leader.press("Hopp over")
    await leader.press_data(f"rd.report:{rid}")
    await leader.press("Ja, erstatt den")
    await leader.send("10")
    await leader.send("14")
    await leader.press("Ja, det stemmer")
    await leader.press("Hopp over", exact=True)
    await leader.press("Hopp over")
    async with db.session() as session:
        report = await session.scalar(select(RoundReport))
    assert (report.doors, report.conversations) == (10, 14)


# 14. Every list pages: a member reaches round 12 and event 14, the board manages round 12.
async def test_round_event_and_manage_lists_page(db, app, make_user, clock):
    member = await person(make_user, 1)
    board = await person(make_user, 9)
    await grant(db, board, "board")
    for k in range(12):
        await make_round(db, clock, title=f"Runde {k:02d}", start=START + timedelta(days=k))
    async with db.session() as session:
        for k in range(14):
            await ev.create_event(session, kind="social", title=f"Treff {k:02d}", starts_at=START + timedelta(days=7 * k),
                                  ends_at=START + timedelta(days=7 * k, hours=2), place="Folkets hus", now=clock())
    first = await member.send("/dorbank")
    assert "Runde 11" not in first.text and "Neste ▶ (2/2)" in first.buttons
    second = await member.press("Neste ▶ (2/2)")
    assert "Runde 11" in second.text and "◀ Forrige" in second.buttons
    events = await member.send("/arrangementer")
    assert "Treff 13" not in events.text
    more = await member.press("Neste ▶ (2/2)")
    assert "Treff 13" in more.text
    await board.send("/dorbank")
    await board.press("⚙️ Administrer runder")
    pager = board.last_message()
    assert pager.text == "Side 1 av 2." and any("Neste" in label for label, _data in pager.inline_buttons)
    await board.press("Neste ▶ (2/2)")
    assert any("Runde 11" in m.text for m in board.messages()[-7:])


# 16. Someone who erased their data and comes back is told honestly how, and is a member again by their number.
async def test_an_erased_member_who_returns_is_told_how_and_recognised_by_number(db, app, make_user, clock):
    from tests.helpers import import_members

    await import_members(db, "navn;telefon;medlemsnummer\\nAnne Aas;41000001;7001\\n")
    anne = await person(make_user, 1, first="Anne")
    await erase(anne)
    # The register is the party's: the next import creates her again, unlinked, from the register.
    await import_members(db, "navn;telefon;medlemsnummer\nAnne Aas;41000001;7001\n")
    again = await anne.send("/start")
    assert any(m.text.startswith("Velkommen tilbake. Du slettet dataene dine") for m in anne.messages()[-2:]), again.text
    await anne.press("Ja, jeg godtar")
    await anne.share_contact("+4741000001")
    async with db.session() as session:
        member = await member_by_telegram(session, anne.user_id)
    assert member is not None and member.status == "member"


async def test_confirmations_promise_only_real_reminders_and_warn_of_overlaps(db, app, make_user, clock):
    member = await person(make_user, 21)
    soon = await make_round(db, clock, title="Om litt", start=clock() + timedelta(minutes=2))
    later_today = await make_round(db, clock, title="I kveld", start=clock() + timedelta(hours=5))
    saturday = await make_round(db, clock, title="Lørdagsrunde")
    joined = await member.press_data(f"rd.join:{soon}")
    assert joined.text.startswith("Du er påmeldt «Om litt»") and "Vi minner deg" not in joined.text
    joined = await member.press_data(f"rd.join:{later_today}")
    assert joined.text.endswith("Vi minner deg på det to timer før.")
    joined = await member.press_data(f"rd.join:{saturday}")
    assert joined.text.endswith("Vi minner deg på det dagen før.") and "overlapper" not in joined.text
    async with db.session() as session:
        lunch = await ev.create_event(session, kind="social", title="Lunsj i parken", starts_at=START + timedelta(hours=1),
                                      ends_at=START + timedelta(hours=2), place="Marinen", now=clock())
    answered = await member.press_data(f"ev.rsvp:{lunch.id}:yes")
    assert ("⚠️ Dette overlapper med «Lørdagsrunde», lørdag 5. desember kl. 12:00–15:00, som du også er påmeldt."
            in answered.texts[-2] + answered.texts[-1]), answered.texts


async def test_typed_words_get_the_menu_and_english_texts_name_english_commands(db, app, make_user, clock):
    member = await person(make_user, 22)
    for word in ("meny", "Hei!", "start"):
        shown = await member.send(word)
        assert shown.text == "Hva vil du gjøre? Bruk menyen under.", (word, shown.text)
    assert "/dorbank" in (await member.send("hjelp")).text
    english = await person(make_user, 23, lang="en")
    unknown = await english.send("/finnesikke")
    assert unknown.text == "I don't know that command. Send /help to see what I can do."
    help_en = (await english.send("help")).text
    assert "/doorknock" in help_en and "/dorbank" not in help_en
    stranger = make_user(first_name="Ny", language_code="nb")
    assert (await stranger.send("hei")).text == "Hei! Send /start for å komme i gang med lagbot."


async def test_every_reminder_can_be_declined_and_shows_the_answer(db, app, make_user, clock):
    member = await person(make_user, 24)
    rid = await make_round(db, clock)
    async with db.session() as session:
        meeting = await ev.create_event(session, kind="member_meeting", title="Medlemsmøte", starts_at=START + timedelta(days=2),
                                        ends_at=START + timedelta(days=2, hours=2), place="Folkets hus", now=clock())
    await member.press_data(f"rd.join:{rid}")
    await member.press_data(f"ev.rsvp:{meeting.id}:yes")
    clock.set(START - timedelta(days=1))
    await tick(app)
    day_before = member.last_message()
    assert day_before.text.startswith("Påminnelse: dørbanking i morgen") and "Jeg kan likevel ikke" in [label for label, _data in day_before.inline_buttons]
    clock.set(START - timedelta(hours=2))
    await tick(app)
    two_hours = member.last_message()
    assert "Kommer du?" in two_hours.text
    await member.press("Jeg kommer")
    shown = member.api.find(member.chat_id, two_hours.message_id)
    assert shown.text.endswith("✅ Du kommer.") and not shown.inline_buttons
    clock.set(START + timedelta(days=1))
    await tick(app)
    reminder = member.last_message()
    assert reminder.text.startswith("Påminnelse: «Medlemsmøte» er i morgen") and "Jeg kan likevel ikke" in [label for label, _data in reminder.inline_buttons]
    await member.press("Jeg kan likevel ikke")
    async with db.session() as session:
        assert (await ev.rsvp_of(session, meeting.id, (await member_by_telegram(session, member.user_id)).id)).answer == "no"


async def test_last_active_is_recorded_from_the_first_day(db, app, make_user, clock):
    newcomer = await person(make_user, 25)
    async with db.session() as session:
        assert (await member_by_telegram(session, newcomer.user_id)).last_active_at is not None
