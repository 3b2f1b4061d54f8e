"""Findings of a season played with the bot (ux, round 5): each test plays the finding through the chat
and checks what the person saw and what was stored."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import Round
from models import rounds as rd
from models.membership import grant_role, member_by_telegram
from tests.helpers import onboard


async def person(db, make_user, k: int, *, first: str = "Person", roles: tuple[str, ...] = (), lang: str = "nb"):
    user = make_user(first_name=f"{first}{k}", language_code=lang)
    await onboard(user, phone=f"+47452{k:05d}", lang=lang, district="Østbyen")
    if roles:
        async with db.session() as session:
            member = await member_by_telegram(session, user.user_id)
            for role in roles:
                await grant_role(session, member, role)
    return user


def message_with(user, start: str):
    return next(m for m in reversed(user.messages()) if m.text.startswith(start))


# /nyttarrangement → «Sosialt» left "Nytt arrangement. Hva slags?" without buttons and without the choice;
# the same for "Gjentas det?".
async def test_event_kind_and_repeat_questions_show_the_choice_and_lose_their_buttons(db, app, make_user, clock):
    board = await person(db, make_user, 1, roles=("board",))
    await board.send("/nyttarrangement")
    await board.press("Sosialt")
    kind = message_with(board, "Nytt arrangement. Hva slags?")
    assert kind.text.endswith("✅ Sosialt") and not kind.inline_buttons, kind.text
    await board.send("Pub på fredag")
    await board.press("Hopp over")
    await board.send("04.12 19:00")
    await board.send("22:00")
    await board.send("Tapperiet")
    await board.press("Ingen grense")
    await board.press("Hopp over")
    await board.press("Meg")
    await board.press("Ferdig")
    goals = message_with(board, "Hører det til et av målene i arbeidsplanen?")
    assert goals.text.endswith("✅ ingen") and not goals.inline_buttons, goals.text
    await board.press("Hver måned, samme ukedag")
    repeat = message_with(board, "Gjentas det?")
    assert repeat.text.endswith("✅ Hver måned, samme ukedag") and not repeat.inline_buttons, repeat.text


# /nyrunde: "Hvem leder lag 1?" kept its buttons after a choice (pressed later: "virker ikke lenger"), and
# "Et lag til med egen leder?" lost its buttons without showing the choice.
async def test_round_leader_and_more_teams_questions_show_the_choice_and_lose_their_buttons(db, app, make_user, clock):
    board = await person(db, make_user, 2, roles=("board",))
    await board.send("/nyrunde")
    await board.send("Dørbank i Midtbyen")
    await board.press("Midtbyen")
    await board.send("12.12 12:00")
    await board.send("15:00")
    await board.send("Torget")
    await board.send("12")
    await board.press("Jeg gjør det")
    leader = message_with(board, "Hvem leder lag 1?")
    assert leader.text.endswith("✅ Jeg gjør det") and not leader.inline_buttons, leader.text
    await board.press("Fortsett")
    more = message_with(board, "Et lag til med egen leder?")
    assert more.text.endswith("✅ Fortsett") and not more.inline_buttons, more.text
    await board.send("LO")
    await board.press("Hopp over")
    await board.press("✅ Opprett")
    async with db.session() as session:
        round_ = await session.scalar(select(Round))
    assert len(round_.teams) == 1 and round_.teams[0].leader_id is not None


# The broadcast's "Hvilken?" (which round the button is for) lost its buttons without showing the choice.
async def test_broadcast_which_one_shows_the_chosen_round(db, app, make_user, clock):
    board = await person(db, make_user, 3, roles=("board",))
    async with db.session() as session:
        await rd.create_round(session, title="Dørbank lørdag", district="midtbyen", starts_at=clock() + timedelta(days=8),
                              ends_at=clock() + timedelta(days=8, hours=3), meeting_point="Torget", capacity=10, now=clock())
    await board.send("/utsending")
    await board.send("Bli med på dørbank på lørdag!")
    await board.press("Forhåndsvis ▸")
    await board.press("🔘 Legg til en knapp")
    await board.press("🚪 En dørbankrunde")
    await board.press("Dørbank lørdag")
    which = message_with(board, "Hvilken?")
    assert "✅ 🚪" in which.text and which.text.endswith("Dørbank lørdag") and not which.inline_buttons, which.text


# "How did it go?": pressing a theme did not edit the question, so its old buttons kept working; /avbryt on
# a second answer said "Ingenting ble lagret" although the first was stored.
async def test_how_did_it_go_shows_the_theme_and_cancel_keeps_its_word(db, app, make_user, clock):
    from models import DoorInput
    from tests.helpers import tick
    from tests.test_season_member import START, make_round

    anne = await person(db, make_user, 4, first="Anne")
    rid = await make_round(db, clock)
    await anne.press_data(f"rd.join:{rid}")
    clock.set(START + timedelta(hours=3, minutes=30))
    await tick(app)
    await anne.press("Bolig")
    asked = message_with(anne, "Takk for at du banket på dører")
    assert asked.text.endswith("✅ Bolig") and not asked.inline_buttons, asked.text
    await anne.send("Husleia er for høy")
    await anne.press("Klima")
    stopped = await anne.send("/avbryt")
    assert "Ingenting ble lagret" not in stopped.text and "Det du fortalte før, er tatt vare på" in stopped.text, stopped.text
    async with db.session() as session:
        assert [i.text for i in await session.scalars(select(DoorInput))] == ["Husleia er for høy"]
    other = await person(db, make_user, 5, first="Bjørn")   # nothing stored before: the old words are true
    rid2 = await make_round(db, clock, start=clock() + timedelta(days=2), title="Dørbank på Moholt")
    await other.press_data(f"rd.join:{rid2}")
    clock.advance(days=2, hours=3, minutes=30)
    await tick(app)
    await other.press("Bolig")
    assert (await other.send("/avbryt")).text == "Greit, ingenting ble lagret."


# An old door-knocking suggestion's «Bli med» pressed after the round moved joined at the new time, and
# the confirmation named the new time without saying the round had moved.
async def test_join_from_an_old_suggestion_after_a_move_says_the_round_moved(db, app, make_user, clock):
    from models import Signup
    from models.membership import set_interests
    from tests.test_nudges import MONDAY, nudge_texts, run_hooks

    user = make_user(language_code="nb")
    await onboard(user, phone="+4747100000", lang="nb", district="Lerkendal")
    async with db.session() as session:
        stored = await member_by_telegram(session, user.user_id)
        stored.verified = True
        await set_interests(session, stored, ("doorknock",))
        round_ = await rd.create_round(session, title="Dørbank Moholt", district="lerkendal", starts_at=MONDAY + timedelta(days=5),
                                       ends_at=MONDAY + timedelta(days=5, hours=3), meeting_point="Moholt torg", capacity=6, now=clock())
    await run_hooks(app, clock, MONDAY)
    [text] = await nudge_texts(user)
    assert "lørdag 5. desember kl. 10:30" in text, text
    async with db.session() as session:
        await rd.move(session, round_.id, starts_at=MONDAY + timedelta(days=6), ends_at=MONDAY + timedelta(days=6, hours=3), now=clock())
    joined = await user.press("Bli med")
    assert joined.text.startswith("Du er påmeldt «Dørbank Moholt», søndag 6. desember"), joined.text
    assert "Merk: runden er flyttet fra lørdag 5. desember kl. 10:30 til søndag 6. desember kl. 10:30–13:30." in joined.text, joined.text
    async with db.session() as session:
        assert (await session.scalar(select(Signup).where(Signup.round_id == round_.id))).status == rd.CONFIRMED


async def test_join_from_a_suggestion_of_an_unmoved_round_has_no_note(db, app, make_user, clock):
    from models.membership import set_interests
    from tests.test_nudges import MONDAY, run_hooks

    user = make_user(language_code="nb")
    await onboard(user, phone="+4747100001", lang="nb", district="Lerkendal")
    async with db.session() as session:
        stored = await member_by_telegram(session, user.user_id)
        stored.verified = True
        await set_interests(session, stored, ("doorknock",))
        await rd.create_round(session, title="Dørbank Moholt", district="lerkendal", starts_at=MONDAY + timedelta(days=5),
                              ends_at=MONDAY + timedelta(days=5, hours=3), meeting_point="Moholt torg", capacity=6, now=clock())
    await run_hooks(app, clock, MONDAY)
    joined = await user.press("Bli med")
    assert joined.text.startswith("Du er påmeldt «Dørbank Moholt»") and "flyttet" not in joined.text, joined.text


# The leader's team list after the round had begun still said "ikke svart ennå" (no answer to the reminder)
# next to people: once the round has begun only the check-in marks count.
async def test_team_list_after_the_start_shows_only_the_check_in_marks(db, app, make_user, clock):
    from tests.test_season_member import START, make_round

    leader = await person(db, make_user, 6, first="Leder", roles=("leader",))
    anne = await person(db, make_user, 7, first="Anne")
    bjorn = await person(db, make_user, 8, first="Bjørn")
    rid = await make_round(db, clock, leader=leader)
    await anne.press_data(f"rd.join:{rid}")
    await bjorn.press_data(f"rd.join:{rid}")
    clock.set(START - timedelta(hours=1))
    before = await leader.send("/dorbank lag")
    assert "ikke svart ennå" in before.text, before.text          # before the start the answers help
    clock.set(START + timedelta(minutes=30))
    team = await leader.send("/dorbank lag")
    assert "ikke svart ennå" not in team.text and "👍" not in team.text, team.text
    assert "▫️ Anne7" in team.text and "▫️ Bjørn8" in team.text, team.text
    await leader.press("✅ Anne7")
    again = await leader.send("/dorbank lag")
    assert "✅ Anne7" in again.text and "ikke svart ennå" not in again.text, again.text


# The call card said "Sist aktiv: lørdag 28. november" on that same day: today and yesterday are words.
async def test_call_card_says_today_and_yesterday_for_last_activity(db, app, make_user, clock):
    from models import Member
    from tests.test_phonebank import callees, caller, campaign

    people = await callees(db, 3, on_telegram=True)
    async with db.session() as session:
        for member, days in zip(people, (0, 1, 3), strict=True):
            stored = await session.get(Member, member.id)
            stored.last_active_at = clock() - timedelta(days=days)
    await campaign(db, clock)
    user = await caller(make_user, db)
    await user.send("/ringerunde")
    expected = {"Callee 0": "🕓 Sist aktiv: i dag", "Callee 1": "🕓 Sist aktiv: i går", "Callee 2": "🕓 Sist aktiv: tirsdag 24. november"}
    seen = set()
    for _round in range(3):
        text = (await user.press("📞 Neste samtale")).texts[0]
        [name] = [n for n in expected if f"👤 {n}" in text]
        assert expected[name] in text, text
        seen.add(name)
        await user.press("⛔ Ikke ring igjen")
    assert seen == set(expected)


def test_fmt_day_in_each_language():
    from datetime import UTC, datetime

    from bot.i18n import fmt_day

    now = datetime(2026, 11, 28, 22, 30, tzinfo=UTC)           # 23:30 in Oslo
    late_yesterday = datetime(2026, 11, 27, 22, 59, tzinfo=UTC)  # 23:59 on Friday in Oslo: yesterday
    assert [fmt_day(now, now, lang) for lang in ("nb", "nn", "en")] == ["i dag", "i dag", "today"]
    assert [fmt_day(late_yesterday, now, lang) for lang in ("nb", "nn", "en")] == ["i går", "i går", "yesterday"]
    assert fmt_day(datetime(2026, 11, 27, 22, 59, tzinfo=UTC) - timedelta(days=1), now, "nb") == "torsdag 26. november"


# A caller's «✅ Meldt på» on a full round told the callee "Du hører fra meg hvis en plass blir ledig";
# everywhere else the bot says "fra oss".
async def test_waiting_list_by_phone_says_you_hear_from_us(db, app, api, make_user, clock):
    from datetime import UTC, datetime

    from models import Member
    from tests.helpers import tick
    from tests.test_phonebank import callees, caller, campaign

    [callee] = await callees(db, 1, on_telegram=True)
    async with db.session() as session:
        seated = Member(name="Sitter", phone="+4792999999", district="midtbyen", verified=True, language="nb")
        session.add(seated)
        start = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)
        round_ = await rd.create_round(session, title="Dørbank Midtbyen", district="midtbyen", starts_at=start,
                                       ends_at=start + timedelta(hours=3), meeting_point="Torget", capacity=1, now=clock())
        await session.flush()
        await rd.sign_up(session, round_.id, seated.id, clock())
    await campaign(db, clock, round_id=round_.id)
    user = await caller(make_user, db)
    await user.send("/ringerunde")
    await user.press("📞 Neste samtale")
    await user.press("✅ Meldt på")
    await tick(app)
    [told] = [c.text for c in api.sent_to(callee.telegram_id, "sendMessage") if c.text.startswith("Som avtalt på telefonen")]
    assert "Du hører fra oss hvis en plass blir ledig." in told and "fra meg" not in told, told
    async with db.session() as session:
        assert (await rd.signup_of(session, round_.id, callee.id)).status == rd.WAITING
