"""Asks for input, end to end in the chat: the board creates one, members answer (named, anonymous,
"not for me"), a reminder two days before the deadline, a partner answers through its link, and
the board gets the summary and every answer as files (simulated time)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models import Ask, AskAnswer, AskRecipient, Member, Partner
from models.membership import grant_role, member_by_telegram
from tests.helpers import count, onboard, tick


async def with_role(db, user, role):
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, user.user_id), role)


async def people(db, make_user):
    board = make_user(first_name="Siri", last_name="Styre", language_code="en")
    await onboard(board, phone="+4745000000", lang="en")
    await with_role(db, board, "board")
    members = []
    for n, (district, lang, interests) in enumerate([("Midtbyen", "nb", ("Dørbank",)), ("Midtbyen", "en", ()),
                                                     ("Heimdal", "nn", ("Kurs",))]):
        user = make_user(first_name=f"Medlem{n}", language_code=lang)
        await onboard(user, phone=f"+474600000{n}", lang=lang, district=district, interests=interests)
        async with db.session() as session:
            (await member_by_telegram(session, user.user_id)).verified = True
        members.append(user)
    return board, members


async def add_partner(board, name="Natur og Ungdom Trondheim"):
    listing = await board.send("/partners")
    assert "No partner organisations yet." in listing.text
    await board.press("➕ Add a partner")
    await board.send(name)
    await board.press("Environmental movement")
    await board.send("Ola Natur")
    added = await board.send("ola@nu.no")
    assert f"{name} is added." in added.text
    return added.text.split("\n")[-1]  # the link


async def create_ask(board, *, partners=True, title="Bussveien gjennom Midtbyen", deadline="2026-12-10 12:00"):
    await board.send("/newask")
    await board.press("💬 Question")
    await board.send(title)
    await board.send("Bystyret skal vedta traseen. Hva mener du?")
    await board.press("Skip")
    picker = await board.send(deadline)
    assert "Who should get it?" in picker.text and "🤝 Partner organisations: no" in picker.buttons
    if partners:
        await board.press("🤝 Partner organisations: no")
    return await board.press("Preview ▸")


async def test_an_ask_to_members_and_a_partner_end_to_end(db, app, api, make_user, clock):
    board, (kari, ola, nils) = await people(db, make_user)
    link = await add_partner(board)
    assert link.startswith("https://t.me/") and "?start=ask_" in link
    preview = await create_ask(board)
    assert preview.texts[0].startswith("💬 Question: Bussveien gjennom Midtbyen")
    assert "Members who get it: 3" in preview.texts[1] and "Partner organisations who get it: 1" in preview.texts[1]
    sent = await board.press("Send now")
    assert "Ask #1 is on its way to 3 members and 1 partner organisations." in sent.text
    await tick(app)
    for user in (kari, ola, nils):
        assert "Bussveien gjennom Midtbyen" in user.last_message().text
    assert "✍️ Answer" in [label for label, _ in ola.last_message().inline_buttons]

    # Ola answers twice (named, then anonymously); Kari says "not for me"; Nils does nothing.
    await ola.press("✍️ Answer")
    await ola.send("Bussen må gå i Olav Tryggvasons gate.")
    done = await ola.press("With my name")
    assert "Thank you! Your answer is stored." in done.text
    await ola.press("✍️ Answer")
    await ola.send("=HYPERLINK(\"http://x\")")
    await ola.press("Anonymously")
    await kari.press("Ikke for meg")
    async with db.session() as session:
        answers = list(await session.scalars(select(AskAnswer).order_by(AskAnswer.id)))
        assert [(a.member_id is None, a.anonymous, a.district) for a in answers] == [(False, False, "midtbyen"), (True, True, "midtbyen")]

    # Two days before the deadline: only Nils is reminded.
    before = {u.user_id: len(u.messages()) for u in (kari, ola, nils)}
    clock.set(datetime(2026, 12, 8, 13, 0, tzinfo=UTC))
    await tick(app)
    await tick(app)
    assert "⏰" in nils.last_message().text and "Bussveien" in nils.last_message().text
    assert len(kari.messages()) == before[kari.user_id] and len(ola.messages()) == before[ola.user_id]
    await tick(app)
    assert len(nils.messages()) == before[nils.user_id] + 1  # once
    await nils.press("✍️ Svar")
    too_long = await nils.send("x" * 3500)
    assert too_long.text == "Det er 3500 teikn; grensa er 3000. Kort ho ned og send ho på nytt."
    await nils.send("Eg vil ha buss til Heimdal.")
    stored_nn = await nils.press("Med namnet mitt")
    assert stored_nn.text.startswith("Takk! Svaret ditt er lagra.")
    stale = await nils.press_data("ask.how:1:named")  # the same choice pressed again
    assert stale.alerts and await count(db, AskAnswer) == 3

    # The partner's link: the organisation's open asks only; the answer after consent; no member made.
    guest = make_user(first_name="Nora", language_code="en")
    opened = await guest.send("/start " + link.split("?start=")[1])
    assert "Hello, Natur og Ungdom Trondheim!" in opened.text and "Welcome to lagbot" not in opened.text
    await guest.press("💬 Bussveien")
    await guest.send("Vi støtter traseen.")
    asked = guest.last_message().text
    assert "You do not become a member" in asked
    stored = await guest.press("Yes, store it")
    assert "The answer of Natur og Ungdom Trondheim is stored" in stored.text
    assert await member_by_telegram_none(db, guest.user_id)
    mine = await guest.send("/mydata")
    document = json.loads(next(iter(mine.method("sendDocument")[0].files.values())).decode("utf-8"))
    assert document["Your answers for a partner organisation"][0]["Organisation"] == "Natur og Ungdom Trondheim"

    # At the deadline: the ask closes, the board gets the summary and the answers as files.
    clock.set(datetime(2026, 12, 10, 11, 1, tzinfo=UTC))
    await tick(app)
    await tick(app)
    summary = last_with(board, "Answers:")
    assert "Answers: 4 from 2 of 3 members; 1 partner organisations." in summary and "Not for me: 1" in summary
    assert "By district: Midtbyen 2, Heimdal 1" in summary and "By interest: Courses 1" in summary
    files = await board.press("📎 All answers as files")
    documents = files.method("sendDocument")
    markdown = next(iter(documents[0].files.values())).decode("utf-8")
    table = next(iter(documents[1].files.values())).decode("utf-8-sig")
    assert "Medlem1 Nordmann" in markdown and "Natur og Ungdom Trondheim" in markdown and "anonymous" in markdown
    assert "'=HYPERLINK" in table and "\n=HYPERLINK" not in table
    late = await guest.send("/start " + link.split("?start=")[1])
    assert "There is no open question for you right now" in late.text

    # The partner's respondent erases their answer.
    await guest.send("/deleteme")
    await guest.press("Yes, erase my data")
    assert await count(db, AskAnswer) == 3


def last_with(user, text):
    return next(m.text for m in reversed(user.messages()) if text in m.text)


async def member_by_telegram_none(db, telegram_id):
    async with db.session() as session:
        return await member_by_telegram(session, telegram_id) is None


async def test_answers_in_my_data_and_erasure_keeps_anonymous_ones(db, app, api, make_user, clock):
    board, (_kari, ola, _nils) = await people(db, make_user)
    await create_ask(board, partners=False)
    await board.press("Send now")
    await tick(app)
    await ola.press("✍️ Answer")
    await ola.send("Med navn")
    await ola.press("With my name")
    await ola.press("✍️ Answer")
    await ola.send("Uten navn")
    await ola.press("Anonymously")
    mine = await ola.send("/mydata")
    document = json.loads(next(iter(mine.method("sendDocument")[0].files.values())).decode("utf-8"))
    assert [a["Text"] for a in document["Your answers to asks for input"]] == ["Med navn"]
    assert document["Asks for input you got"][0]["Ask"] == "Bussveien gjennom Midtbyen"
    await ola.send("/deleteme")
    await ola.press("Yes, erase my data")
    async with db.session() as session:
        assert [a.text for a in await session.scalars(select(AskAnswer))] == ["Uten navn"]
        ola_id = (await session.scalars(select(Member.id).where(Member.name.is_(None)))).first()
        assert await session.scalar(select(AskRecipient).where(AskRecipient.member_id == ola_id)) is None


async def test_close_early_extend_and_refusals(db, app, api, make_user, clock):
    board, (kari, ola, _nils) = await people(db, make_user)
    refused = await kari.send("/nyttinnspill")
    assert "Bare styret og programkomiteen" in refused.text or "Only the board" in refused.text
    await create_ask(board, partners=False)
    await board.press("Send now")
    await tick(app)
    # A forged Answer for an ask that does not exist, and a member's look at the board's list.
    forged = await kari.press_data("ask.ans:999")
    assert forged.alerts
    assert "Bare styret og programkomiteen kan se svar" in (await kari.send("/innspill")).text
    listing = await board.send("/asks")
    assert "#1 🟢 Bussveien" in listing.buttons[0]
    other = make_user(first_name="Anne", language_code="en")
    await onboard(other, phone="+4745000009", lang="en")
    await with_role(db, other, "board")
    await board.press("#1")
    closed = await board.press("🔒 Close now")
    assert "Ask #1 is closed." in closed.text
    seen = sum("Answers:" in m.text for m in board.messages())
    late = await ola.press("✍️ Answer")
    assert "This ask is closed" in late.alerts[0]
    await tick(app)
    assert "Answers: 0" in last_with(board, "Answers:") and "Answers: 0" in last_with(other, "Answers:")
    assert sum("Answers:" in m.text for m in board.messages()) == seen  # the one who closed it saw it already
    extended = await board.press("⏳ Extend by 7 days")
    assert "Ask #1 is open until" in extended.text
    async with db.session() as session:
        ask = await session.get(Ask, 1)
        assert ask.status == "open" and ask.deadline_at > clock()


async def test_a_programme_ask_with_a_pdf_by_the_programme_role(db, app, api, make_user, clock):
    _board, (kari, ola, nils) = await people(db, make_user)
    await with_role(db, ola, "programme")
    shown = (await ola.send("/help")).text
    assert "/newask — Ask members and partners for input" in shown and "/broadcast" not in shown
    start = await ola.send("/newask")
    assert start.buttons == ["📘 Programme chapter"]
    await ola.press("📘 Programme chapter")
    await ola.send("Kapittel 3: Bolig")
    await ola.send("Les utkastet og si hva som mangler.")
    wrong = await ola.send_document("bad1", mime_type="image/png")
    async with db.session() as session:  # taken away and given back from the command line mid-flow
        from models.membership import revoke_role

        await revoke_role(session, await member_by_telegram(session, ola.user_id), "programme")
    stopped = await ola.send_document("pdf-file-0")
    assert "You no longer have the role needed for “creating an ask”" in stopped.text
    await with_role(db, ola, "programme")
    await ola.send("/newask")
    await ola.press("📘 Programme chapter")
    await ola.send("Kapittel 3: Bolig")
    await ola.send("Les utkastet og si hva som mangler.")
    assert "PDF" in wrong.text
    await ola.send_document("pdf-file-1")
    await ola.send("2026-12-20 12:00")
    await ola.press("Districts")
    await ola.press("Heimdal")
    await ola.press("« Back")
    await ola.press("Preview ▸")
    await ola.press("Send now")
    await tick(app)
    assert "Kapittel 3: Bolig" in nils.last_message().text
    listing = await ola.send("/asks")
    assert [b for b in listing.buttons if b.startswith("#")] == ["#1 🟢 Kapittel 3: Bolig (0)"]
    got = await nils.press("📄")
    assert got.method("sendDocument")[0].params["document"] == "pdf-file-1"
    forged = await kari.press_data("ask.doc:1")
    assert forged.alerts and not forged.method("sendDocument")
    async with db.session() as session:
        assert (await session.get(Ask, 1)).file_id == "pdf-file-1"
    assert await count(db, Partner) == 0


async def test_a_council_matter_with_a_member_meeting(db, app, api, make_user, clock):
    from models.events import create_event

    board, (_kari, _ola, nils) = await people(db, make_user)
    start = datetime(2027, 3, 1, 17, 0, tzinfo=UTC)
    async with db.session() as session:
        meeting = await create_event(session, kind="member_meeting", title="Medlemsmøte om bussveien", starts_at=start,
                                     ends_at=start + timedelta(hours=2), place="Folkets hus", now=clock())
    await board.send("/newask")
    await board.press("🏛 Council matter")
    wrong = await board.send("31.04.2027")
    assert "There is no 31.04.2027 in the calendar" in wrong.text
    offered = await board.send("12.03.2027")
    assert "Is there a member meeting for input on it?" in offered.text
    await board.press("Medlemsmøte om bussveien")
    await board.send("Bussveien")
    await board.send("Traseen skal vedtas.")
    not_link = await board.send("bare tekst")
    assert "That is not a link." in not_link.text
    await board.send("https://trondheim.kommune.no/sak/1")
    await board.send("2027-03-10 12:00")
    await board.press("Preview ▸")
    await board.press("Send now")
    await tick(app)
    got = nils.last_message()
    assert got.text.startswith("🏛 Bystyresak: Bussveien") and "I bystyret" in got.text and "Svar innan" in got.text
    assert "https://trondheim.kommune.no/sak/1" in got.text
    assert "📅 Medlemsmøtet" in [label for label, _ in got.inline_buttons]
    async with db.session() as session:
        ask = await session.get(Ask, 1)
        assert (ask.kind, ask.event_id, ask.meeting_on.isoformat()) == ("council", meeting.id, "2027-03-12")


async def test_the_reminder_and_the_summary_survive_a_restart(db, settings, api, app, make_user, clock):
    """The ask is stored before the bot restarts; the new process reminds and summarises from the database."""
    from bot.app import build_application
    from models import asks as ak
    from models import broadcast as bc
    from tests.harness import FakeUser

    board, (_kari, _ola, nils) = await people(db, make_user)
    async with db.session() as session:
        await ak.create_and_send(session, ak.Draft(kind="general", title="Sommerfest?", body="Hvor?",
                                                   deadline_at=datetime(2026, 12, 3, 12, 0, tzinfo=UTC),
                                                   audience=bc.Audience(districts=["heimdal"])),
                                 author_id=None, now=clock(), weekly_cap=settings.weekly_cap)
    await tick(app)
    restarted = build_application(settings, db, request=api, clock=clock)
    await restarted.initialize()
    try:
        clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
        await tick(restarted)
        await tick(restarted)
        assert nils.last_message().text.startswith("⏰ Påminning: fristen er")
        clock.set(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
        await tick(restarted)
        await tick(restarted)
        assert "Answers: 0 from 0 of 1 members" in last_with(FakeUser(restarted, api, board.user_id), "Answers:")
    finally:
        await restarted.shutdown()


async def test_an_ask_keeps_quiet_hours_and_preferences(db, settings, app, make_user, clock):
    from models import asks as ak
    from models import broadcast as bc

    _board, (kari, _ola, nils) = await people(db, make_user)
    await kari.send("stopp")
    before = {u.user_id: len(u.messages()) for u in (kari, nils)}
    clock.set(datetime(2026, 11, 27, 22, 30, tzinfo=UTC))  # 23:30 in Oslo
    async with db.session() as session:
        _ask, members, _partners = await ak.create_and_send(
            session, ak.Draft(kind="general", title="Nattspørsmål", body="Hva mener du?", deadline_at=datetime(2026, 12, 5, 12, 0, tzinfo=UTC),
                              audience=bc.Audience(districts=["midtbyen", "heimdal"])),
            author_id=None, now=clock(), weekly_cap=settings.weekly_cap)
    assert members == 2  # Kari turned messages from the board off
    await tick(app)
    assert len(nils.messages()) == before[nils.user_id]
    clock.set(datetime(2026, 11, 28, 8, 1, tzinfo=UTC))  # 09:01
    await tick(app)
    assert "Nattspørsmål" in nils.last_message().text and len(kari.messages()) == before[kari.user_id]
