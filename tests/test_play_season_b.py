"""Findings from playing a season as the board, callers and welcomers (play-playB)."""

from __future__ import annotations

from models.membership import grant_role, member_by_telegram
from tests.helpers import onboard, tick
from tests.test_doorknock import people


async def test_team_leaders_named_when_a_round_is_created_are_told(db, app, make_user, clock):
    board, per, tom = await people(make_user, 3)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
        await grant_role(session, await member_by_telegram(session, per.user_id), "leader")
        await grant_role(session, await member_by_telegram(session, tom.user_id), "leader")
    await board.send("/nyrunde")
    await board.send("Dørbank på Lade")
    await board.press("Østbyen")
    await board.send("12.12 12:00")
    await board.send("15:00")
    await board.send("Lade kirke")
    await board.send("6")
    await board.press("Person1 Nordmann")
    await board.press("➕ Et lag til")
    await board.press("Person2 Nordmann")
    await board.press("➕ Et lag til")
    await board.press("Jeg gjør det")
    await board.press("Fortsett")
    await board.press("Hopp over")
    await board.press("Hopp over")
    await board.press("✅ Opprett")
    before = len(board.messages())
    await tick(app)
    assert "Du leder nå lag 1 på «Dørbank på Lade»" in per.last_message().text
    assert "Du leder nå lag 2 på «Dørbank på Lade»" in tom.last_message().text
    assert len(board.messages()) == before  # the creator, who leads team 3, is not told what they just did


async def test_a_team_leader_is_not_nudged_to_join_the_round_they_lead(db, app, make_user, clock):
    from datetime import timedelta

    from models import rounds as rd
    from tests.test_nudges import MONDAY, member, nudge_texts, run_hooks

    leader = await member(db, make_user, interests=("doorknock",), roles=("leader",))
    other = await member(db, make_user, interests=("doorknock",), phone="+4747000001")
    async with db.session() as session:
        leader_id = (await member_by_telegram(session, leader.user_id)).id
        await rd.create_round(session, title="Dørbank Moholt", district="lerkendal", starts_at=MONDAY + timedelta(days=5),
                              ends_at=MONDAY + timedelta(days=5, hours=3), meeting_point="Moholt torg", capacity=6,
                              now=clock(), teams=[(None, 3), (leader_id, 3)])
    await run_hooks(app, clock, MONDAY)
    assert len(await nudge_texts(other)) == 1
    assert await nudge_texts(leader) == []


async def test_a_welcome_step_held_up_past_the_rounds_start_is_dropped(db, app, make_user, clock):
    """The bot was down on the day of the round; when it came back, Lucy got “Try door-knocking with us?
    “Dørbank på Lade”, Saturday 5 December at 12:00” on the 6th, with a Join button that no longer works."""
    from datetime import timedelta

    from sqlalchemy import select

    from models import OutboxMessage
    from models import events as ev
    from models import outbox as box
    from models import rounds as rd

    [lucy] = await people(make_user, 1, lang="en")
    async with db.session() as session:
        lucy_id = (await member_by_telegram(session, lucy.user_id)).id
        round_ = await rd.create_round(session, title="Dørbank på Lade", district="ostbyen", starts_at=clock() + timedelta(hours=1),
                                       ends_at=clock() + timedelta(hours=4), meeting_point="Lade kirke", capacity=6, now=clock())
        event = await ev.create_event(session, kind="social", title="Pubkveld", starts_at=clock() + timedelta(hours=2),
                                      ends_at=clock() + timedelta(hours=5), place="Café", now=clock())
        for day, subject in ((7, round_.id), (2, event.id)):
            await box.schedule(session, dedupe_key=f"welcome:member:{lucy_id}:day{day}", kind="welcome", member_id=lucy_id,
                               due_at=clock(), topic="welcome", subject_id=subject, params={"day": day})
    before = len(lucy.messages())
    clock.advance(days=1)  # sending was held up until the next day
    await tick(app)
    await tick(app)
    sent = [m.text for m in lucy.messages()[before:]]
    assert not any("Dørbank på Lade" in text or "Pubkveld" in text for text in sent), sent
    async with db.session() as session:
        statuses = {row.dedupe_key: row.status for row in await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "welcome"))}
    assert set(statuses.values()) == {"skipped"}, statuses


