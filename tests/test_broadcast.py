"""A board member broadcasts to a segment, end to end in the chat; members receive and reply."""

from __future__ import annotations

from datetime import UTC, datetime

from models import Broadcast, BroadcastReply, OutboxMessage
from models import broadcast as bc
from models.membership import grant_role, member_by_telegram, set_language
from tests.helpers import count, onboard, stored, tick


async def board_member(db, make_user, **kwargs):
    user = make_user(first_name="Siri", last_name="Styre", **kwargs)
    await onboard(user, phone="+4745000000", lang=kwargs.get("language_code", "nb") if kwargs.get("language_code") in ("nb", "nn", "en") else "nb")
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, user.user_id), "board")
    return user


async def members(db, make_user):
    """Three in Midtbyen (one English-speaking, one who said stop), one in Heimdal."""
    people = []
    for n, (district, lang) in enumerate([("Midtbyen", "nb"), ("Midtbyen", "en"), ("Midtbyen", "nb"), ("Heimdal", "nb")]):
        user = make_user(first_name=f"Medlem{n}", language_code=lang)
        await onboard(user, phone=f"+474600000{n}", lang=lang, district=district)
        async with db.session() as session:
            member = await member_by_telegram(session, user.user_id)
            member.verified = True  # as if found in the register
        people.append(user)
    await people[2].send("stopp")
    return people


async def test_board_broadcasts_to_a_district_end_to_end(db, app, api, make_user, clock):
    people = await members(db, make_user)
    board = await board_member(db, make_user)
    before = {p.user_id: len(p.messages()) for p in people}

    asked = await board.send("/utsending")
    assert "Skriv meldingen medlemmene skal få" in asked.text
    picker = await board.send("Vi trenger folk på dørbank lørdag! Meld deg på i boten.")
    assert "Målgruppe: alle" in picker.text
    await board.press("Bydeler", exact=True)
    chosen = await board.press("Midtbyen")
    assert "Målgruppe: Midtbyen" in chosen.method("editMessageText")[0].text
    await board.press("« Tilbake")
    preview = await board.press("Forhåndsvis ▸")
    shown, summary = preview.texts[0], preview.texts[1]
    assert shown.startswith("Vi trenger folk på dørbank lørdag!") and "Svar «stopp»" in shown
    assert "Mottakere: 2" in summary and "Treff i målgruppen: 3" in summary
    assert "– har slått av meldinger fra styret: 1" in summary

    sent = await board.press("Send nå")
    assert "Utsending #1: Sender …" in sent.text and "Venter: 2" in sent.text
    async with db.session():
        assert await count(db, OutboxMessage) == 2
    await tick(app)
    assert people[0].messages()[-1].text.startswith("Vi trenger folk på dørbank lørdag!")
    assert people[1].messages()[-1].text.endswith("Reply “stop” to get no more messages like this.")
    assert len(people[2].messages()) == before[people[2].user_id]  # said stop
    assert len(people[3].messages()) == before[people[3].user_id]  # Heimdal
    status = board.api.find(board.chat_id, sent.calls[-1].result["message_id"])
    assert status.text.startswith("Utsending #1: Ferdig.") and "Sendt: 2" in status.text

    # Text that is not a reply is not passed on; a Telegram reply to the broadcast is, at any time.
    loose = await people[0].send("Jeg kan komme!")
    assert "Bruk knappene i menyen under" in loose.text and await count(db, BroadcastReply) == 0
    clock.advance(days=2)
    broadcast_message = next(m for m in people[0].messages() if m.text.startswith("Vi trenger folk på dørbank lørdag!"))
    answer = await people[0].reply_to(broadcast_message, "Jeg kan komme!")
    assert answer.text == "Takk! Svaret ditt er sendt videre til styret."
    assert await count(db, BroadcastReply) == 1
    listing = await board.send("/utsending status")
    assert "#1 ·" in listing.text and "sendt 2" in listing.text and "svar 1" in listing.text
    replies = await board.send("/utsending svar")
    assert "#1 · Medlem0 Nordmann: Jeg kan komme!" in replies.text
    # The Reply button under the broadcast: the next text goes to the board.
    await people[1].press("↩️ Reply to the board")
    assert (await people[1].send("Count me in")).text == "Thank you! Your reply has been passed on to the board."
    assert await count(db, BroadcastReply) == 2
    # The board member who wrote the broadcast is told of each reply (it said “passed on to the board”).
    await tick(app)
    told = [m.text for m in board.messages() if m.text.startswith("↩️")]
    assert told == ["↩️ Medlem0 Nordmann svarte på utsending #1:\nJeg kan komme!\n\nAlle svar: /utsending svar",
                    "↩️ Medlem1 Nordmann svarte på utsending #1:\nCount me in\n\nAlle svar: /utsending svar"], told
    # A reply to some other message of the bot is not for the board.
    menu = people[0].messages()[0]
    other = await people[0].reply_to(menu, "Hei igjen")
    assert "Bruk knappene i menyen under" in other.text
    assert await count(db, BroadcastReply) == 2


