"""/rapport across a year boundary, goal by goal: leader training as records, most teams out at once,
and each goal group's year switching from December to January."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import leader_training as training
from models import rounds as rd
from models.leader_training import LeaderTraining
from models.membership import member_by_telegram
from tests.helpers import came, tick
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
    assert "• Person1 Nordmann — 3 (har fått tilbud)" in (await board.send("/dorbank ledere")).text

    clock.set(datetime(2027, 1, 3, 12, tzinfo=UTC))  # the member answers after New Year
    yes = await member.press("Ja, jeg vil ha opplæring")
    assert yes.method("editMessageReplyMarkup") and "Takk! Styret tar kontakt med deg om opplæringen." in yes.texts
    again = await member.press_data("rd.ltr", offer)  # a second press keeps the first yes
    assert not again.alerts
    await tick(app)  # the board is told once, and sees it in the list
    told = [m.text for m in board.messages() if "har takket ja til opplæring" in m.text]
    assert told == ["Person1 Nordmann har takket ja til opplæring som dørbankgeneral. Ta kontakt for å avtale det; se /dorbank ledere."]
    assert "• Person1 Nordmann — 3 (har takket ja til opplæring)" in (await board.send("/dorbank ledere")).text
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
            await came(session, round_)  # someone was there: held once over (models/held.py)
            if teams == 4:
                round_.status = rd.CANCELLED  # a cancelled round's teams do not count
    clock.set(datetime(2026, 12, 20, 12, tzinfo=UTC))
    rounds = captions(await board.send("/rapport"))[0]
    assert "Flest lag ute samtidig 2026: 3 (lørdag 5. desember)." in rounds
    assert "Flest lag ute samtidig 2027: ingen ennå." in rounds  # 9 January is planned, not held (a round to come)
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
        await came(session, *[await session.get(Event, i) for i in ids[:2]])  # the December and January courses
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
    assert "Planlagt 2026: Pride" in courses and "Ikke holdt 2026: 8. mars, 1. mai-frokost" in courses


async def a_year_across_new_year(db, clock, board) -> None:
    """8 March 2026 held, the 1 May breakfast 2027 planned; new members in December and January; door input in
    December and at 00:15 on New Year's Day in Oslo (still 2026 in UTC); a mapping survey with Østbyen ready for a pilot."""
    from bot.survey_messages import mapping_spec
    from models import Member
    from models import events as ev
    from models import surveys as sv
    from models.round_tables import DoorInput
    from models.survey_tables import SurveyAnswer, SurveyResponse
    from models.welcome import WelcomeTask

    clock.set(datetime(2026, 2, 1, 12, tzinfo=UTC))
    async with db.session() as session:
        for tags, start in ((["march_8"], datetime(2026, 3, 8, 16, tzinfo=UTC)),):
            await came(session, await ev.create_event(session, kind="movement_day", title="8. mars", starts_at=start,
                                                      ends_at=start + timedelta(hours=2), place="Torget", now=clock(), tags=tags))
    clock.set(datetime(2026, 11, 1, 12, tzinfo=UTC))
    async with db.session() as session:
        start = datetime(2027, 5, 1, 7, tzinfo=UTC)
        await ev.create_event(session, kind="social", title="1. mai-frokost", starts_at=start, ends_at=start + timedelta(hours=2),
                              place="Folkets hus", now=clock(), tags=["may_day_breakfast"])
        start = datetime(2026, 12, 5, 10, tzinfo=UTC)
        round_ = await rd.create_round(session, title="Dørbank", district="ostbyen", starts_at=start, ends_at=start + timedelta(hours=3),
                                       meeting_point="Lade kirke", capacity=5, now=clock(), teams=[(None, 5)])
        await came(session, round_)
        people = [Member(name=f"Ny{k}", telegram_id=3_200_000_000 + k, language="nb") for k in range(2)]
        session.add_all(people)
        await session.flush()
        for person, joined, contact in ((people[0], datetime(2026, 12, 5, tzinfo=UTC), datetime(2026, 12, 8, tzinfo=UTC)),
                                        (people[1], datetime(2027, 1, 5, tzinfo=UTC), None)):
            session.add(WelcomeTask(member_id=person.id, joined_at=joined, due_at=joined + timedelta(days=14), first_contact_at=contact))
        me = await member_by_telegram(session, board.user_id)
        for theme, district, at in (("housing", "ostbyen", datetime(2026, 12, 5, 15, tzinfo=UTC)),
                                    ("transport", "heimdal", datetime(2026, 12, 31, 23, 15, tzinfo=UTC))):  # 00:15 in Oslo
            session.add(DoorInput(round_id=round_.id, member_id=me.id, district=district, theme=theme, text="…", created_at=at))
        survey = await sv.create(session, mapping_spec(), created_by=None, kind=sv.MAPPING)
        questions = {q.key: q for q in await sv.questions_of(session, survey.id)}
        for n in range(5):
            response = SurveyResponse(survey_id=survey.id, respondent_key=f"k{n}", district="ostbyen")
            session.add(response)
            await session.flush()
            session.add_all([SurveyAnswer(response_id=response.id, question_id=questions["interest"].id, option="yes"),
                             SurveyAnswer(response_id=response.id, question_id=questions["role"].id, option="lead" if n < 2 else "help")])