async def test_callers_are_not_nudged_for_a_phone_round_whose_round_is_over(db, app, make_user, clock):
    """4.1.2027: “10 members are waiting to be called in “Ring for Lade-runden”” — for a round on 5 December."""
    from datetime import timedelta

    from models import Member
    from models import broadcast as bc
    from models import phonebank as pb
    from models import rounds as rd
    from tests.test_nudges import MONDAY, member, nudge_texts, run_hooks

    caller = await member(db, make_user, roles=("caller",))
    async with db.session() as session:
        for k in range(3):
            session.add(Member(name=f"T{k}", phone=f"+4798{k:06d}", district="midtbyen", verified=True, language="nb"))
        await session.flush()
        round_ = await rd.create_round(session, title="Dørbank på Lade", district="ostbyen", starts_at=MONDAY + timedelta(days=2),
                                       ends_at=MONDAY + timedelta(days=2, hours=3), meeting_point="Lade kirke", capacity=6, now=clock())
        await pb.create_campaign(session, name="Ring for Lade-runden", purpose="", scripts={"nb": "Hei!"},
                                 audience=bc.Audience(districts=["midtbyen"]), now=clock(), round_id=round_.id)
    await run_hooks(app, clock, MONDAY + timedelta(days=35))
    assert not [text for text in await nudge_texts(caller) if "venter på å bli ringt" in text]


async def test_signed_up_on_a_call_after_the_linked_round_tells_the_caller_nobody_was_signed_up(db, app, make_user, clock):
    """Emma pressed ✅ Signed up on 4 January for “Ring for Lade-runden” (round on 5 December) and was thanked
    as if Anne were signed up; nobody was."""
    from tests.test_phonebank import callees, caller, campaign, make_round

    [person] = await callees(db, 1, on_telegram=True)
    round_id = await make_round(db, clock)  # 5 December 2026, 12:00 in Oslo
    await campaign(db, clock, round_id=round_id)
    emma = await caller(make_user, db, lang="en")
    # A call is no longer handed out once the round has begun (tests/test_play_leaders.py): Emma took it
    # ten minutes before the start and recorded it as the round began.
    from datetime import UTC, datetime
    clock.set(datetime(2026, 12, 5, 10, 50, tzinfo=UTC))
    await emma.send("/calls")
    await emma.press("📞 Next call")
    clock.set(datetime(2026, 12, 5, 11, 5, tzinfo=UTC))
    done = await emma.press("✅ Signed up")
    edited = done.method("editMessageText")[0]
    assert edited.text.startswith("Callee 0 — ✅ Signed up. Thank you!")
    assert "over or cancelled, so nobody was signed up" in edited.text
    from models import rounds as rd
    async with db.session() as session:
        assert await rd.signup_of(session, round_id, person.id) is None


async def test_rapport_names_every_gap_the_chart_shades_nearest_first(db, app, make_user, clock):
    """28.11.2026: events 5.12, 10.12, 18.12, 14.01, 15.01, 19.02 — the text named only “35 days from 15 January”
    while the chart also shaded 18 December to 14 January."""
    from datetime import UTC, datetime, timedelta

    from models import events as ev
    from tests.test_plan import board_member, captions

    clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
    async with db.session() as session:
        for start in (datetime(2026, 12, 5, 11, tzinfo=UTC), datetime(2026, 12, 10, 17, tzinfo=UTC),
                      datetime(2026, 12, 18, 18, tzinfo=UTC), datetime(2027, 1, 14, 17, tzinfo=UTC),
                      datetime(2027, 1, 15, 18, tzinfo=UTC), datetime(2027, 2, 19, 18, tzinfo=UTC)):
            await ev.create_event(session, kind="social", title="Noe", starts_at=start, ends_at=start + timedelta(hours=2),
                                  place="Folkets hus", now=clock())
    board = await board_member(db, make_user)
    ahead = captions(await board.send("/rapport"))[3]
    gaps = [line for line in ahead.split("\n") if line.startswith("⚠️ Hull")]
    assert len(gaps) == 2, ahead
    assert "fra fredag 18. desember" in gaps[0] and "fra fredag 15. januar" in gaps[1], gaps


