"""Phone rounds in a season (found by playing the board): a caller whose role is revoked mid-call."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models import CallTarget, Member
from models import broadcast as bc
from models import phonebank as pb
from models.membership import grant_role, member_by_telegram, revoke_role
from tests.helpers import onboard, tick


async def callees(db, n):
    async with db.session() as session:
        session.add_all([Member(name=f"Callee {k}", phone=f"+4792{k:06d}", district="midtbyen", verified=True, language="nb")
                         for k in range(n)])


async def setup(db, make_user, clock, n=3):
    await callees(db, n)
    async with db.session() as session:
        created, _n = await pb.create_campaign(session, name="Ring for dørbank", purpose="Få folk med", scripts={"nb": "Hei!"},
                                               audience=bc.Audience(districts=["midtbyen"]), now=clock(), round_id=None, mode="callers")
    user = make_user(first_name="Ringer")
    await onboard(user, phone="+4745100000", district="Heimdal")
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, user.user_id), "caller")
    return created.id, user


async def test_revoked_caller_loses_the_call_and_the_number(db, app, make_user, clock):
    campaign_id, user = await setup(db, make_user, clock)
    await user.send("/ringerunde")
    card = await user.press("📞 Neste samtale")
    assert "+47 92" in card.text
    async with db.session() as session:
        await revoke_role(session, await member_by_telegram(session, user.user_id), "caller")
    # A caller removed (say, for misuse) must not be able to keep working the list.
    again = await user.press_data(f"pb:next:{campaign_id}")
    assert "+47 92" not in again.text, again.text
    clock.advance(minutes=5)
    await tick(app)
    async with db.session() as session:
        held = list(await session.scalars(select(CallTarget).where(CallTarget.held_by.is_not(None))))
    # Expected: the held call goes back to the queue at once and the number disappears from their chat.
    assert not held, f"still held by the revoked caller: {[t.id for t in held]}; card now: {user.messages()[-2].text[:80]!r}"


async def test_call_back_dates(db, app, make_user, clock):
    campaign_id, user = await setup(db, make_user, clock)
    await user.send("/ringerunde")
    await user.press("📞 Neste samtale")
    await user.press("⏰ Ring tilbake …")
    bad = await user.send("31.04 10:00")
    assert "finnes ikke" in bad.text or "31.04" in bad.text, bad.text
    past = await user.send("01.01.2020 10:00")
    assert "passert" in past.text or "fram i tid" in past.text, past.text


async def test_revoked_caller_can_still_record_outcomes(db, app, make_user, clock):
    campaign_id, user = await setup(db, make_user, clock)
    await user.send("/ringerunde")
    card = await user.press("📞 Neste samtale")
    async with db.session() as session:
        await revoke_role(session, await member_by_telegram(session, user.user_id), "caller")
    done = await user.press("⛔ Ikke ring igjen")
    async with db.session() as session:
        outcomes = [t.outcome for t in await session.scalars(select(CallTarget))]
    assert "do_not_call" not in outcomes and not any(outcomes), (done.text, done.alerts, outcomes)


async def test_an_erased_member_leaves_every_call_queue_and_no_note_about_them_stays(db, app, make_user, clock):
    """Erasure takes the member out of phone rounds (queued, held or waiting for a call-back) and
    blanks what callers wrote about them; a caller is never handed them afterwards."""
    campaign_id, caller = await setup(db, make_user, clock, n=1)
    callee = make_user(first_name="Callee")
    await onboard(callee, phone="+4792000000")  # the register's "Callee 0": same number, now on Telegram
    await caller.send("/ringerunde")
    card = await caller.press("📞 Neste samtale")
    assert "+47 92" in card.text
    await caller.press("🔕 Svarte ikke")
    await caller.press("📝 Legg til notat")
    await caller.send("Ring etter kl. 17, sa naboen")
    async with db.session() as session:
        target = await session.scalar(select(CallTarget))
        target.next_attempt_at = clock()  # due again at once
    await callee.send("/slett_meg")
    await callee.press("Ja, slett dataene mine")
    async with db.session() as session:
        target = await session.scalar(select(CallTarget))
    assert (target.status, target.note, target.held_by) == ("done", None, None)
    again = await caller.press_data(f"pb:next:{campaign_id}")
    assert "+47 92" not in again.text


async def test_my_data_shows_what_phone_rounds_recorded_about_me(db, app, make_user, clock):
    import json

    campaign_id, caller = await setup(db, make_user, clock, n=1)
    callee = make_user(first_name="Callee")
    await onboard(callee, phone="+4792000000")
    await caller.send("/ringerunde")
    await caller.press("📞 Neste samtale")
    await caller.press("🔕 Svarte ikke")
    await caller.press("📝 Legg til notat")
    await caller.send("Ring etter kl. 17")
    await callee.send("/mine_data")
    export = json.loads(next(call for call in reversed(callee.api.calls) if call.method == "sendDocument").files["document"])
    [call] = export["Ringerunder som ringte deg"]
    assert (call["Ringerunde"], call["Utfall"], call["Notat"]) == ("Ring for dørbank", "🔕 Svarte ikke", "Ring etter kl. 17")


async def test_next_call_tapped_twice_gives_one_card(db, app, make_user, clock):
    campaign_id, caller = await setup(db, make_user, clock, n=2)
    await caller.send("/ringerunde")
    first = await caller.press("📞 Neste samtale")
    cards = sum(1 for m in caller.messages() if "☎️" in m.text)
    second = await caller.press_data(f"pb:next:{campaign_id}")
    assert second.alerts and second.alerts[0].startswith("Du har allerede en samtale åpen")
    assert sum(1 for m in caller.messages() if "☎️" in m.text) == cards and "☎️" in first.text


async def test_a_phone_round_for_an_event_signs_people_up_and_keeps_the_caller_in_the_loop(db, app, make_user, clock):
    """Linked to a member meeting: the summary names it and how many will be called, its contact person
    is not called, {navn} is filled in, "signed up" answers yes for the person, a call-back at night is
    questioned, a note typed right after the outcome is kept, and a note over the limit is refused."""
    from models import events as ev
    from tests.helpers import onboard as start

    await callees(db, 2)
    contact = make_user(first_name="Kontakt")
    await start(contact, phone="+4745100077", district="Midtbyen")
    callee_user = make_user(first_name="Callee")
    await start(callee_user, phone="+4792000000", district="Midtbyen")  # Callee 0 uses lagbot
    board = make_user(first_name="Styre")
    await start(board, phone="+4745100088", district="Heimdal")
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
        await grant_role(session, await member_by_telegram(session, board.user_id), "caller")
        contact_id = (await member_by_telegram(session, contact.user_id)).id
        meeting = await ev.create_event(session, kind="member_meeting", title="Medlemsmøte om budsjettet",
                                        starts_at=clock() + timedelta(days=10), ends_at=clock() + timedelta(days=10, hours=2),
                                        place="Folkets hus", now=clock(), contact_id=contact_id)
    await board.send("/nyringerunde")
    await board.send("Ring til medlemsmøtet")
    await board.send("Flest mulig på møtet")
    await board.send("Hei {navn}! Jeg ringer fra Trondheim SV om medlemsmøtet.")
    await board.press("Fortsett")
    await board.press("Midtbyen")
    await board.press("Fortsett")
    await board.press("Medlemsmøte om budsjettet")
    summary = await board.press("Medlemmer med ringerrollen")
    assert "📅 Melder folk på «Medlemsmøte om budsjettet»" in summary.text
    assert "☎️ 2 personer å ringe" in summary.text  # the two callees; not the contact person
    await board.press("✅ Start ringerunden")

    await board.send("/ringerunde")
    card = await board.press("📞 Neste samtale")
    assert "Hei Callee! Jeg ringer fra Trondheim SV" in card.text and "{navn}" not in card.text
    name = "Callee 0"  # the queue goes in the order people were added
    assert name in card.text
    await board.press("✅ Meldt på")
    noted = await board.send("Vil ha skyss")
    assert noted.text == "Notatet er lagret."
    async with db.session() as session:
        person = await session.scalar(select(Member).where(Member.name == name))
        assert (await ev.rsvp_of(session, meeting.id, person.id)).answer == "yes"
        target = await session.scalar(select(CallTarget).where(CallTarget.member_id == person.id))
        assert target.note == "Vil ha skyss"

    await board.press("📞 Neste samtale")
    await board.press("⏰ Ring tilbake …")
    night = await board.send("03:00")
    assert "er midt på natta. Stemmer det?" in night.text
    kept = await board.send("03:00")
    assert "Ring tilbake" in kept.text or "ring tilbake" in kept.text.lower(), kept.text
    too_long = await board.send("x" * 1200)
    assert too_long.text == "Notatet er 1200 tegn; grensen er 1000. Gjør det kortere og send det igjen."
    await tick(app)
    assert callee_user.last_message().text.startswith("Som avtalt på telefonen er du påmeldt «Medlemsmøte om budsjettet»")


async def test_a_linked_round_never_calls_its_own_leader_or_those_signed_up(db, clock):
    from models import rounds as rd

    await callees(db, 3)
    async with db.session() as session:
        leader, joined, other = list(await session.scalars(select(Member).order_by(Member.id)))
        round_ = await rd.create_round(session, title="Dørbank", district="midtbyen", starts_at=clock() + timedelta(days=5),
                                       ends_at=clock() + timedelta(days=5, hours=3), meeting_point="Torget", capacity=5,
                                       now=clock(), teams=[(leader.id, 5)])
        await rd.sign_up(session, round_.id, joined.id, clock())
        _campaign, count = await pb.create_campaign(session, name="Ring", purpose="", scripts={"nb": "Hei på deg!"},
                                                    audience=bc.Audience(), now=clock(), round_id=round_.id)
        called = set(await session.scalars(select(CallTarget.member_id)))
    assert count == 1 and called == {other.id}