async def test_every_goal_group_switches_from_december_to_january(db, app, make_user, clock):
    """Each goal group at 23:30 on New Year's Eve and at 01:30 on New Year's Day, Oslo time (22:30 and 00:30 UTC):
    this year and next switch with the Oslo date, not the UTC one; then ten days into January."""
    board = await board_member(db, make_user)
    await a_year_across_new_year(db, clock, board)
    clock.set(datetime(2026, 12, 31, 22, 30, tzinfo=UTC))
    rounds, courses, welcome, ahead, districts, found = captions(await board.send("/rapport"))
    assert "Dørbankrunder 2026: 1 holdt, 0 planlagt av 10. Det mangler 9 på årets mål." in rounds
    assert "Dørbankrunder 2027: 0 holdt, 0 planlagt av 10." in rounds
    assert "Flest lag ute samtidig 2026: 1 (lørdag 5. desember)." in rounds
    assert "Opplæring som dørbankgeneral 2026: tilbudt 0, takket ja 0." in rounds
    assert "Kurs i direkte velgerkontakt 2026: 0 holdt, 0 planlagt av 2." in courses
    assert "Åpent møte med bevegelsene 2027: 0 holdt, 0 planlagt av 1." in courses
    assert ("Til stede 2026: 8. mars\nIkke holdt 2026: 1. mai-frokost, Pride\nPlanlagt 2027: 1. mai-frokost\n"
            "Ikke planlagt ennå 2027: 8. mars, Pride.") in courses  # 2026's days are past: held or not held
    assert welcome.startswith("👋 Velkomstsamtaler 2026\nNye medlemmer: 1. Innen 14 dager: 1 (100 %), for sent: 0")
    assert "⚠️ Hull: ingenting planlagt på 90 dager fra torsdag 31. desember." in ahead
    assert "Klare for et pilotlag: 1 av målet på 2." in districts and "• Østbyen: 5 vil hjelpe, 0 kanskje, 2 tar et verv ✅" in districts
    # Door input counts in the year of its round (the date the export shows), even given on New Year's Day.
    assert found.startswith("💬 Innspill 2026\nInnspill fra dørene: 2. Svar på innspillsrunder: 0.\nVed dørene: Bolig 1, Samferdsel 1")

    clock.set(datetime(2027, 1, 1, 0, 30, tzinfo=UTC))  # still 31 December in UTC
    rounds, courses, welcome, ahead, districts, found = captions(await board.send("/rapport"))
    assert "Dørbankrunder 2027: 0 holdt, 0 planlagt av 10." in rounds and "Dørbankrunder 2028: 0 holdt, 0 planlagt av 10." in rounds
    pointer, *rest = rounds.split("\n")[1:]
    assert pointer == "2026 er omme: tallene for året står i /rapport aar 2026." and "2026" not in "\n".join(rest)
    assert "Flest lag ute samtidig 2027: ingen ennå.\nFlest lag ute samtidig 2028: ingen ennå." in rounds
    assert "Planlagt 2027: 1. mai-frokost\nIkke planlagt ennå 2027: 8. mars, Pride." in courses
    assert "Kurs i direkte velgerkontakt 2028: 0 holdt, 0 planlagt av 2." in courses
    assert welcome.startswith("👋 Velkomstsamtaler 2027\nNye medlemmer: 0.")
    assert "⚠️ Hull: ingenting planlagt på 90 dager fra fredag 1. januar." in ahead
    assert "Klare for et pilotlag: 1 av målet på 2." in districts  # the mapping is not by year
    assert found.startswith("💬 Innspill 2027\nInnspill fra dørene: 0. Svar på innspillsrunder: 0.\n")

    clock.set(datetime(2027, 1, 10, 12, tzinfo=UTC))
    welcome = captions(await board.send("/rapport"))[2]
    assert "Nye medlemmer: 1. Innen 14 dager: 0 (0 %), for sent: 0, ikke forfalt ennå: 1." in welcome