async def test_the_digest_counts_reached_calls_as_the_phone_rounds_progress_does(db, app, make_user, clock):
    """Digest Monday 30.11: “Calls that reached someone: 3” while 📊 Framdrift said “Nådd: 4” (a do-not-call answer
    is someone reached)."""
    from datetime import timedelta

    from models import nudges as ng
    from models import phonebank as pb
    from tests.test_phonebank import callees, caller, campaign

    await callees(db, 2)
    campaign_id = await campaign(db, clock)
    ola = await caller(make_user, db)
    await ola.send("/ringerunde")
    await ola.press("📞 Neste samtale")
    await ola.press("🙂 Ikke nå")
    await ola.press("📞 Neste samtale")
    await ola.press("⛔ Ikke ring igjen")
    async with db.session() as session:
        progress = await pb.progress(session, campaign_id)
        digest = await ng.digest(session, clock() + timedelta(days=1))
    assert progress.reached == 2
    assert digest.calls_reached == progress.reached


async def test_the_day_before_reminder_names_the_members_own_team_leader(db, app, make_user, clock):
    """Kari (team 1, Per) was told “Dørbankgeneral: Per Olsen, Tom Brown, Jonas Moe”; John (en) “Leader: …” with three."""
    from datetime import timedelta

    from models import rounds as rd
    from tests.test_doorknock import START

    per, tom, kari, john = await people(make_user, 4)
    async with db.session() as session:
        per_id = (await member_by_telegram(session, per.user_id)).id
        tom_id = (await member_by_telegram(session, tom.user_id)).id
        round_ = await rd.create_round(session, title="Dørbank på Lade", district="ostbyen", starts_at=START,
                                       ends_at=START + timedelta(hours=3), meeting_point="Lade kirke", capacity=4,
                                       now=clock(), teams=[(per_id, 2), (tom_id, 2)])
        round_id = round_.id
    await kari.press_data(f"rd.join:{round_id}")
    await john.press_data(f"rd.join:{round_id}")
    clock.set(START - timedelta(hours=23))
    await tick(app)
    async with db.session() as session:
        teams = {t.id: t.leader_id for t in (await rd.get_round(session, round_id)).teams}
        names = {per_id: "Person0 Nordmann", tom_id: "Person1 Nordmann"}
        for user in (kari, john):
            signup = await rd.signup_of(session, round_id, (await member_by_telegram(session, user.user_id)).id)
            own = names[teams[signup.team_id]]
            other = next(name for name in names.values() if name != own)
            [reminder] = [m.text for m in user.messages() if m.text.startswith("Påminnelse: dørbanking i morgen")]
            assert f"Dørbankgeneral: {own}\n" in reminder and other not in reminder, reminder


async def test_late_welcome_calls_from_december_stay_on_the_plan_screen_in_january(db, app, make_user, clock):
    """4.1.2027: six welcome calls open and late (joined in November/December); /rapport said “Nye medlemmer: 0 …
    for sent: 0” with no word of them."""
    from datetime import UTC, datetime

    from tests.test_plan import board_member, captions
    from tests.test_welcome import setup

    await setup(db, clock)  # Nora joined 27.11.2026 and Siv 20.11.2026; nobody calls them
    clock.set(datetime(2027, 1, 4, 10, 0, tzinfo=UTC))
    board = await board_member(db, make_user)
    welcome = captions(await board.send("/rapport"))[2]
    assert welcome.startswith("👋 Velkomstsamtaler 2027"), welcome
    assert "Fortsatt åpne fra før 2027: 2 forsinkede velkomstsamtaler (/velkomst)." in welcome, welcome


async def test_english_arshjul_writes_days_without_a_norwegian_dot(db, make_user, clock):
    """Lucy (en): “• Thu 14. — Door-knocking course (course)”."""
    from tests.test_season_calendar import MARCH_8, add_event
    from tests.test_season_member import person

    lucy = await person(make_user, 1, lang="en")
    await add_event(db, clock, "movement_day", "8 March", MARCH_8)
    calendar = (await lucy.send("/arshjul")).text
    assert "• Mon 8 — 8 March (" in calendar, calendar



async def test_roller_names_the_admins_configured_in_lagbot_admins(db, app, make_user, clock):
    """Kari (LAGBOT_ADMINS) was nowhere in /roller, though she gets the escalations and acts in every role."""
    from tests.conftest import ADMIN_ID

    kari = make_user(first_name="Kari", last_name="Leder", user_id=ADMIN_ID)
    await onboard(kari, phone="+4745300000")
    [john] = await people(make_user, 1)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, john.user_id), "board")
    roles = (await kari.send("/roller")).text
    assert "Administrator (1): Kari Leder" in roles, roles
    assert "Styret (1): Person0 Nordmann" in roles, roles


