"""Door-knocking rounds, end to end in the chat: members, leaders and the board."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot import round_messages
from models import DoorInput, Member, OutboxMessage, Round, RoundReport, Signup
from models import rounds as rd
from models.membership import grant_role, member_by_telegram
from tests.helpers import count, onboard, tick

START = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)  # Saturday 5 December, 12:00 in Oslo


async def make_round(db, clock, *, capacity: int = 5, leader=None, title: str = "Dørbank på Lade", briefing=None,
                     start: datetime = START, district: str = "ostbyen") -> int:
    async with db.session() as session:
        leader_id = (await member_by_telegram(session, leader.user_id)).id if leader else None
        round_ = await rd.create_round(session, title=title, district=district, starts_at=start,
                                       ends_at=start + timedelta(hours=3), meeting_point="Utenfor Lade kirke",
                                       capacity=capacity, now=clock(), teams=[(leader_id, capacity)], briefing=briefing)
        if leader_id is not None:  # as the creation conversation and the CLI do
            await round_messages.schedule_report_nudge(session, round_, await session.get(Member, leader_id))
        return round_.id


async def people(make_user, n: int, *, start: int = 0, lang: str = "nb", district: str = "Østbyen") -> list:
    users = []
    for k in range(start, start + n):
        user = make_user(first_name=f"Person{k}", language_code=lang)
        await onboard(user, phone=f"+47410{k:05d}", lang=lang, district=district)
        users.append(user)
    return users


async def signups(db, round_id: int) -> list[tuple[str, str]]:
    async with db.session() as session:
        rows = await rd.participants(session, round_id, status=rd.CONFIRMED)
        waiting = await rd.participants(session, round_id, status=rd.WAITING)
    return [(m.name, "confirmed") for _s, m in rows] + [(m.name, "waiting") for _s, m in waiting]


async def test_member_joins_in_one_tap_and_sees_it_in_mine(db, app, make_user, clock):
    leader, member = await people(make_user, 2)
    round_id = await make_round(db, clock, leader=leader)
    listing = await member.send("/dorbank")
    assert "Dørbank på Lade" in listing.text and "lørdag 5. desember kl. 12:00–15:00" in listing.text
    assert "Dørbankgeneral: Person0 Nordmann" in listing.text and "5 ledige plasser" in listing.text
    joined = await member.press("Bli med lørdag 5. desember")
    assert joined.text.startswith("Du er påmeldt «Dørbank på Lade», lørdag 5. desember kl. 12:00–15:00!")
    assert await signups(db, round_id) == [("Person1 Nordmann", "confirmed")]
    async with db.session() as session:
        keys = sorted(r.dedupe_key.rsplit(":", 1)[1] for r in await session.scalars(select(OutboxMessage)))
    assert keys == ["24h", "2h", "followup", "reminder_24h", "reminder_2h", "report"]  # the leader's reminders too
    again = await member.press_data(f"rd:join:{round_id}")
    assert again.alerts == ["Du er allerede påmeldt den runden."]
    mine = await member.send("/mine")
    assert "Dørbank på Lade — lørdag 5. desember kl. 12:00–15:00 (påmeldt)" in mine.text
    left = await member.press("Meld av: Dørbank på Lade")
    assert left.text == "Du er meldt av «Dørbank på Lade». Takk for at du sa fra!"
    assert await signups(db, round_id) == []
    async with db.session() as session:
        pending = [r.dedupe_key for r in await session.scalars(select(OutboxMessage))]
    assert pending and all(":leader:" in key for key in pending)  # the member's reminders are gone
    assert (await member.send("/mine")).text.startswith("Du har ikke meldt deg på noe ennå.")


async def test_waiting_list_promotion_is_told_at_once(db, app, make_user, clock):
    first, second, third = await people(make_user, 3)
    round_id = await make_round(db, clock, capacity=1)
    await first.press_data(f"rd:join:{round_id}")
    listing = await second.send("/dorbank")
    assert "Fullt — 0 på venteliste" in listing.text
    waiting = await second.press("Venteliste")
    assert "nummer 1 på ventelisten" in waiting.text
    third_wait = await third.press_data(f"rd:join:{round_id}", (await third.send("/dorbank")) and third.last_message())
    assert "nummer 2 på ventelisten" in third_wait.text
    await first.press_data(f"rd.leave:{round_id}")
    assert await signups(db, round_id) == [("Person1 Nordmann", "confirmed"), ("Person2 Nordmann", "waiting")]
    await tick(app)
    assert second.last_message().text.startswith("Gode nyheter: Det ble ledig plass på «Dørbank på Lade»")
    mine = await third.send("/mine")
    assert "venteliste, nummer 1" in mine.text


async def test_reminders_and_cant_come_frees_the_seat(db, app, make_user, clock):
    member, waiting = await people(make_user, 2)
    round_id = await make_round(db, clock, capacity=1, briefing="Snakk om barnehageprisene. Kandidat: Kari.")
    await member.press_data(f"rd:join:{round_id}")
    await waiting.press_data(f"rd:join:{round_id}")
    clock.set(START - timedelta(days=1))
    await tick(app)
    assert member.last_message().text.startswith("Påminnelse: dørbanking i morgen, lørdag 5. desember kl. 12:00–15:00.")
    assert "Oppmøte: Utenfor Lade kirke" in member.last_message().text
    clock.set(START - timedelta(hours=3))  # 08:00 in Oslo: the briefing
    await tick(app)
    assert "Snakk om barnehageprisene" in member.last_message().text
    clock.set(START - timedelta(hours=2))
    await tick(app)
    assert member.last_message().text == "Dørbanking om to timer, kl. 12:00: Utenfor Lade kirke. Kommer du?"
    cant = await member.press("Jeg kan likevel ikke")
    assert "Du er meldt av" in cant.text
    before = len(waiting.messages())
    await tick(app)
    told = [m.text for m in waiting.messages()[before:]]
    assert told[0].startswith("Gode nyheter") and "Snakk om barnehageprisene" in told[1]  # seat, then today's briefing
    assert await signups(db, round_id) == [("Person1 Nordmann", "confirmed")]


async def test_input_after_the_round_is_stored_without_names(db, app, make_user, clock):
    [member] = await people(make_user, 1)
    round_id = await make_round(db, clock)
    await member.press_data(f"rd:join:{round_id}")
    clock.set(START + timedelta(hours=3, minutes=30))
    await tick(app)
    assert "Ikke skriv navn eller adresser" in member.last_message().text
    asked = await member.press("Bolig")
    assert "Bolig: hva hørte du?" in asked.text
    thanks = await member.send("Mange er bekymret for husleia i nye blokker.")
    assert thanks.text.startswith("Takk — notert til programarbeidet!")
    await member.press("Klima")
    await member.send("Ønsker bedre sykkelveier.")
    done = await member.press("Ingenting å legge til")
    assert "Hver samtale teller" in done.text
    async with db.session() as session:
        inputs = list(await session.scalars(select(DoorInput).order_by(DoorInput.id)))
    assert [(i.theme, i.district, i.round_id) for i in inputs] == [("housing", "ostbyen", round_id), ("climate", "ostbyen", round_id)]
    assert inputs[0].text == "Mange er bekymret for husleia i nye blokker."


async def test_moved_and_cancelled_rounds_tell_everyone(db, app, make_user, clock):
    board, member = await people(make_user, 2)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
    round_id = await make_round(db, clock)
    await member.press_data(f"rd:join:{round_id}")
    await board.send("/dorbank")
    await board.press("⚙️ Administrer runder")
    await board.press("Flytt")
    await board.send("06.12 13:00")
    moved = await board.send("16:00")
    assert "søndag 6. desember kl. 13:00" in moved.text and "1 person får beskjed" in moved.text
    await tick(app)
    assert member.last_message().text.startswith("Endring: «Dørbank på Lade» er flyttet til søndag 6. desember kl. 13:00–16:00.")
    async with db.session() as session:
        due = {r.dedupe_key.rsplit(":", 1)[1]: r.due_at for r in await session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == "pending", OutboxMessage.dedupe_key.contains(":member:")))}
    assert due["24h"] == datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    await board.press("Avlys runden")
    cancelled = await board.press("Ja, avlys runden")
    assert "er avlyst; 1 person får beskjed" in cancelled.method("editMessageText")[0].text
    await tick(app)
    assert member.last_message().text.startswith("Avlyst: «Dørbank på Lade»")
    async with db.session() as session:
        assert not list(await session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")))
    assert (await member.send("/dorbank")).text.startswith("Ingen dørbankrunder er planlagt")


async def test_leader_sees_team_phones_only_near_the_round_and_checks_in(db, app, make_user, clock, settings):
    leader, member, board = await people(make_user, 3)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, leader.user_id), "leader")
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
    round_id = await make_round(db, clock, leader=leader)
    await member.press_data(f"rd:join:{round_id}")
    early = await leader.send("/dorbank lag")
    assert "Person1 Nordmann" in early.text and "+47" not in early.text
    assert "Telefonnumre vises fra dagen før" in early.text
    other = await member.send("/dorbank lag")
    assert other.text == "Du leder ingen runde akkurat nå."
    assert "Innsjekking åpner to timer før runden starter." in early.text  # and no check-in or report button yet
    assert not [label for label in early.buttons if label in ("✅ Person1: her", "Skriv rapporten")]
    too_soon = await leader.press_data(f"rd.in:{(await signup(db, round_id, member)).id}:1", leader.last_message())  # an old list's button
    assert too_soon.alerts == ["Innsjekking åpner to timer før runden starter."]
    clock.set(START - timedelta(minutes=10))
    near = await leader.send("/dorbank lag")
    assert "Person1 Nordmann — +47 410 00 001" in near.text
    forged = await member.press_data(f"rd.in:{(await signup(db, round_id, member)).id}:1", leader.last_message())
    assert forged.alerts == ["Bare lagets dørbankgeneral kan sjekke inn folk."]
    await leader.press("✅ Person1: her")
    assert "✅ Person1 Nordmann" in leader.last_message().text
    assert (await signup(db, round_id, member)).attended is True
    clock.set(START + timedelta(days=2, hours=1))
    late = await leader.send("/dorbank lag")
    assert "+47" not in late.text or late.text == "Du leder ingen runde akkurat nå."


async def signup(db, round_id, user) -> Signup:
    async with db.session() as session:
        member = await member_by_telegram(session, user.user_id)
        return await rd.signup_of(session, round_id, member.id)


async def test_third_round_suggests_leader_training(db, app, make_user, clock, settings):
    leader, member, board = await people(make_user, 3)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
    starts = [START + timedelta(days=7 * k) for k in range(3)]
    ids = [await make_round(db, clock, leader=leader, start=s, title=f"Runde {k}") for k, s in enumerate(starts)]
    for round_id in ids:
        await member.press_data(f"rd:join:{round_id}")
    for round_id, start in zip(ids, starts, strict=True):
        clock.set(start)
        await leader.press_data(f"rd.in:{(await signup(db, round_id, member)).id}:1")
    await tick(app)
    assert board.last_message().text.startswith("Person1 Nordmann har nå vært med på 3 dørbankrunder")
    listing = await board.send("/dorbank ledere")
    assert "• Person1 Nordmann — 3" in listing.text
    refused = await member.send("/dorbank ledere")
    assert refused.text.startswith("Bare medlemmer med rollen «styret»")


async def test_leader_files_report_and_missing_report_nudge(db, app, make_user, clock):
    leader, member = await people(make_user, 2)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, leader.user_id), "leader")
    first = await make_round(db, clock, leader=leader, title="Runde A")
    second = await make_round(db, clock, leader=leader, title="Runde B", start=START + timedelta(days=1))
    clock.set(START + timedelta(days=2, hours=4))  # a day after both ended
    await tick(app)
    nudges = [m.text for m in leader.messages() if "mangler" in m.text]
    assert len(nudges) == 2 and "Rapporten for «Runde A» mangler" in nudges[0]
    await leader.press_data(f"rd:report:{first}", leader.messages()[-2])
    await leader.send("mange")
    asked = await leader.send("120")
    assert asked.text == "Og hvor mange ordentlige samtaler?"
    themes = await leader.send("35")
    assert "Trykk på temaene" in themes.text
    await leader.press("Bolig")
    await leader.press("Samferdsel")
    await leader.press("Ferdig", exact=True)
    saved = await leader.send("Bussen til Lade er for sjelden, sier mange.")
    assert saved.text == "Takk! Rapporten er lagret: 120 dører, 35 samtaler."
    async with db.session() as session:
        report = await session.scalar(select(RoundReport))
    assert (report.round_id, report.doors, report.conversations, report.themes) == (first, 120, 35, ["housing", "transport"])
    stranger = await member.press_data(f"rd:report:{second}")
    assert stranger.alerts == ["Bare styret eller dørbankgeneralen for et av lagene på runden kan gjøre det."]


async def test_board_creates_round_in_conversation_with_validation(db, app, make_user, clock):
    board, leader, other = await people(make_user, 3)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
    await board.send("/nyrunde")
    short = await board.send("x")
    assert short.text.startswith("Navnet må være mellom 3 og 200 tegn")
    await board.send("Dørbank i Midtbyen")
    await board.press("Midtbyen")
    assert (await board.send("01.01.2020 12:00")).text == "Det tidspunktet har passert. Velg et tidspunkt fram i tid."
    await board.send("12.12 12:00")
    assert (await board.send("11:00")).text == "Slutten må være etter starten. Prøv igjen."
    await board.send("15:00")
    await board.send_location(63.4305, 10.3951)
    await board.send("Torget, ved Olav Tryggvason")
    assert (await board.send("0")).text == "Skriv et tall fra 1 til 5000."
    await board.send("12")
    unknown = await board.send("+47 999 99 999")
    assert unknown.text.startswith("Ingen medlemmer har det nummeret.")
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, leader.user_id), "leader")
        await grant_role(session, await member_by_telegram(session, other.user_id), "leader")
        leader_id = (await member_by_telegram(session, leader.user_id)).id
    first = await board.send("+47 410 00 001")
    assert first.text.startswith("👤 Dørbankgeneral: Person1 Nordmann\nEt lag til med egen leder?")  # whom the number found
    picker = await board.press("➕ Et lag til")
    assert "Person2 Nordmann" in picker.buttons  # people with the leader role, by name
    assert "Person1 Nordmann" not in picker.buttons  # leads team 1 already
    twice = await board.press_data(f"rdc.lead:{leader_id}")
    assert twice.text.startswith("Den personen leder allerede et lag på denne runden.")
    await board.press("Jeg gjør det")
    await board.press("Fortsett")
    await board.send("LO Trondheim")
    summary = await board.press("Hopp over")
    assert "2 lag: Person1 Nordmann, Person0 Nordmann" in summary.text and "🤝 LO Trondheim" in summary.text
    created = await board.press("✅ Opprett")
    assert "https://t.me/lagbot_test_bot?start=round_" in created.text
    async with db.session() as session:
        round_ = await session.scalar(select(Round))
    assert (round_.title, round_.district, round_.capacity, round_.partner) == ("Dørbank i Midtbyen", "midtbyen", 12, "LO Trondheim")
    assert round_.starts_at == datetime(2026, 12, 12, 11, 0, tzinfo=UTC) and round_.latitude == pytest.approx(63.4305)
    assert [t.capacity for t in round_.teams] == [6, 6]
    qr = await board.press("QR-kode")
    [photo] = qr.method("sendPhoto")
    assert next(iter(photo.files.values())).startswith(b"\x89PNG")


async def test_member_and_plain_leader_limits(db, app, make_user, clock):
    member, leader = await people(make_user, 2)
    refused = await member.send("/nyrunde")
    assert refused.text.startswith("Bare medlemmer med rollen «dørbankgeneral»")
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, leader.user_id), "leader")
    await leader.send("/nyrunde")
    await leader.send("Min runde")
    await leader.press("Heimdal")
    await leader.send("12.12 12:00")
    await leader.send("14:00")
    await leader.send("Heimdal stasjon")
    await leader.send("6")
    not_self = await leader.press("Ingen ennå")
    assert not_self.text.startswith("Som dørbankgeneral kan du opprette runder du leder selv.")
    await leader.press("Jeg gjør det")
    assert await count(db, Round) == 0


async def test_deep_link_onboards_then_lands_on_the_round(db, app, make_user, clock):
    round_id = await make_round(db, clock)
    newcomer = make_user(first_name="Nina", language_code="nn")
    await newcomer.send(f"/start round_{round_id}")
    await newcomer.press("Ja, eg godtek")
    await newcomer.share_contact("+4741099999")
    await newcomer.press("Østbyen")
    done = await newcomer.press("Ferdig", exact=True)
    assert "Dørbank på Lade" in done.text and "Bli med laurdag 5. desember" in done.buttons[-1]
    await newcomer.press("Bli med laurdag 5. desember")
    assert (await signups(db, round_id)) == [("Nina Nordmann", "confirmed")]
    old = await newcomer.send("/start round_99999")
    assert old.text.startswith("Den runden finst ikkje (lenger).")


async def test_year_report_and_export_for_the_programme_committee(db, app, make_user, clock):
    board, member = await people(make_user, 2)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
    round_id = await make_round(db, clock)
    await member.press_data(f"rd:join:{round_id}")
    async with db.session() as session:
        author = await member_by_telegram(session, member.user_id)
        await rd.add_input(session, round_id, author.id, "housing", "Høye leiepriser", now=clock())
        await rd.file_report(session, round_id, doors=80, conversations=20, themes=["schools"], text="Skolevei mangler", filed_by=None,
                             now=clock())
    clock.set(START + timedelta(days=1))
    report = await board.send("/dorbank rapport")
    text = report.texts[0]
    assert "Runder holdt: 1 av målet på 10" in text and "Påmeldt, ikke merket «kom ikke»: 1 · sjekket inn: 0 (første gang: 1)" in text
    assert "Dører: 80 · samtaler: 20" in text and "Østbyen: 1" in text
    assert next(iter(report.method("sendPhoto")[0].files.values())).startswith(b"\x89PNG")
    export = await board.send("/dorbank eksport")
    markdown, table = (next(iter(d.files.values())).decode("utf-8-sig") for d in export.method("sendDocument"))
    assert "## Bolig\n### Østbyen\n- Høye leiepriser (Dørbank på Lade, 05.12.2026)" in markdown
    assert "## Skole" in markdown and "Skolevei mangler" in markdown
    assert table.splitlines()[0] == "Temaer;Bydel;Runde;Dato;Kilde;Tekst"
    # On 1 January the board still reaches last year's figures for the annual meeting.
    clock.set(datetime(2027, 1, 1, 10, 0, tzinfo=UTC))
    new_year = await board.send("/dorbank rapport")
    assert "Runder holdt: 0 av målet på 10" in new_year.texts[0]
    last_year = await board.send("/dorbank rapport 2026")
    assert "Runder holdt: 1 av målet på 10" in last_year.texts[0]
    assert (await board.send("/dorbank rapport i fjor")).text == "Skriv året med fire sifre, for eksempel: /dorbank rapport 2026"


async def test_erasure_removes_door_input(db, app, make_user, clock):
    [member] = await people(make_user, 1)
    round_id = await make_round(db, clock)
    await member.press_data(f"rd:join:{round_id}")
    async with db.session() as session:
        author = await member_by_telegram(session, member.user_id)
        await rd.add_input(session, round_id, author.id, "housing", "Noe jeg skrev", now=clock())
    exported = await member.send("/mine_data")
    data = json.loads(next(iter(exported.method("sendDocument")[0].files.values())))
    assert data["Innspill fra dørene"][0]["Tekst"] == "Noe jeg skrev" and data["Dørbankrunder"][0]["Status"] == "påmeldt"
    await member.send("/slett_meg")
    await member.press("Ja, slett dataene mine")
    assert await count(db, DoorInput) == 0 and await count(db, Signup) == 1


async def test_fifty_press_join_for_the_last_five_seats(db, clock):
    """Exactly five get seats; the rest queue in order of arrival; no seat is given twice."""
    from models.member import Member

    async with db.session() as session:
        members = [Member(name=f"M{n}", telegram_id=50000 + n, onboarded_at=clock(), language="nb") for n in range(55)]
        session.add_all(members)
    round_id = await make_round(db, clock, capacity=10)
    for member in members[:5]:
        async with db.session() as session:
            await rd.sign_up(session, round_id, member.id, clock())

    async def press(member: Member, n: int) -> rd.SignupResult:
        async with db.session() as session:
            return await rd.sign_up(session, round_id, member.id, clock())

    results = await asyncio.gather(*(press(m, n) for n, m in enumerate(members[5:])))
    confirmed = [r for r in results if r.position == 0]
    assert len(confirmed) == 5
    async with db.session() as session:
        seats = await rd.participants(session, round_id, status=rd.CONFIRMED)
        queue = await rd.participants(session, round_id, status=rd.WAITING)
    assert len(seats) == 10 and len({s.member_id for s, _m in seats}) == 10 and len(queue) == 45
    # In order of arrival: each got the next place, and the queue stands in the order they arrived.
    assert [r.position for r in sorted((r for r in results if r.position), key=lambda r: r.signup.id)] == list(range(1, 46))
    assert [s.id for s, _m in queue] == sorted(s.id for s, _m in queue)


async def test_a_gathering_after_the_round_invites_its_participants(db, app, make_user, clock):
    from models import events as ev

    board, member, late = await people(make_user, 3)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
    round_id = await make_round(db, clock)
    async with db.session() as session:
        gathering = await ev.create_event(session, kind="social", title="Pizza etter dørbank", starts_at=START + timedelta(hours=3, minutes=30),
                                          ends_at=START + timedelta(hours=5), place="Lade Pizza", now=clock())
    await member.press_data(f"rd:join:{round_id}")
    await board.send("/dorbank")
    await board.press("⚙️ Administrer runder")
    await board.press("🍻 Koble til en samling etterpå")
    linked = await board.press("Pizza etter dørbank")
    assert "1 deltaker blir invitert" in linked.method("editMessageText")[0].text
    await late.press_data(f"rd:join:{round_id}")  # joins after the link: invited too
    clock.set(START + timedelta(hours=2, minutes=30))
    await tick(app)
    for user in (member, late):
        assert user.last_message().text.startswith("Etter runden møtes vi på «Pizza etter dørbank»")
    await member.press("✅ Ja")
    async with db.session() as session:
        stored = await member_by_telegram(session, member.user_id)
        assert (await ev.rsvp_of(session, gathering.id, stored.id)).answer == "yes"


async def test_board_edits_place_and_seats(db, app, make_user, clock):
    board, first, other, second = await people(make_user, 4)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
    round_id = await make_round(db, clock, capacity=2)
    await first.press_data(f"rd:join:{round_id}")
    await other.press_data(f"rd:join:{round_id}")
    await second.press_data(f"rd:join:{round_id}")  # waiting list
    await board.send("/dorbank")
    await board.press("⚙️ Administrer runder")
    await board.press("✏️ Endre")
    await board.press("Plasser")
    assert (await board.send("0")).text == "Skriv et tall fra 1 til 5000."
    assert (await board.send("1")).text == "2 personer har allerede plass, så det må være minst så mange."
    saved = await board.send("3")
    assert saved.text == "Lagret.\n1 fra ventelisten fikk plass."
    await board.press_data(f"act.do:rd:edit:{round_id}", board.messages()[-5])
    await board.press("Oppmøtested")
    assert (await board.send("Lade arena, hovedinngangen")).text == "Lagret."
    await tick(app)
    assert second.messages()[-2].text.startswith("Gode nyheter: Det ble ledig plass på «Dørbank på Lade»")
    assert first.last_message().text.startswith("Endring: Oppmøtestedet for «Dørbank på Lade»")
    assert "er nå Lade arena, hovedinngangen." in second.last_message().text
    async with db.session() as session:
        round_ = await rd.get_round(session, round_id)
    assert (round_.capacity, round_.meeting_point) == (3, "Lade arena, hovedinngangen")
