"""Surveys end to end through the chat: the board writes one and sends it, members answer one question
at a time (resumable, changeable until it closes, a closed one refuses), results for the board,
answers as an audience, /mine_data and /slett_meg."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from bot.survey_buttons import GoOn, OpenSurvey, PickOption
from models import OutboxMessage, SurveyAnswer, SurveyResponse
from models import broadcast as bc
from models import surveys as sv
from models.membership import grant_role, member_by_telegram
from tests.helpers import onboard, tick


async def role(db, user, name: str) -> None:
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, user.user_id), name)


async def person(make_user, db, first_name: str, phone: str, *, lang: str = "nb", district: str = "Midtbyen"):
    """A member on Telegram, verified as if found in the register."""
    user = make_user(first_name=first_name, language_code=lang)
    await onboard(user, phone=phone, lang=lang, district=district)
    async with db.session() as session:
        (await member_by_telegram(session, user.user_id)).verified = True
    return user


async def sent_to_everyone(db, survey_id: int, now) -> None:
    """As if the board had sent it to everyone (where sending is not what a test is about)."""
    async with db.session() as session:
        await sv.mark_sent(session, await sv.get(session, survey_id), {}, now)


async def board_member(make_user, db, *, lang="nb"):
    board = make_user(first_name="Styre", language_code=lang)
    await onboard(board, phone="+4745100009", lang=lang)
    await role(db, board, "board")
    return board


async def write_survey(board, *, anonymous: bool = False) -> int:
    """The board writes a four-question survey in the chat (nb) and creates it; returns its id."""
    await board.send("/nyundersokelse")
    await board.send("Valgkampen 2027")
    await board.press("🔒 Anonym" if anonymous else "👤 Koblet")
    await board.send("Vil du være med i valgkampen?")
    await board.press("Ett valg")
    await board.send("Ja\nKanskje\nNei")
    await board.press("➕ Et spørsmål til")
    await board.send("Hva vil du gjøre?")
    await board.press("Flere valg")
    await board.send("Dørbank\nRinge\nStand")
    await board.press("➕ Et spørsmål til")
    await board.send("Hvor bor du?")
    await board.press("Bydel")
    await board.press("➕ Et spørsmål til")
    await board.send("Noe mer?")
    await board.press("Fritekst")
    summary = await board.press("✅ Ferdig")
    assert "Valgkampen 2027" in summary.text and "• Kanskje" in summary.text
    created = await board.press("✅ Opprett undersøkelsen")
    assert "Undersøkelse #" in created.text
    return int(created.text.split("#")[1].split(" ")[0])


async def test_a_survey_by_chat_end_to_end(db, app, make_user, clock):
    board = await board_member(make_user, db)
    survey_id = await write_survey(board)
    kari = await person(make_user, db, "Kari", "+4791234567", district="Midtbyen")
    ola = await person(make_user, db, "Ola", "+4791234568", lang="nn", district="Østbyen")
    elsewhere = await person(make_user, db, "Per", "+4791234569", district="Heimdal")

    await board.send("/undersokelse")
    await board.press(f"#{survey_id}")
    await board.press("📣 Send…")
    await board.press("Midtbyen")
    preview = board.messages()[-2:]
    assert "Mottakere: 1" in preview[1].text and "👤 Koblet" in preview[0].text
    sent = await board.press("📣 Send undersøkelsen")
    assert "er på vei til 1 medlem (" in sent.text
    await tick(app)
    invitation = kari.last_message()
    assert invitation.text.startswith("📋 Valgkampen 2027") and "navnet ditt" in invitation.text
    assert not [m for m in elsewhere.messages() + ola.messages() if "Valgkampen" in m.text]  # not in Midtbyen
    async with db.session() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "survey.invite"))
        assert (row.kind, row.urgent, row.status) == ("broadcast", False, "sent")

    first = await kari.press("📋 Svar")
    assert "spørsmål 1 av 4" in first.text and "Vil du være med i valgkampen?" in first.text
    second = await kari.press("Ja")
    assert "spørsmål 2 av 4" in second.text
    await kari.press("Dørbank")
    toggled = await kari.press("Stand")
    assert "✅ Dørbank" in toggled.buttons and "✅ Stand" in toggled.buttons
    await kari.press("Ferdig ▸")
    # She stops here; the place is in the database: opening the survey again resumes at question 3.
    await kari.send("/avbryt")
    resumed = await kari.press_data(OpenSurvey(survey_id, False).pack())
    assert "spørsmål 3 av 4" in resumed.text
    await kari.press("Midtbyen")
    long = await kari.send("x" * 1001)
    assert "grensen er 1000" in long.text
    done = await kari.send("Jeg kan stå på stand i desember.")
    assert "Takk! Svarene dine er lagret" in done.text

    # Changed until it closes: back to question 1, answer "Kanskje".
    await kari.press("✏️ Endre svarene mine")
    await kari.press("Kanskje")
    async with db.session() as session:
        response = await session.scalar(select(SurveyResponse))
        member = await member_by_telegram(session, kari.user_id)
        assert response.member_id == member.id and response.completed_at is not None and response.filled_by is None
        options = sorted(a.option or a.text for a in await session.scalars(select(SurveyAnswer)))
        assert options == ["Jeg kan stå på stand i desember.", "midtbyen", "o1", "o2", "o3"]

    # Results for the board: text per option and district, a chart, the free text as Markdown and CSV.
    await board.send("/undersokelse")
    await board.press(f"#{survey_id}")
    results = await board.press("📊 Resultater")
    assert "• Kanskje: 1 (Midtbyen 1)" in results.text and "• Ja: 0" in results.text
    assert "1 skrevet svar (se filen)" in results.text  # one answer, singular
    assert results.method("sendPhoto")
    markdown, csv_file = (c.files["document"].decode("utf-8-sig") for c in results.method("sendDocument"))
    assert "## Noe mer?" in markdown and "Kari Nordmann" in markdown
    assert csv_file.startswith("Spørsmål;Bydel;Navn;Svar") and "Jeg kan stå på stand i desember." in csv_file

    # A member cannot see results or forge a results button.
    refused = await kari.press_data(f"sv.act:{survey_id}:results")
    assert refused.alerts == ["Bare medlemmer med rollen «styret» kan gjøre det. Spør styret hvis du mener du burde ha den."]

    # Closed: no more answers, said clearly, nothing changes.
    await board.send("/undersokelse")
    await board.press(f"#{survey_id}")
    closed = await board.press("🔒 Lukk")
    assert "er lukket" in closed.text
    late = await kari.press_data(PickOption(response.id, 0, 0).pack())
    assert late.alerts == ["Denne undersøkelsen er lukket. Svar kan ikke lenger gis eller endres."]
    async with db.session() as session:
        assert await session.scalar(select(SurveyAnswer.option).join(SurveyResponse).where(SurveyAnswer.question_id.is_not(None))
                                    .order_by(SurveyAnswer.id).limit(1)) is not None
        first_answer = [a.option for a in await session.scalars(select(SurveyAnswer).order_by(SurveyAnswer.id))]
    assert "o1" not in first_answer[-1:]  # the press after closing stored nothing new


async def test_answers_in_my_data_and_erased_with_the_member(db, app, make_user, clock):
    board = await board_member(make_user, db)
    linked = await write_survey(board)
    anonymous = await write_survey(board, anonymous=True)
    kari = await person(make_user, db, "Kari", "+4791234567")
    for survey_id in (linked, anonymous):
        await sent_to_everyone(db, survey_id, clock())
    for survey_id in (linked, anonymous):
        opened = await kari.press_data(OpenSurvey(survey_id, False).pack())
        assert ("🔒 Anonym" in opened.text) == (survey_id == anonymous)
        await kari.press("Ja")
    exported = await kari.send("/mine_data")
    data = json.loads(exported.method("sendDocument")[0].files["document"])
    [answer] = data["Dine svar på undersøkelser"]
    assert answer["Undersøkelse"] == "Valgkampen 2027" and answer["Ditt svar"] == "Ja"
    await kari.send("/slett_meg")
    await kari.press("Ja, slett dataene mine")
    async with db.session() as session:
        responses = list(await session.scalars(select(SurveyResponse)))
    assert len(responses) == 1 and responses[0].survey_id == anonymous
    assert responses[0].member_id is None and responses[0].respondent_key is None  # stays, unlinked


async def test_answers_as_an_audience_for_a_broadcast(db, app, make_user, clock):
    board = await board_member(make_user, db)
    survey_id = await write_survey(board)
    yes = await person(make_user, db, "Kari", "+4791234567", district="Østbyen")
    no = await person(make_user, db, "Ola", "+4791234568", district="Østbyen")
    yes_west = await person(make_user, db, "Per", "+4791234569", district="Heimdal")
    await sent_to_everyone(db, survey_id, clock())
    for user, label in ((yes, "Ja"), (no, "Nei"), (yes_west, "Ja")):
        await user.press_data(OpenSurvey(survey_id, False).pack())
        await user.press(label)
    await board.send("/undersokelse")
    await board.press(f"#{survey_id}")
    await board.press("🎯 Bruk svarene som mottakere")
    await board.press("1. Vil du være med")
    saved = await board.press("Ja")
    assert "svarte «Ja» på «Vil du være med i valgkampen?»" in saved.text
    await board.send("/utsending")
    picker = await board.send("Vi starter bydelslag i Østbyen!")
    assert "svarte «Ja»" in picker.text
    await board.press("Bydeler")
    await board.press("Østbyen")
    await board.press("« Tilbake")
    preview = await board.press("Forhåndsvis ▸")
    assert "Mottakere: 1" in preview.text
    sent = await board.press("Send nå")
    assert sent
    await tick(app)
    assert any("bydelslag i Østbyen" in m.text for m in yes.messages())
    assert not any("bydelslag i Østbyen" in m.text for m in no.messages() + yes_west.messages())
    async with db.session() as session:
        audience = bc.Audience.parse(f"answer={survey_id}.q1.o1,district=ostbyen")
        members = list(await session.scalars(bc.audience_query(audience, clock())))
        assert [m.name for m in members] == ["Kari Nordmann"]


async def test_stale_and_forged_survey_buttons(db, app, make_user, clock):
    board = await board_member(make_user, db)
    survey_id = await write_survey(board)
    kari = await person(make_user, db, "Kari", "+4791234567")
    ola = await person(make_user, db, "Ola", "+4791234568")
    not_sent = await kari.press_data(OpenSurvey(survey_id, False).pack())
    assert not_sent.alerts == ["Denne undersøkelsen ble ikke sendt til deg."]
    await sent_to_everyone(db, survey_id, clock())
    await kari.press_data(OpenSurvey(survey_id, False).pack())
    async with db.session() as session:
        response = await session.scalar(select(SurveyResponse))
    # Ola presses Kari's button: refused, nothing stored.
    forged = await ola.press_data(PickOption(response.id, 0, 0).pack())
    assert forged.alerts and "virker ikke lenger" in forged.alerts[0]
    out_of_range = await kari.press_data(PickOption(response.id, 0, 7).pack())
    assert out_of_range.alerts
    beyond = await kari.press_data(GoOn(response.id, 9, True).pack())
    assert beyond.alerts
    missing = await kari.press_data(OpenSurvey(999_999, False).pack())
    assert missing.alerts
    async with db.session() as session:
        assert list(await session.scalars(select(SurveyAnswer))) == []
    # On a question with buttons no conversation holds the chat: "stopp" still turns off board messages.
    await kari.send("stopp")
    async with db.session() as session:
        assert (await member_by_telegram(session, kari.user_id)).wants_broadcasts is False
    member_tries = await kari.send("/nyundersokelse")
    assert "styret" in member_tries.text.lower()
    async with db.session() as session:
        assert len(await sv.listing(session)) == 1


async def test_quiet_hours_hold_a_survey_invitation(db, app, make_user, clock):
    board = await board_member(make_user, db)
    survey_id = await write_survey(board)
    kari = await person(make_user, db, "Kari", "+4791234567")
    clock.set(datetime(2026, 11, 27, 22, 0, tzinfo=UTC))  # 23:00 in Oslo
    await board.send("/undersokelse")
    await board.press(f"#{survey_id}")
    await board.press("📣 Send…")
    await board.press("Alle")
    await board.press("📣 Send undersøkelsen")
    await tick(app)
    assert not [m for m in kari.messages() if m.text.startswith("📋 Valgkampen")]
    clock.advance(hours=10)
    await tick(app)
    assert [m for m in kari.messages() if m.text.startswith("📋 Valgkampen")]


async def test_a_revoked_board_role_stops_closing_and_sending(db, app, make_user, clock):
    board = await board_member(make_user, db)
    survey_id = await write_survey(board)
    await board.send("/undersokelse")
    await board.press(f"#{survey_id}")
    async with db.session() as session:
        from models.membership import revoke_role

        await revoke_role(session, await member_by_telegram(session, board.user_id), "board")
    refused = await board.press("🔒 Lukk")
    assert refused.alerts and "«styret»" in refused.alerts[0]
    refused_send = await board.press_data(f"sv.to:{survey_id}:all:1")
    assert refused_send.alerts
    async with db.session() as session:
        survey = await sv.get(session, survey_id)
        assert (survey.status, survey.sent_at) == (sv.OPEN, None)
