"""A survey filled in by a caller during a phone round, and the district-chapter mapping sent in one
step with results per district showing where a pilot has enough people."""

from __future__ import annotations

from sqlalchemy import select

from bot.survey_buttons import CallSurvey, OpenSurvey, PickOption
from models import Campaign, Member, Survey, SurveyResponse, board_lists
from models import broadcast as bc
from models import phonebank as pb
from models import surveys as sv
from models.survey_spec import QuestionSpec, SurveySpec
from tests.helpers import tick
from tests.test_phonebank import callees, caller
from tests.test_surveys import board_member, person


async def linked_survey(db, *, anonymous: bool = False) -> int:
    async with db.session() as session:
        survey = await sv.create(session, SurveySpec("Ringerunde-spørsmål", [
            QuestionSpec("Vil du stå på stand?", sv.SINGLE, [("yes", "Ja"), ("no", "Nei")], "stand"),
            QuestionSpec("Hva er viktigst for deg?", sv.FREE_TEXT, [], "topic"),
        ], anonymous=anonymous), created_by=None)
        return survey.id


async def test_a_caller_fills_in_the_survey_during_the_call(db, app, make_user, clock):
    await callees(db, 2)
    board = await board_member(make_user, db)
    async with db.session() as session:
        campaign, _n = await pb.create_campaign(session, name="Ring før jul", purpose="x", scripts={"nb": "Hei! Dette er SV."},
                                                audience=bc.Audience(districts=["midtbyen"]), now=clock())
        campaign_id = campaign.id
    survey_id = await linked_survey(db)
    anonymous_id = await linked_survey(db, anonymous=True)

    # The board lets the phone round carry the survey, from the survey's card; an anonymous one cannot.
    await board.send("/undersokelse")
    await board.press(f"#{survey_id}")
    await board.press("📞 Ringerunde…")
    attached = await board.press("📞 Ring før jul")
    assert "har nå undersøkelse" in attached.text
    await board.send("/undersokelse")
    await board.press(f"#{anonymous_id}")
    refused = await board.press("📞 Ringerunde…")
    assert "anonym undersøkelse kan ikke fylles ut av ringere" in refused.text
    async with db.session() as session:
        assert (await session.get(Campaign, campaign_id)).survey_id == survey_id

    ringer = await caller(make_user, db)
    await ringer.send("/ringerunde")
    card = await ringer.press("📞 Neste samtale")
    assert "📋 Undersøkelse" in card.buttons
    opened = await ringer.press("📋 Undersøkelse")
    assert "Du fyller ut for Callee" in opened.text and "spørsmål 1 av 2" in opened.text
    name = opened.text.split("Du fyller ut for ")[1].split(",")[0]
    await ringer.press("Ja")
    saved = await ringer.send("Kollektivtrafikk")
    assert saved.text.startswith(f"📋 Lagret for {name}.")
    async with db.session() as session:
        response = await session.scalar(select(SurveyResponse))
        callee = await session.scalar(select(Member).where(Member.name == name))
        me = await session.scalar(select(Member).where(Member.telegram_id == ringer.user_id))
        assert (response.member_id, response.filled_by, response.completed_at is not None) == (callee.id, me.id, True)
    # Someone else cannot use the caller's buttons.
    other = await caller(make_user, db, phone="+4745100001")
    forged = await other.press_data(PickOption(response.id, 0, 1).pack())
    assert forged.alerts
    steal = await other.press_data(CallSurvey(1).pack())
    assert steal.alerts

    # Once the outcome is recorded the call is no longer held: the survey's buttons refuse.
    await ringer.press("🙂 Ikke nå")
    late = await ringer.press_data(PickOption(response.id, 0, 1).pack())
    assert late.alerts == ["Du har ikke denne samtalen lenger — den kan ha gått tilbake i køen."]
    async with db.session() as session:
        results = await sv.listing(session)
    assert {s.id: n for s, n in results}[survey_id] == 1

    # The answer is an audience for the next phone round: "answered yes to 'stand'" (a month later:
    # someone called in the last 30 days is not queued again).
    clock.advance(days=31)
    async with db.session() as session:
        _again, targets = await pb.create_campaign(
            session, name="Standvakter", purpose="x", scripts={"nb": "Hei igjen, dette er SV."}, now=clock(),
            audience=bc.Audience(answers={"survey": survey_id, "question": "stand", "options": ["yes"]}))
        assert targets == 1