@pytest.mark.parametrize(("lang", "expected"), [
    ("nb", ["Flest lag ute samtidig 2026: 1 (lørdag 5. desember).", "Opplæring som dørbankgeneral 2026: tilbudt 0, takket ja 0.",
            "På etterskudd: gi en runde to lag, hvert med sin dørbankgeneral (/dorbank ledere).", "Til stede 2026: 8. mars",
            "👋 Velkomstsamtaler 2026", "🏘 Lokallag i bydelene", "Ved dørene: Bolig 1"]),
    ("nn", ["Flest lag ute samstundes 2026: 1 (laurdag 5. desember).", "Opplæring som dørbankgeneral 2026: tilbode 0, takka ja 0.",
            "På etterskot: gje ein runde to lag, kvart med sin eigen dørbankgeneral (/dorbank ledere).",
            "Flest lag ute samstundes 2027: ingen enno.", "Dørbankrundar 2027: 0 haldne, 0 planlagde av 10."]),
    ("en", ["Most teams out at once 2026: 1 (Saturday 5 December).", "Leader training 2026: offered 0, accepted 0.",
            "Behind: give a round two teams, each with its own leader (/doorknock leaders).",
            "Most teams out at once 2027: none yet.", "Door-knocking rounds 2027: 0 held, 0 planned of 10."]),
])
async def test_the_new_lines_read_in_nb_nn_and_en(db, app, make_user, clock, lang, expected):
    board = await board_member(db, make_user, lang)
    await a_year_across_new_year(db, clock, board)
    clock.set(datetime(2026, 12, 31, 22, 30, tzinfo=UTC))
    text = "\n".join(captions(await board.send("/rapport")))
    for line in expected:
        assert line in text


async def test_a_year_ending_short_of_a_goal_says_so_and_january_points_to_last_year(db, app, make_user, clock):
    """On 24 December there is no time to plan nine more rounds for the year: the line says how far short
    it is (next year's line still says what to plan). In January the year just ended is one command away."""
    from bot.reports import plan as report
    from models import plan as pl

    board = await board_member(db, make_user)
    clock.set(datetime(2026, 12, 1, 12, tzinfo=UTC))
    async with db.session() as session:
        start = datetime(2026, 12, 12, 10, tzinfo=UTC)
        await came(session, await rd.create_round(session, title="Dørbank", district="ostbyen", starts_at=start,
                                                  ends_at=start + timedelta(hours=3), meeting_point="Lade kirke", capacity=8, now=clock()))
    clock.set(datetime(2026, 12, 10, 12, tzinfo=UTC))  # three weeks left: plan more
    rounds = captions(await board.send("/rapport"))[0]
    assert "Dørbankrunder 2026: 0 holdt, 1 planlagt av 10. Planlegg 9 til" in rounds
    clock.set(datetime(2026, 12, 24, 12, tzinfo=UTC))
    rounds = captions(await board.send("/rapport"))[0]
    assert "Dørbankrunder 2026: 1 holdt, 0 planlagt av 10. Det mangler 9 på årets mål." in rounds
    assert "Planlegg 9 til" not in rounds and "Dørbankrunder 2027: 0 holdt, 0 planlagt av 10. Planlegg 10 til" in rounds
    assert "er omme" not in rounds
    async with db.session() as session:
        figures = await pl.plan(session, clock())
    assert "Det manglar 9 på målet for året." in report.rounds(figures, "nn").text
    assert "9 short of this year's goal." in report.rounds(figures, "en").text

    clock.set(datetime(2027, 1, 10, 12, tzinfo=UTC))
    rounds = captions(await board.send("/rapport"))[0]
    assert rounds.split("\n")[1] == "2026 er omme: tallene for året står i /rapport aar 2026."
    assert "Dørbankrunder 2027: 0 holdt, 0 planlagt av 10. Planlegg 10 til" in rounds
    clock.set(datetime(2027, 2, 1, 12, tzinfo=UTC))
    assert "er omme" not in captions(await board.send("/rapport"))[0]
