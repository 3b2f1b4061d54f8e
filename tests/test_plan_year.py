"""/rapport across a year boundary, goal by goal: leader training as records, most teams out at once,
and each goal group's year switching from December to January."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models import leader_training as training
from models import rounds as rd
from models.leader_training import LeaderTraining
from models.membership import member_by_telegram
from tests.helpers import tick
from tests.test_doorknock import make_round, people, signup
from tests.test_plan import board_member, captions

START = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)  # Saturday 5 December 2026


async def test_leader_training_offered_and_accepted_across_new_year(db, app, make_user, clock):
    """The third round checked in offers the member leader training (a record and a button); their yes is the
    second record. December counts the offer in 2026; January counts the yes in 2027."""
    leader, member, other = await people(make_user, 3)
    board = await board_member(db, make_user)
    starts = [START + timedelta(days=7 * k) for k in range(3)]  # 5, 12 and 19 December
    ids = [await make_round(db, clock, leader=leader, start=s, title=f"Runde {k}") for k, s in enumerate(starts)]
    for round_id in ids:
        await member.press_data(f"rd:join:{round_id}")
    for round_id, start in zip(ids, starts, strict=True):
        clock.set(start)
        await leader.press_data(f"rd.in:{(await signup(db, round_id, member)).id}:1")
    await tick(app)
    offer = member.last_message()
    assert offer.text.startswith("Takk for at du har vært med på 3 dørbankrunder! Vil du ha opplæring som dørbankgeneral")
    async with db.session() as session:
        record = await training.of_member(session, (await member_by_telegram(session, member.user_id)).id)
    assert record is not None and record.offered_at == starts[2] and record.accepted_at is None and record.rounds == 3

    forged = await other.press_data("rd.ltr", offer)  # someone never offered it
    assert forged.alerts == ["Du har ikke fått tilbud om opplæring som dørbankgeneral ennå. Spør styret om du vil ha det."]
    clock.set(datetime(2026, 12, 28, 12, tzinfo=UTC))
    rounds = captions(await board.send("/rapport"))[0]
    assert "Opplæring som dørbankgeneral 2026: tilbudt 1, takket ja 0." in rounds

    clock.set(datetime(2027, 1, 3, 12, tzinfo=UTC))  # the member answers after New Year
    yes = await member.press("Ja, jeg vil ha opplæring")
    assert yes.method("editMessageReplyMarkup") and "Takk! Styret tar kontakt med deg om opplæringen." in yes.texts
    again = await member.press_data("rd.ltr", offer)  # a second press keeps the first yes
    assert not again.alerts
    async with db.session() as session:
        rows = list(await session.scalars(select(LeaderTraining)))
    assert [(r.offered_at, r.accepted_at) for r in rows] == [(starts[2], datetime(2027, 1, 3, 12, tzinfo=UTC))]
    rounds = captions(await board.send("/rapport"))[0]
    assert "Opplæring som dørbankgeneral 2027: tilbudt 0, takket ja 1." in rounds
    clock.set(datetime(2027, 1, 4, 12, tzinfo=UTC))
    async with db.session() as session:  # a fourth round does not offer it again
        assert not await training.offer(session, rows[0].member_id, 4, clock())


async def test_most_teams_out_at_once_this_year_and_next(db, app, make_user, clock):
    board = await board_member(db, make_user)
    clock.set(datetime(2026, 11, 1, 12, tzinfo=UTC))
    async with db.session() as session:
        for start, teams in ((datetime(2026, 12, 5, 10, tzinfo=UTC), 2), (datetime(2026, 12, 5, 14, tzinfo=UTC), 1),
                             (datetime(2026, 12, 12, 10, tzinfo=UTC), 2), (datetime(2027, 1, 9, 10, tzinfo=UTC), 1),
                             (datetime(2026, 11, 28, 10, tzinfo=UTC), 4)):
            round_ = await rd.create_round(session, title="Dørbank", district="ostbyen", starts_at=start,
                                           ends_at=start + timedelta(hours=3), meeting_point="Lade kirke", capacity=4 * teams,
                                           now=clock(), teams=[(None, 4)] * teams)
            if teams == 4:
                round_.status = rd.CANCELLED  # a cancelled round's teams do not count
    clock.set(datetime(2026, 12, 20, 12, tzinfo=UTC))
    rounds = captions(await board.send("/rapport"))[0]
    assert "Flest lag ute samtidig 2026: 3 (lørdag 5. desember)." in rounds
    assert "Flest lag ute samtidig 2027: 1 (lørdag 9. januar)." in rounds
    clock.set(datetime(2027, 1, 10, 12, tzinfo=UTC))
    rounds = captions(await board.send("/rapport"))[0]
    assert "Flest lag ute samtidig 2027: 1 (lørdag 9. januar)." in rounds
    assert "Flest lag ute samtidig 2028: ingen ennå." in rounds
    assert "På etterskudd: gi en runde to lag" in rounds


async def test_the_board_tags_a_series_from_one_occurrence_on_and_a_contact_person_is_told_why_not(db, app, make_user, clock):
    from models import events as ev
    from models.event_calendar import materialise
    from models.event_tables import Event, Series
    from tests.helpers import onboard

    board = await board_member(db, make_user)
    contact = make_user(first_name="Kontakt", language_code="nb")
    await onboard(contact, phone="+4748199996")
    clock.set(datetime(2026, 11, 20, 12, tzinfo=UTC))
    async with db.session() as session:
        contact_id = (await member_by_telegram(session, contact.user_id)).id
        series = await ev.create_series(session, kind="course", title="Dørbankkurs", rule="FREQ=MONTHLY;COUNT=4",
                                        first_local=datetime(2026, 12, 1, 18, 0), minutes=120, place="Folkets hus",
                                        now=clock(), contact_id=contact_id)
        ids = list(await session.scalars(select(Event.id).where(Event.series_id == series.id).order_by(Event.starts_at)))
    assert len(ids) == 4  # December, January, February, March

    refused = await contact.press_data(f"ev.tags:{ids[1]}")  # the event's own contact person
    assert refused.alerts == [("Bare styret bestemmer hvilke av målene i arbeidsplanen et arrangement teller for. Spør styret "
                              "om dette arrangementet skal telle, for eksempel som kurs i direkte velgerkontakt.")]
    shown = await board.press_data(f"ev.tags:{ids[1]}")  # from the January occurrence on
    assert "🔁 Det samme for serien herfra" in shown.buttons
    await board.press("▫️ Kurs i direkte velgerkontakt")
    forged = await contact.press_data(f"ev.stags:{ids[1]}", board.last_message())
    assert forged.alerts and forged.alerts[0].startswith("Bare styret bestemmer")
    done = await board.press("🔁 Det samme for serien herfra")
    assert done.texts[-1].startswith("«Dørbankkurs» fra ") and "(3 ganger) teller for: Kurs i direkte velgerkontakt." in done.texts[-1]
    async with db.session() as session:
        tags = {e.id: e.tags for e in await session.scalars(select(Event).where(Event.id.in_(ids)))}
        assert [tags[i] for i in ids] == [[], ["voter_course"], ["voter_course"], ["voter_course"]]
        stored = await session.get(Series, series.id)
        assert stored.tags == ["voter_course"]
        stored.rule = "FREQ=MONTHLY;COUNT=6"  # the series goes on: what it makes later is tagged too
        await materialise(session, clock())
        later = list(await session.scalars(select(Event.tags).where(Event.series_id == series.id).order_by(Event.starts_at)))
    assert later[4:] == [["voter_course"], ["voter_course"]]

    clock.set(datetime(2026, 12, 20, 12, tzinfo=UTC))  # December: 2026 has one untagged course; 2027 has five planned
    courses = captions(await board.send("/rapport"))[1]
    assert "Kurs i direkte velgerkontakt 2026: 0 holdt, 0 planlagt av 2." in courses
    assert "Kurs i direkte velgerkontakt 2027: 0 holdt, 5 planlagt av 2.\n" in courses
    clock.set(datetime(2027, 1, 10, 12, tzinfo=UTC))  # January: the first tagged one is this year's and held
    courses = captions(await board.send("/rapport"))[1]
    assert "Kurs i direkte velgerkontakt 2027: 1 holdt, 4 planlagt av 2.\n" in courses


async def test_8_march_1_may_and_pride_are_marked_on_the_courses_chart(db, app, make_user, clock):
    from bot.reports import plan as report
    from models import events as ev
    from models import plan as pl

    clock.set(datetime(2026, 11, 1, 12, tzinfo=UTC))
    async with db.session() as session:
        for tags, start in ((["march_8"], datetime(2027, 3, 8, 16, tzinfo=UTC)),
                            (["may_day_breakfast"], datetime(2027, 5, 1, 7, tzinfo=UTC)),
                            (["pride"], datetime(2026, 11, 20, 16, tzinfo=UTC)), ([], datetime(2026, 12, 1, 16, tzinfo=UTC))):
            await ev.create_event(session, kind="movement_day", title="Dag", starts_at=start, ends_at=start + timedelta(hours=2),
                                  place="Torget", now=clock(), tags=tags)
        figures = await pl.plan(session, clock())
    assert figures.marks == {2026: [("pride", datetime(2026, 11, 20).date())],
                             2027: [("march_8", datetime(2027, 3, 8).date()), ("may_day_breakfast", datetime(2027, 5, 1).date())]}
    plain = report.progress_chart({2026: figures.goals[2026][2:], 2027: figures.goals[2027][2:]}, figures.today, "nb", "Kurs")
    assert report.courses(figures, "nb").png != plain  # the marks are drawn
    board = await board_member(db, make_user)
    courses = captions(await board.send("/rapport"))[1]
    assert "Til stede 2026: Pride" in courses