async def test_the_district_chapter_mapping_end_to_end(db, app, make_user, clock):
    board = await board_member(make_user, db)
    east = [await person(make_user, db, f"Øst{n}", f"+479100000{n}", district="Østbyen") for n in range(6)]
    nynorsk = await person(make_user, db, "Heimdøl", "+4791000010", lang="nn", district="Heimdal")

    await board.send("/undersokelse")
    preview = await board.press("🏘 Send kartleggingen av bydelslag")
    assert "📋 Bydelslag der du bor?" in preview.texts[0] and "Mottakere: 7" in preview.texts[1]
    sent = await board.press("📣 Send undersøkelsen")
    assert "er på vei til 7 medlemmer" in sent.text
    await tick(app)
    # The same open mapping is reused, not made twice.
    await board.send("/undersokelse")
    await board.press("🏘 Send kartleggingen av bydelslag")
    async with db.session() as session:
        assert len(list(await session.scalars(select(Survey)))) == 1

    for n, user in enumerate(east):
        await user.press("📋 Svar")
        await user.press("Østbyen")
        await user.press("Ja" if n < 5 else "Kanskje")
        await user.press("Dørbanking")
        await user.press("Ferdig ▸")
        await user.press("Lede det" if n < 2 else "Hjelpe til av og til")
        done = await user.press("Hopp over ▸")
        assert "Takk!" in done.text
    first = await nynorsk.press("📋 Svar")
    assert "Kva bydel bur du i?" in first.text and "spørsmål 1 av 5" in first.text and "Kopla" in first.text
    await nynorsk.press("Heimdal")
    second_question = nynorsk.last_message().text
    assert "Vil du vere med på å starte eit bydelslag der du bur?" in second_question
    await nynorsk.press("Ja")

    await board.send("/undersokelse")
    await board.press("#1")
    shown = await board.press("📊 Resultater")
    assert "minst 5 som vil være med å starte det, og 2 som vil lede det" in shown.text
    assert "✅ Østbyen: 5 ja, 1 kanskje, 2 tar et verv (6 svarte)" in shown.text
    assert "▫️ Heimdal: 1 ja, 0 kanskje, 0 tar et verv (1 svarte)" in shown.text
    assert len(shown.method("sendPhoto")) == 2
    # Those who said yes are on the board's list of who wants to start a district chapter.
    async with db.session() as session:
        listed = await board_lists.district_chapter(session)
    assert sorted(e.member.name for e in listed) == sorted([f"Øst{n} Nordmann" for n in range(5)] + ["Heimdøl Nordmann"])
    # An answer after the mapping closed is refused.
    await board.send("/undersokelse")
    await board.press("#1")
    await board.press("🔒 Lukk")
    late = await east[5].press_data(OpenSurvey(1, True).pack())
    assert late.alerts == ["Denne undersøkelsen er lukket. Svar kan ikke lenger gis eller endres."]


async def test_answers_as_the_audience_of_a_new_phone_round_in_the_chat(db, app, make_user, clock):
    board = await board_member(make_user, db)
    survey_id = await linked_survey(db)
    async with db.session() as session:
        yes, no = (Member(name=n, phone=p, district="ostbyen", verified=True, language="nb")
                   for n, p in (("Ja-person", "+4793100000"), ("Nei-person", "+4793100001")))
        session.add_all([yes, no])
        await session.flush()
        survey = await sv.get(session, survey_id)
        await sv.mark_sent(session, survey, {}, clock())
        for member, index in ((yes, 0), (no, 1)):  # answered on paper and typed in by the board, say
            step = await sv.start(session, survey_id, member, clock())
            await session.execute(sv.SurveyAnswer.__table__.insert().values(
                response_id=step.response.id, question_id=step.questions[0].id, option=["yes", "no"][index]))
    await board.send("/undersokelse")
    await board.press(f"#{survey_id}")
    await board.press("🎯 Bruk svarene som mottakere")
    await board.press("1. Vil du stå på stand?")
    await board.press("Ja")
    await board.send("/nyringerunde")
    await board.send("Standvakter")
    await board.send("Finne folk til stand")
    await board.send("Hei! Dette er SV, vil du stå på stand?")
    audience = await board.press("Fortsett")
    assert "svarte «Ja» på «Vil du stå på stand?» (undersøkelse #" in audience.text
    await board.press("Fortsett")
    await board.press("Ingenting koblet til")
    await board.press("Medlemmer med ringerrollen")
    started = await board.press("✅ Start ringerunden")
    assert "er i gang med 1 person å ringe" in started.text
    async with db.session() as session:
        [target] = list(await session.scalars(select(pb.CallTarget)))
        assert target.member_id == yes.id


async def test_answers_as_the_audience_of_an_ask(db, app, make_user, clock):
    """The audience kept from a survey's answers is where the next ask's audience picker starts too."""
    board = await board_member(make_user, db)
    survey_id = await linked_survey(db)
    await board.send("/undersokelse")
    await board.press(f"#{survey_id}")
    await board.press("🎯 Bruk svarene som mottakere")
    await board.press("1. Vil du stå på stand?")
    saved = await board.press("Ja")
    assert "/nyttinnspill" in saved.text
    await board.send("/nyttinnspill")
    await board.press("💬 Spørsmål")
    await board.send("Standplasser i valgkampen")
    await board.send("Hvor bør vi stå på stand? Skriv gjerne sted og tid.")
    await board.press("Hopp over")
    picker = await board.send("10.12.2026 12:00")
    assert "svarte «Ja» på «Vil du stå på stand?» (undersøkelse #" in picker.text
