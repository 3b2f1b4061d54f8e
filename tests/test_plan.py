"""/rapport and `python -m bot report`: the plan's goals this year and next, across a year boundary."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.reports import plan as report
from bot.survey_messages import mapping_spec
from models import events as ev
from models import rounds as rd
from models import surveys as sv
from models.membership import grant_role, member_by_telegram
from models.round_tables import DoorInput
from models.survey_tables import SurveyAnswer, SurveyResponse
from tests.helpers import came, onboard

AUGUST = datetime(2026, 8, 1, 12, 0, tzinfo=UTC)
DECEMBER = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
JANUARY = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)


async def board_member(db, make_user, lang: str = "nb", k: int = 0):
    user = make_user(first_name=f"Styre{k}", language_code=lang)
    await onboard(user, phone=f"+47481{k:05d}", lang=lang)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, user.user_id), "board")
    return user


async def a_year_of_work(db, clock, *, someone_comes: bool = True) -> None:
    """Made in August 2026: two rounds held in the autumn, one planned in January 2027 with LO; one voter-contact
    course held, two study circles of kind course (untagged), an open meeting with the movements in February.
    Someone comes to each (held = someone was there, models/held.py) unless `someone_comes` is False."""
    clock.set(AUGUST)
    made = []
    async with db.session() as session:
        for start in (datetime(2026, 9, 12, 10, tzinfo=UTC), datetime(2026, 10, 10, 10, tzinfo=UTC),
                      datetime(2027, 1, 9, 10, tzinfo=UTC)):
            made.append(await rd.create_round(session, title="Dørbank", district="ostbyen", starts_at=start, ends_at=start + timedelta(hours=3),
                                  meeting_point="Lade kirke", capacity=5, now=clock(), teams=[(None, 5)],
                                  partner="LO Trondheim" if start.year == 2027 else None))
        events = [("course", ["voter_course"], datetime(2026, 9, 20, 10, tzinfo=UTC)),
                  ("course", [], datetime(2026, 10, 1, 16, tzinfo=UTC)), ("course", [], datetime(2026, 11, 1, 16, tzinfo=UTC)),
                  ("open_meeting", ["movements_meeting"], datetime(2027, 2, 4, 17, tzinfo=UTC))]
        for kind, tags, start in events:
            made.append(await ev.create_event(session, kind=kind, title="Noe", starts_at=start, ends_at=start + timedelta(hours=2),
                                              place="Folkets hus", now=clock(), tags=tags))
        if someone_comes:
            await came(session, *made)


def captions(exchange) -> list[str]:
    photos = exchange.method("sendPhoto")
    assert all(next(iter(p.files.values())).startswith(b"\x89PNG") for p in photos)
    return [p.text for p in photos]


def test_the_palette_is_okabe_ito():
    assert list(report.OKABE_ITO.values()) == ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
                                               "#000000"]


async def test_rapport_across_the_year_boundary_counts_only_tagged_courses(db, app, make_user, clock):
    await a_year_of_work(db, clock)
    clock.set(DECEMBER)
    board = await board_member(db, make_user)
    rounds, courses, welcome, ahead, districts, found = captions(await board.send("/rapport"))
    assert rounds.split("\n")[1:5] == [
        "Dørbankrunder 2026: 2 holdt, 0 planlagt av 10. Planlegg 8 til; neste hull: desember 2026.",
        "Runder med en samarbeidsorganisasjon 2026: 0 holdt, 0 planlagt av 1. Planlegg 1 til; neste hull: desember 2026.",
        "Dørbankrunder 2027: 0 holdt, 1 planlagt av 10. Planlegg 9 til; neste hull: januar 2027.",
        "Runder med en samarbeidsorganisasjon 2027: 0 holdt, 1 planlagt av 1."]
    assert "Kurs i direkte velgerkontakt 2026: 1 holdt, 0 planlagt av 2. Planlegg 1 til" in courses  # not the study circles
    assert "Åpent møte med bevegelsene 2027: 0 holdt, 1 planlagt av 1.\n" in courses
    assert welcome.startswith("👋 Velkomstsamtaler 2026")
    assert "⚠️ Hull: ingenting planlagt på 33 dager fra" in ahead  # 4 February to the end of the 90 days
    assert "Ingen kartlegging ennå: send den fra /undersokelse med «🏘 Send kartleggingen av bydelslag»." in districts
    assert "Innspill fra dørene: 0. Svar på innspillsrunder: 0." in found

    clock.set(JANUARY)  # the January round is held: 2027 is this year now
    rounds, courses, _welcome, ahead, _districts, _found = captions(await board.send("/rapport"))
    assert "Dørbankrunder 2027: 1 holdt, 0 planlagt av 10. Planlegg 9 til; neste hull: februar 2027." in rounds
    assert "Dørbankrunder 2028: 0 holdt, 0 planlagt av 10." in rounds
    assert "Runder med en samarbeidsorganisasjon 2027: 1 holdt, 0 planlagt av 1.\n" in rounds
    assert "Kurs i direkte velgerkontakt 2027: 0 holdt, 0 planlagt av 2. Planlegg 2 til" in courses
    assert "⚠️ Hull: ingenting planlagt på 69 dager fra" in ahead


@pytest.mark.parametrize(("lang", "command", "expected"), [
    ("nn", "/rapport", ["Dørbankrundar 2026: 2 haldne, 0 planlagde av 10. Planlegg 8 til; neste hol: desember 2026.",
                        "Kurs i direkte veljarkontakt 2026: 1 haldne", "📅 Planlagt framover", "⚠️ Hol: ingenting planlagt på 33 dagar"]),
    ("en", "/report", ["Door-knocking rounds 2026: 2 held, 0 planned of 10. Plan 8 more; next gap: December 2026.",
                       "Course in direct voter contact 2026: 1 held", "📅 Planning ahead", "⚠️ Gap: nothing planned for 33 days"]),
])
async def test_rapport_reads_in_the_members_language(db, app, make_user, clock, lang, command, expected):
    await a_year_of_work(db, clock)
    clock.set(DECEMBER)
    board = await board_member(db, make_user, lang)
    text = "\n".join(captions(await board.send(command)))
    for line in expected:
        assert line in text


async def test_rapport_is_for_the_board(db, app, make_user, clock):
    member = make_user(first_name="Medlem", language_code="nb")
    await onboard(member, phone="+4748199999")
    refused = await member.send("/rapport")
    assert refused.text.startswith("Bare medlemmer med rollen «styret»") and not refused.method("sendPhoto")


async def test_a_gap_is_named_and_a_full_plan_is_not(db, app, make_user, clock):
    board = await board_member(db, make_user)
    async with db.session() as session:  # something every 20 days for the coming 90: no gap
        for n in range(1, 6):
            start = clock() + timedelta(days=20 * n - 10)
            await ev.create_event(session, kind="social", title="Pub", starts_at=start, ends_at=start + timedelta(hours=2),
                                  place="Tapperiet", now=clock())
    ahead = captions(await board.send("/rapport"))[3]
    assert "Noe er planlagt minst hver tredje uke de neste 90 dagene." in ahead


@pytest.mark.slow
async def test_the_command_line_writes_the_same_figures(db, app, make_user, clock, database_url, monkeypatch, tmp_path):
    from tests.test_register import run_cli

    await a_year_of_work(db, clock)
    clock.set(DECEMBER)
    board = await board_member(db, make_user)
    chat = captions(await board.send("/rapport"))
    monkeypatch.setattr("bot.cli.report.utcnow", clock)
    assert await asyncio.to_thread(run_cli, monkeypatch, database_url, "report", "--year", "2026", "--out", str(tmp_path)) == 0
    written = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert written.startswith("# Arbeidsplanen 2026")
    for section in chat:
        head, *lines = section.split("\n")
        assert f"## {head}" in written
        for line in lines:
            assert f"- {line}" in written
    for key in ("rounds", "courses", "welcome", "ahead", "districts", "input"):
        assert (tmp_path / f"{key}.png").read_bytes().startswith(b"\x89PNG")
        assert f"({key}.png)" in written


async def test_the_board_tags_an_existing_event_and_the_report_counts_it(db, app, make_user, clock):
    board = await board_member(db, make_user)
    member = make_user(first_name="Medlem", language_code="nb")
    await onboard(member, phone="+4748199998")
    start = clock() + timedelta(days=5)
    async with db.session() as session:
        event = await ev.create_event(session, kind="course", title="Kurs", starts_at=start, ends_at=start + timedelta(hours=2),
                                      place="Folkets hus", now=clock())
    assert "Kurs i direkte velgerkontakt 2026: 0 holdt, 0 planlagt av 2." in captions(await board.send("/rapport"))[1]
    await board.send("/arrangementer")
    await board.press("⚙️ Administrer arrangementer")
    shown = await board.press("🎯 Mål i arbeidsplanen (styret)")
    assert shown.text.startswith("Hvilke av målene i arbeidsplanen hører «Kurs» til?")
    refused = await member.press_data(f"ev.tag:{event.id}:voter_course", board.last_message())
    assert refused.alerts[0].startswith("Bare styret bestemmer hvilke av målene i arbeidsplanen")
    forged = await board.press_data(f"ev.tag:{event.id}:marxism", board.last_message())
    assert forged.alerts
    ticked = await board.press("▫️ Kurs i direkte velgerkontakt")
    assert "✅ Kurs i direkte velgerkontakt" in ticked.method("editMessageReplyMarkup")[0].buttons
    async with db.session() as session:
        assert (await ev.get_event(session, event.id)).tags == ["voter_course"]
    assert "Kurs i direkte velgerkontakt 2026: 0 holdt, 1 planlagt av 2." in captions(await board.send("/rapport"))[1]


async def test_district_chapters_and_input_by_theme_and_district(db, app, make_user, clock):
    await a_year_of_work(db, clock)
    clock.set(DECEMBER)
    board = await board_member(db, make_user)
    async with db.session() as session:
        survey = await sv.create(session, mapping_spec(), created_by=None, kind=sv.MAPPING)
        questions = {q.key: q for q in await sv.questions_of(session, survey.id)}
        for n in range(6):  # Østbyen: five yes, one maybe, two will lead: ready for a pilot
            response = SurveyResponse(survey_id=survey.id, respondent_key=f"k{n}", district="ostbyen")
            session.add(response)
            await session.flush()
            session.add_all([SurveyAnswer(response_id=response.id, question_id=questions["interest"].id, option="yes" if n < 5 else "maybe"),
                             SurveyAnswer(response_id=response.id, question_id=questions["role"].id, option="lead" if n < 2 else "help")])
        me = await member_by_telegram(session, board.user_id)
        round_id = (await rd.all_rounds(session))[0].id
        for theme, district in (("housing", "ostbyen"), ("housing", "heimdal"), ("transport", "ostbyen")):
            session.add(DoorInput(round_id=round_id, member_id=me.id, district=district, theme=theme, text="…", created_at=clock()))
    districts, found = captions(await board.send("/rapport"))[4:]
    assert "Klare for et pilotlag: 1 av målet på 2." in districts
    assert "• Østbyen: 5 vil hjelpe, 1 kanskje, 2 tar et verv ✅" in districts
    assert "• Heimdal: 0 vil hjelpe, 0 kanskje, 0 tar et verv" in districts
    assert "Innspill fra dørene: 3. Svar på innspillsrunder: 0." in found
    assert "Ved dørene: Bolig 2, Samferdsel 1" in found


async def test_welcome_calls_in_time_late_and_open_by_month(db, app, make_user, clock):
    from models import Member
    from models import plan as pl
    from models.welcome import WelcomeTask

    clock.set(DECEMBER)
    board = await board_member(db, make_user)
    async with db.session() as session:
        people = [Member(name=f"Ny{k}", telegram_id=3_000_000_000 + k, language="nb") for k in range(4)]
        session.add_all(people)
        await session.flush()
        joined = [datetime(2026, 10, 5, tzinfo=UTC), datetime(2026, 10, 6, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC),
                  datetime(2026, 12, 5, tzinfo=UTC)]
        contacted = [joined[0] + timedelta(days=3), joined[1] + timedelta(days=20), None, None]
        for person, day, contact in zip(people, joined, contacted, strict=True):
            session.add(WelcomeTask(member_id=person.id, joined_at=day, due_at=day + timedelta(days=14), first_contact_at=contact))
    async with db.session() as session:
        figures = await pl.plan(session, clock())
    assert figures.welcome_by_month == {10: (1, 1, 0), 11: (0, 1, 0), 12: (0, 0, 1)}
    welcome = captions(await board.send("/rapport"))[2]
    assert "Nye medlemmer: 4. Innen 14 dager: 1 (25 %), for sent: 2, ikke forfalt ennå: 1." in welcome
    assert "På etterskudd: ring dem som venter lengst først (/velkomst)." in welcome