async def test_an_empty_count_chart_starts_at_zero(db, app, make_user, clock, monkeypatch):
    """4.1.2027 /rapport → 👋 chart with no new members yet: its y axis ran from −0.04 to 0.04."""
    from datetime import UTC, datetime

    from bot.reports import charts
    from tests.test_plan import board_member

    limits: list[tuple[float, float]] = []
    original = charts.png

    def spy(fig):
        limits.extend(ax.get_ylim() for ax in fig.axes)
        result = original(fig)
        limits[-len(fig.axes):] = [ax.get_ylim() for ax in fig.axes]
        return result

    monkeypatch.setattr(charts, "png", spy)
    clock.set(datetime(2027, 1, 4, 10, 0, tzinfo=UTC))
    board = await board_member(db, make_user)
    await board.send("/velkomst rapport")
    assert limits and all(low >= 0 for low, _high in limits), limits


async def test_late_welcome_calls_are_listed_longest_waiting_first(db, app, make_user, clock):
    """/velkomst rapport “For sent:” came as 43, 55, 40, 32 … days."""
    from tests.test_welcome import setup, welcomer

    await setup(db, clock)  # Siv joined 20.11, Nora 27.11; nobody calls them
    board = await welcomer(db, make_user, role="board")
    clock.advance(days=40)
    text = (await board.send("/velkomst rapport 90")).texts[0]
    assert text.index("• Siv Sen") < text.index("• Nora Ny"), text


async def test_escalations_wait_until_someone_is_on_telegram_to_receive_them(db, app, make_user, clock):
    """Day 0 of the season: the register was imported (Oliver joined 18 days earlier) before the welcomers and the
    chapter leader had started the bot; his day-3 offer and day-10 escalation were marked done and never sent."""
    from datetime import UTC, datetime

    from models.register import import_register
    from tests.conftest import ADMIN_ID
    from tests.helpers import forget_upkeep
    from tests.test_welcome import welcomer

    clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    async with db.session() as session:
        await import_register(session, b"navn;telefon;innmeldt;medlemsnummer\nOliver King;912 00 018;10.11.2026;1018\n")
    await tick(app)  # the upkeep makes the task and finds its lines crossed, with nobody to tell
    ingrid = await welcomer(db, make_user)
    kari = make_user(first_name="Kari", user_id=ADMIN_ID)
    await onboard(kari, phone="+4745200002")
    clock.advance(minutes=5)
    await forget_upkeep(app, "welcome")
    await tick(app)
    await tick(app)
    assert any("Oliver King" in m.text and "ingen har tatt velkomstsamtalen" in m.text for m in ingrid.messages())
    assert any("Velkomstsamtalen med Oliver King er fortsatt ikke gjort" in m.text for m in kari.messages())


async def test_phone_round_link_buttons_are_cut_on_whole_words(db, app, make_user, clock):
    """/nyringerunde link step: “🚪 Dørbank på Lade · lørdag 5. desember kl.” and “📅 Member meeting: budget 20 · torsdag
    10. desember k”."""
    from datetime import timedelta

    from models import events as ev
    from models import rounds as rd
    from tests.test_doorknock import START

    [board] = await people(make_user, 1)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
        await rd.create_round(session, title="Dørbank på Lade", district="ostbyen", starts_at=START,
                              ends_at=START + timedelta(hours=3), meeting_point="Lade kirke", capacity=6, now=clock())
        await ev.create_event(session, kind="member_meeting", title="Member meeting: budget 2027 and the bus fares",
                              starts_at=START + timedelta(days=5), ends_at=START + timedelta(days=5, hours=2), place="Folkets hus",
                              now=clock())
    await board.send("/nyringerunde")
    await board.send("Ring for Lade-runden")
    await board.send("Få folk med")
    await board.send("Hei! Vil du bli med på dørbank?")
    await board.press("Fortsett")
    link = await board.press("Fortsett")
    labels = [label for label in link.buttons if label.startswith(("🚪", "📅"))]
    assert labels == ["🚪 Dørbank på Lade · lørdag 5. desember", "📅 Member meeting: budget… · torsdag 10. desember"], labels
