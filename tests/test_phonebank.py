"""Phone rounds, end to end: the board starts a campaign, callers work it, every outcome and expiry."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.i18n import OSLO
from handlers.phonebank import CallOutcome
from models import CallAttempt, CallTarget, Campaign, Member
from models import broadcast as bc
from models import phonebank as pb
from models import rounds as rd
from models.membership import grant_role, member_by_telegram
from tests.helpers import onboard, tick

SCRIPT = "Hei! Jeg ringer fra Trondheim SV. Vi skal banke dører på lørdag — vil du bli med?"


async def callees(db, n: int, *, district: str = "midtbyen", on_telegram: bool = False) -> list[Member]:
    async with db.session() as session:
        people = [Member(name=f"Callee {k}", phone=f"+4792{k:06d}", district=district, verified=True, language="nb",
                         telegram_id=(3_000_000 + k) if on_telegram else None,
                         onboarded_at=datetime(2026, 1, 1, tzinfo=UTC) if on_telegram else None) for k in range(n)]
        session.add_all(people)
    return people


async def role(db, user, name: str) -> None:
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, user.user_id), name)


async def campaign(db, clock, *, round_id=None, mode="callers", audience=None) -> int:
    async with db.session() as session:
        created, _n = await pb.create_campaign(session, name="Ring for dørbank", purpose="Få folk med", scripts={"nb": SCRIPT},
                                               audience=audience or bc.Audience(districts=["midtbyen"]), now=clock(),
                                               round_id=round_id, mode=mode)
        return created.id


async def make_round(db, clock) -> int:
    async with db.session() as session:
        start = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)
        created = await rd.create_round(session, title="Dørbank Midtbyen", district="midtbyen", starts_at=start,
                                        ends_at=start + timedelta(hours=3), meeting_point="Torget", capacity=10, now=clock())
        return created.id


async def caller(make_user, db, *, phone="+4745100000", lang="nb"):
    user = make_user(first_name="Ringer", language_code=lang)
    await onboard(user, phone=phone, lang=lang, district="Heimdal")
    await role(db, user, "caller")
    return user


async def target_of(db, name: str) -> CallTarget:
    async with db.session() as session:
        member = await session.scalar(select(Member).where(Member.name == name))
        return await session.scalar(select(CallTarget).where(CallTarget.member_id == member.id))


async def test_board_starts_a_campaign_in_the_chat(db, app, make_user, clock):
    await callees(db, 3)
    await callees_elsewhere(db)
    board = make_user(first_name="Styre")
    await onboard(board, phone="+4745100009")
    await role(db, board, "board")
    round_id = await make_round(db, clock)
    await board.send("/nyringerunde")
    await board.send("Ring for dørbank")
    await board.send("Få med folk på lørdag")
    short = await board.send("Hei")
    assert short.text == "Manuset må være mellom 10 og 3000 tegn."
    await board.send(SCRIPT)
    await board.press("Legg til manus på engelsk")
    await board.send("Hi! I'm calling from Trondheim SV about door-knocking on Saturday.")
    await board.press("Fortsett")
    await board.press("Midtbyen")
    await board.press("Fortsett")
    await board.press("Dørbank Midtbyen")
    summary = await board.press("Medlemmer med ringerrollen")
    assert "📞 Ring for dørbank" in summary.text and "🚪 Melder folk på «Dørbank Midtbyen», lørdag 5. desember kl. 12:00–15:00" in summary.text
    assert "☎️ 3 personer å ringe" in summary.text
    started = await board.press("✅ Start ringerunden")
    assert started.text.startswith("Ringerunden «Ring for dørbank» er i gang med 3 personer å ringe.")
    async with db.session() as session:
        created = await session.scalar(select(Campaign))
    assert created.round_id == round_id and set(created.scripts) == {"nb", "en"} and created.mode == "callers"
    refused = await make_member_try(make_user, "/nyringerunde")
    assert refused.text.startswith("Bare medlemmer med rollen «styret»")


async def callees_elsewhere(db) -> None:
    async with db.session() as session:
        session.add(Member(name="Heimdal-person", phone="+4793000000", district="heimdal", verified=True, language="nb"))
        session.add(Member(name="Ikke ring", phone="+4793000001", district="midtbyen", verified=True, language="nb", do_not_call=True))
        session.add(Member(name="Uten nummer", district="midtbyen", verified=True, language="nb"))


async def make_member_try(make_user, command):
    user = make_user()
    await onboard(user, phone="+4745100077")
    return await user.send(command)


async def test_caller_signs_someone_up_and_the_number_disappears(db, app, make_user, clock):
    [person] = await callees(db, 1, on_telegram=True)
    round_id = await make_round(db, clock)
    await campaign(db, clock, round_id=round_id)
    user = await caller(make_user, db)
    menu = await user.send("/ringerunde")
    assert "• Ring for dørbank: 1 igjen å ringe av 1" in menu.text
    card = await user.press("📞 Neste samtale")
    text = card.texts[0]
    assert "👤 Callee 0" in text and "☎️ +47 920 00 000" in text and SCRIPT in text and "Midtbyen" in text
    assert "✅ Meldt på" in card.buttons and "⛔ Ikke ring igjen" in card.buttons
    done = await user.press("✅ Meldt på")
    edited = done.method("editMessageText")[0]
    assert edited.text == "Callee 0 — ✅ Meldt på. Takk!" and "+47" not in edited.text
    async with db.session() as session:
        signup = await rd.signup_of(session, round_id, person.id)
    assert signup is not None and signup.status == rd.CONFIRMED
    await tick(app)
    async with db.session() as session:
        told = await session.scalar(select(func.count()).select_from(__import__("models").OutboxMessage)
                                    .where(__import__("models").OutboxMessage.dedupe_key.startswith("call:signed-up")))
    assert told == 1
    empty = await user.press("📞 Neste samtale")
    assert empty.text == "Alle i denne ringerunden er ringt. Takk!"


async def test_every_outcome(db, app, make_user, clock):
    await callees(db, 6, on_telegram=True)
    await campaign(db, clock)
    user = await caller(make_user, db)
    await user.send("/ringerunde")
    results = {}
    for label in ("🙂 Ikke nå", "📞 Vil ringe andre også", "❌ Feil nummer", "⛔ Ikke ring igjen", "🔕 Svarte ikke", "💬 La igjen beskjed"):
        card = await user.press("📞 Neste samtale")
        name = card.texts[0].split("👤 ")[1].split("\n")[0]
        await user.press(label)
        results[name] = (await target_of(db, name))
    outcomes = {t.outcome: t.status for t in results.values()}
    assert outcomes == {"not_now": "done", "will_call": "done", "wrong_number": "done", "do_not_call": "done",
                        "no_answer": "queued", "left_message": "queued"}
    volunteer = next(n for n, t in results.items() if t.outcome == "will_call")
    dnc = next(n for n, t in results.items() if t.outcome == "do_not_call")
    async with db.session() as session:
        helper = await session.scalar(select(Member).where(Member.name == volunteer))
        refuser = await session.scalar(select(Member).where(Member.name == dnc))
    assert "caller" in helper.role_names and refuser.do_not_call
    await tick(app)
    # A new campaign leaves out whoever asked not to be called, and those reached within 30 days.
    async with db.session() as session:
        _again, targets = await pb.create_campaign(session, name="Ny runde", purpose="", scripts={"nb": SCRIPT},
                                                   audience=bc.Audience(districts=["midtbyen"]), now=clock())
    assert targets == 2  # the two that were not reached
    note = await user.press("📝 Legg til notat")
    assert "Skriv notatet" in note.text
    assert (await user.send("Ring etter kl. 17")).text == "Notatet er lagret."


async def test_no_answer_cools_down_at_another_time_and_gives_up_after_three(db, app, make_user, clock):
    await callees(db, 1)
    await campaign(db, clock)
    user = await caller(make_user, db)
    clock.set(datetime(2026, 11, 27, 17, 0, tzinfo=UTC))  # 18:00 in Oslo
    for attempt in range(3):
        if attempt:  # the "Next call" under the last outcome (one tap, one card)
            card = await user.press_data(f"pb:next:{1}")
        else:
            await user.send("/ringerunde")
            card = await user.press("📞 Neste samtale")
        assert "Callee 0" in card.text
        if attempt:
            assert ("Prøvd 1 gang før." if attempt == 1 else f"Prøvd {attempt} ganger før.") in card.text
        await user.press("🔕 Svarte ikke")
        target = await target_of(db, "Callee 0")
        if attempt < 2:
            due = target.next_attempt_at.astimezone(OSLO)
            assert target.status == "queued" and 9 <= due.hour < 21
            assert due.hour != clock().astimezone(OSLO).hour
            cooling = await user.press("📞 Neste samtale")
            assert cooling.text.startswith("Ingen å ringe akkurat nå")
            clock.set(target.next_attempt_at)
    target = await target_of(db, "Callee 0")
    assert (target.status, target.outcome, target.attempts) == ("done", "not_reached", 3)


async def test_call_back_is_held_for_that_caller_and_reminded(db, app, make_user, clock):
    await callees(db, 1)
    campaign_id = await campaign(db, clock)
    first = await caller(make_user, db)
    second = await caller(make_user, db, phone="+4745100001")
    await first.send("/ringerunde")
    await first.press("📞 Neste samtale")
    asked = await first.press("⏰ Ring tilbake …")
    assert asked.text.startswith("Når skal vedkommende ringes tilbake?")
    assert (await first.send("i morgen")).text.startswith("Det tidspunktet skjønte jeg ikke")
    done = await first.send("18:30")
    assert "⏰ Ring tilbake fredag 27. november kl. 18:30" in done.method("editMessageText")[0].text
    other = await second.press_data(f"pb:next:{campaign_id}", (await second.send("/ringerunde")) and second.last_message())
    assert other.text.startswith("Ingen å ringe akkurat nå")
    clock.set(datetime(2026, 11, 27, 17, 30, tzinfo=UTC))
    await tick(app)
    assert first.last_message().text == "Nå er det tid for å ringe Callee 0 tilbake, som avtalt."
    again = await first.press("📞 Neste samtale")
    assert "Callee 0" in again.text
    assert (await second.press_data(f"pb:next:{campaign_id}")).text.startswith("Ingen å ringe")


async def test_hold_expires_after_thirty_minutes_and_number_is_removed(db, app, make_user, clock):
    await callees(db, 2)
    campaign_id = await campaign(db, clock)
    user = await caller(make_user, db)
    other = await caller(make_user, db, phone="+4745100001")
    await user.send("/ringerunde")
    card = await user.press("📞 Neste samtale")
    card_id = card.method("sendMessage")[0].result["message_id"]
    held_name = card.texts[0].split("👤 ")[1].split("\n")[0]
    # The other caller gets the other person, never the one held.
    await other.send("/ringerunde")
    theirs = await other.press("📞 Neste samtale")
    assert held_name not in theirs.text
    clock.advance(minutes=31)
    await tick(app)  # the hold expires (after the tick's sending)…
    await tick(app)  # …and the notice goes out on the next one
    assert user.api.find(user.chat_id, card_id).text == "Tilbake i køen."
    assert any(m.text.startswith(f"Samtalen med {held_name} gikk tilbake i køen") for m in user.messages())
    late = await user.press_data(CallOutcome((await target_of(db, held_name)).id, "nn").pack(), user.api.find(user.chat_id, card_id))
    assert late.alerts == ["Du har ikke denne samtalen lenger — den kan ha gått tilbake i køen."]
    assert campaign_id


async def test_stop_releases_and_empty_queue_says_why(db, app, make_user, clock):
    await callees(db, 1)
    campaign_id = await campaign(db, clock)
    user = await caller(make_user, db)
    board = make_user(first_name="Styre")
    await onboard(board, phone="+4745100008")
    await role(db, board, "board")
    await user.send("/ringerunde")
    await user.press("📞 Neste samtale")
    stopped = await user.press("⏸ Slutt å ringe")
    assert "Takk for at du ringte!" in stopped.text and stopped.method("editMessageText")[0].text == "Tilbake i køen."
    assert (await target_of(db, "Callee 0")).status == "queued"
    await board.send("/ringerunde")
    paused = await board.press("⏸ Pause")
    assert paused.text == "«Ring for dørbank» er satt på pause."
    assert (await user.press_data(f"pb:next:{campaign_id}")).text == "Denne ringerunden er satt på pause av styret."
    await board.send("/ringerunde")
    await board.press("▶ Fortsett")
    progress = await board.press("📊 Framdrift")
    assert "Personer å ringe: 1" in progress.text and "Gjenstår å ringe: 1" in progress.text
    assert next(iter(progress.method("sendPhoto")[0].files.values())).startswith(b"\x89PNG")


async def test_a_second_tap_on_next_points_to_the_open_card(db, app, make_user, clock):
    """The card's message is stored with the call (its own one-statement write after the card is
    sent), so a second tap is answered with a pointer to it instead of a second card."""
    await callees(db, 2)
    campaign_id = await campaign(db, clock)
    user = await caller(make_user, db)
    await user.send("/ringerunde")
    card = await user.press("📞 Neste samtale")
    assert "👤 Callee" in card.texts[0]
    assert (await target_of(db, card.texts[0].split("👤 ")[1].split("\n")[0])).card_message_id is not None
    again = await user.press_data(f"pb:next:{campaign_id}")
    assert again.method("answerCallbackQuery")[0].params["text"].startswith("Du har allerede en samtale åpen")
    assert not again.method("sendMessage")
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(CallTarget).where(CallTarget.status == pb.HELD)) == 1


async def test_only_callers_unless_volunteers_may_call(db, app, make_user, clock):
    await callees(db, 2)
    member = make_user()
    await onboard(member, phone="+4745100055")
    closed_id = await campaign(db, clock, mode="callers")
    refused = await member.press_data(f"pb:next:{closed_id}", (await member.send("/ringerunde")) and member.last_message())
    assert refused.alerts and refused.alerts[0].startswith("Bare medlemmer med rollen «ringer»")
    async with db.session() as session:
        await pb.set_status(session, closed_id, pb.CLOSED)
    open_id = await campaign(db, clock, mode="volunteers")
    menu = await member.send("/ringerunde")
    assert "📞 Neste samtale: Ring for dørbank" in menu.buttons
    card = await member.press_data(f"pb:next:{open_id}")
    assert "Callee" in card.text


async def test_fifty_callers_never_share_a_target(db, clock):
    """50 callers claim at once until the queue is empty: each target handed out once, one final outcome each."""
    postgres = db.url.startswith("postgresql")
    n = 2000 if postgres else 400
    async with db.session() as session:
        callers = [Member(name=f"Caller {k}", telegram_id=4_000_000 + k, language="nb") for k in range(50)]
        session.add_all(callers)
        await session.flush()
        await session.execute(Member.__table__.insert(), [
            {"name": f"T{k}", "phone": f"+4795{k:06d}", "district": "midtbyen", "verified": True, "language": "nb",
             "status": "member", "wants_reminders": True, "wants_nudges": True, "wants_broadcasts": True,
             "do_not_call": False, "created_at": clock(), "updated_at": clock()} for k in range(n)])
    campaign_id = await campaign(db, clock)
    finals = ("not_now", "signed_up", "wrong_number", "will_call", "do_not_call")
    handed: list[int] = []

    async def work(member: Member, seed: int) -> None:
        rng = random.Random(seed)
        while True:
            async with db.session() as session:
                claim = await pb.claim_next(session, campaign_id, member.id, clock(), timedelta(minutes=30))
            if claim.card is None:
                return
            handed.append(claim.card.target_id)
            async with db.session() as session:
                await pb.record(session, claim.card.target_id, member.id, rng.choice(finals[:1] + finals[2:3]), clock(),
                                cooldown=timedelta(hours=4), tz=OSLO)

    await asyncio.gather(*(work(m, k) for k, m in enumerate(callers)))
    assert len(handed) == n and len(set(handed)) == n
    async with db.session() as session:
        per_target = dict((await session.execute(select(CallAttempt.target_id, func.count()).group_by(CallAttempt.target_id))).all())
        statuses = set(await session.scalars(select(CallTarget.status)))
    assert len(per_target) == n and set(per_target.values()) == {1} and statuses == {"done"}