async def test_scheduled_broadcast_goes_out_at_its_time(db, app, make_user, clock):
    people = await members(db, make_user)
    board = await board_member(db, make_user)
    await board.send("/broadcast")
    await board.send("Medlemsmøte i kveld!")
    await board.press("Nye medlemmer: av")
    await board.press("Forhåndsvis ▸")
    await board.press("Planlegg …")
    past = await board.send("01.01.2020 12:00")
    assert past.text == "Det tidspunktet har passert. Velg et tidspunkt fram i tid."
    garbage = await board.send("i morgen kanskje")
    assert "Det tidspunktet skjønte jeg ikke" in garbage.text
    planned = await board.send("28.11 18:00")
    assert planned.text == "Utsending #1 er planlagt til lørdag 28. november kl. 18:00."
    before = len(people[0].messages())
    await tick(app)
    assert len(people[0].messages()) == before
    clock.set(datetime(2026, 11, 28, 17, 0, tzinfo=UTC))
    await tick(app)  # starts it
    await tick(app)
    assert people[0].messages()[-1].text.startswith("Medlemsmøte i kveld!")


async def test_broadcast_refused_for_members_and_bad_input(db, app, make_user):
    member = make_user()
    await onboard(member)
    refused = await member.send("/utsending")
    assert refused.text.startswith("Bare medlemmer med rollen «styret» kan gjøre det.")
    board = await board_member(db, make_user)
    await board.send("/utsending")
    too_long = await board.send("x" * 3600)
    assert too_long.text.startswith("Det er 3600 tegn; grensen er 3500.")
    await board.send("Kort melding")
    typed = await board.send("alle sammen")
    assert typed.text == "Bruk knappene over, eller /avbryt for å avbryte."
    forged = await board.press_data("bc.tog:1:d:oslo")  # a known family, but no such district
    assert forged.alerts
    cancelled = await board.send("/avbryt")
    assert cancelled.text == "Avbrutt. Ingenting ble sendt."
    assert await count(db, Broadcast) == 0


async def test_urgent_broadcast_in_english(db, app, make_user, clock):
    people = await members(db, make_user)
    board = make_user(first_name="Ann", last_name="Board", language_code="en")
    await onboard(board, phone="+4745000001", lang="en")
    async with db.session() as session:
        boss = await member_by_telegram(session, board.user_id)
        await grant_role(session, boss, "board")
        await set_language(session, boss, "en")
    clock.set(datetime(2026, 11, 27, 22, 30, tzinfo=UTC))  # 23:30 in Oslo: quiet hours
    await board.send("/broadcast")
    await board.send("Demo outside city hall now!")
    await board.press("Urgent: off")
    await board.press("Preview ▸")
    await board.press("Send now")
    await tick(app)
    assert people[1].messages()[-1].text.startswith("❗ Demo outside city hall now!")
    member = await stored(db, people[1].user_id)
    assert member is not None


def test_cli_broadcast_queues_rows(monkeypatch, capsys, database_url):
    import asyncio

    from bot.db import Database
    from tests.conftest import _empty_tables
    from tests.test_register import run_cli

    async def setup() -> None:
        database = Database(database_url)
        await _empty_tables(database)
        async with database.session() as session:
            from models.base import utcnow
            from models.member import Member

            for n, district in enumerate(["midtbyen", "midtbyen", "heimdal"]):
                session.add(Member(name=f"M{n}", telegram_id=100 + n, district=district, verified=True,
                                   onboarded_at=utcnow(), language="nn"))
        await database.dispose()

    async def queued() -> list[str]:
        database = Database(database_url)
        async with database.session() as session:
            from sqlalchemy import select

            texts = list(await session.scalars(select(OutboxMessage.text)))
        await _empty_tables(database)
        await database.dispose()
        return texts

    asyncio.run(setup())
    assert run_cli(monkeypatch, database_url, "broadcast", "--audience", "district=midtbyen", "--text", "Hei!", "--preview") == 0
    assert "recipients: 2" in capsys.readouterr().out
    assert run_cli(monkeypatch, database_url, "broadcast", "--audience", "district=midtbyen", "--text", "Hei!") == 0
    assert "broadcast #" in capsys.readouterr().out
    texts = asyncio.run(queued())
    assert len(texts) == 2 and all(t.startswith("Hei!") and "sleppe fleire slike meldingar" in t for t in texts)
    assert run_cli(monkeypatch, database_url, "broadcast", "--audience", "district=oslo", "--text", "x") == 1


async def test_broadcast_with_a_button_that_joins_a_round(db, app, make_user, clock):
    from datetime import timedelta

    from models import rounds as rd

    people = await members(db, make_user)
    board = await board_member(db, make_user)
    async with db.session() as session:
        round_ = await rd.create_round(session, title="Dørbank lørdag", district="midtbyen", starts_at=clock() + timedelta(days=8),
                                       ends_at=clock() + timedelta(days=8, hours=3), meeting_point="Torget", capacity=10, now=clock())
    await board.send("/utsending")
    await board.send("Bli med på dørbank på lørdag!")
    await board.press("Forhåndsvis ▸")
    await board.press("🔘 Legg til en knapp")
    await board.press("🚪 En dørbankrunde")
    shown = await board.press("Dørbank lørdag")
    assert shown.texts[0] == "Hvilken?\n\n✅ 🚪 lørdag 5. desember · Dørbank lørdag"  # the choice shown, its buttons gone
    assert shown.texts[1].startswith("Bli med på dørbank på lørdag!") and "🚪 Bli med på runden" in shown.buttons
    assert len(shown.method("answerCallbackQuery")) == 1
    await board.press("Send nå")
    await tick(app)
    message = people[0].last_message()
    assert message.inline_buttons == [("🚪 Bli med på runden", f"rd.join:{round_.id}"), ("↩️ Svar styret", "bc.reply:1")]
    joined = await people[0].press("🚪 Bli med på runden")
    assert joined.text.startswith("Du er påmeldt «Dørbank lørdag»")


def test_audience_day_counts_are_plural_aware():
    from handlers.broadcast_audience import describe

    one = bc.Audience(new_within_days=1, inactive_days=1)
    assert describe(one, "nb") == "innmeldt siste 1 dag + inaktive i 1 dag"
    assert describe(bc.Audience(inactive_days=30), "nn") == "inaktive i 30 dagar"
    assert describe(one, "en") == "joined in the last 1 day + inactive for 1 day"


async def test_button_picker_pages_and_tells_same_titles_apart(db, app, make_user, clock):
    """Ten weekly "Gruppemøte" events: each button carries its date, a second page reaches the rest;
    a running phone round can be the button ("take a call")."""
    from datetime import timedelta

    from models import events as ev
    from models import phonebank as pb

    await members(db, make_user)
    board = await board_member(db, make_user)
    async with db.session() as session:
        for week in range(10):
            start = clock() + timedelta(days=7 * week + 1)
            await ev.create_event(session, kind="council_group", title="Gruppemøte", starts_at=start,
                                  ends_at=start + timedelta(hours=2), place="Rådhuset", now=clock())
        await pb.create_campaign(session, name="Ring før valget", purpose="", scripts={"nb": "Hei!"}, audience=bc.Audience(),
                                 now=clock())
    await board.send("/utsending")
    await board.send("Kom på gruppemøte!")
    await board.press("Forhåndsvis ▸")
    await board.press("🔘 Legg til en knapp")
    page = await board.press("📅 Et arrangement")
    labels = [label for label in page.buttons if "Gruppemøte" in label]
    assert len(labels) == 6 and len(set(labels)) == 6, labels
    page = await board.press("Neste ▶ (2/2)")
    assert len([label for label in page.buttons if "Gruppemøte" in label]) == 4
    await board.press("« Tilbake")
    calls = await board.press("📞 Ta en samtale")
    assert "📞 Ring før valget" in calls.buttons
    shown = await board.press("📞 Ring før valget")
    assert any("📞" in label for label in shown.buttons)
