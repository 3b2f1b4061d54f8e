"""A season of phone rounds as a player met them: a number the member proved in Telegram, progress with
erased people, a call-back's agreed time, the linked round's district first, the last one in the queue,
why a phone round closed; and nearby: /slett_meg names the person, the door-knocking nudge's wording."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.i18n import translator
from models import Member
from models import board_lists as lists
from models import broadcast as bc
from models import phonebank as pb
from models import rounds as rd
from models.privacy import erase_member
from tests.helpers import onboard, tick
from tests.test_phonebank import callees, caller, campaign, make_round, role, target_of


async def test_wrong_number_on_a_number_the_member_proved_is_not_the_registers_fault(db, app, make_user, clock):
    async with db.session() as session:
        session.add(Member(name="Per Ny", phone="+4792555111", district="midtbyen", verified=True, language="nb"))
        session.add(Member(name="Ola Uprøvd", phone="+4792555222", district="midtbyen", verified=True, language="nb"))
    per = make_user(first_name="Per")
    await onboard(per, phone="+4792555111")          # linked by sharing his own contact: the number is proven
    async with db.session() as session:
        assert (await session.scalar(select(Member.linked_by).where(Member.name == "Per Ny"))) == "phone"
    await campaign(db, clock)
    nora = await caller(make_user, db)
    await nora.send("/ringerunde")
    seen = {}
    for _round in range(2):
        card = await nora.press("📞 Neste samtale")
        text = card.texts[0]
        name = text.split("👤 ")[1].split("\n")[0]
        seen[name] = text
        done = await nora.press("❌ Feil nummer")
        seen[name + " done"] = done.method("editMessageText")[0].text
    assert "☎️ +47 925 55 111 ✅ bekreftet av medlemmet i Telegram" in seen["Per Ny"]
    assert "bekreftet av medlemmet" not in seen["Ola Uprøvd"]
    assert "nummeret er bekreftet av medlemmet i Telegram" in seen["Per Ny done"]
    assert "Sjekk at du slo riktig nummer" in seen["Per Ny done"]
    per_call, ola_call = await target_of(db, "Per Ny"), await target_of(db, "Ola Uprøvd")
    assert (per_call.status, per_call.outcome, per_call.attempts) == ("queued", "no_answer", 1)   # tried again later
    assert ola_call.outcome == "wrong_number"
    async with db.session() as session:
        assert [entry.member.name for entry in await lists.wrong_numbers(session)] == ["Ola Uprøvd"]


async def test_progress_adds_up_with_an_erased_callee_and_names_an_erased_caller(db, app, make_user, clock):
    await callees(db, 3)
    await campaign(db, clock)
    nora = await caller(make_user, db)
    await nora.send("/ringerunde")
    for outcome in ("🔕 Svarte ikke", "🙂 Ikke nå"):
        await nora.press("📞 Neste samtale")
        await nora.press(outcome)
    async with db.session() as session:                # the first one, to be tried again, erases their data
        first = await session.scalar(select(Member).where(Member.name == "Callee 0"))
        await erase_member(session, first, now=clock())
    await nora.send("/slett_meg")                      # and so does the caller
    await nora.press("Ja, slett dataene mine")
    board = make_user(first_name="Styre")
    await onboard(board, phone="+4745100009")
    await role(db, board, "board")
    await board.send("/ringerunde")
    progress = (await board.press("📊 Framdrift")).texts[0]
    assert "Personer å ringe: 3" in progress and "Nådd: 1" in progress and "Gjenstår å ringe: 1" in progress
    assert "Slettet dataene sine før de ble nådd: 1" in progress, progress
    assert "• (slettet): 2" in progress and "?" not in progress, progress
    async with db.session() as session:
        figures = await pb.progress(session, (await target_of(db, "Callee 2")).campaign_id)
    assert figures.reached + figures.not_reached + figures.wrong_number + figures.open + figures.erased == figures.total


async def test_a_call_back_card_shows_the_agreed_time(db, app, make_user, clock):
    await callees(db, 1)
    await campaign(db, clock)
    nora = await caller(make_user, db)
    await nora.send("/ringerunde")
    await nora.press("📞 Neste samtale")
    await nora.press("⏰ Ring tilbake …")
    await nora.send("18:30")
    clock.set(datetime(2026, 11, 27, 17, 35, tzinfo=UTC))
    await tick(app)
    again = (await nora.press("📞 Neste samtale")).texts[0]
    assert "Prøvd 1 gang før." in again
    assert "⏰ Avtalt å ringe tilbake fredag 27. november kl. 18:30." in again, again


async def test_a_phone_round_for_a_round_calls_its_district_first(db, app, make_user, clock):
    await callees(db, 2, district="lerkendal")
    async with db.session() as session:           # made before the Midtbyen people: earlier in the queue by id
        session.add_all([Member(name=f"Heimdal {k}", phone=f"+4793100{k:03d}", district="heimdal", verified=True, language="nb")
                         for k in range(2)])
        session.add_all([Member(name=f"Midtbyen {k}", phone=f"+4793200{k:03d}", district="midtbyen", verified=True, language="nb")
                         for k in range(2)])
    round_id = await make_round(db, clock)          # in Midtbyen
    await campaign(db, clock, round_id=round_id, audience=bc.Audience(districts=["midtbyen", "heimdal", "lerkendal"]))
    nora = await caller(make_user, db)
    await nora.send("/ringerunde")
    names = []
    for _round in range(3):
        card = (await nora.press("📞 Neste samtale")).texts[0]
        names.append(card.split("👤 ")[1].split("\n")[0])
        await nora.press("🙂 Ikke nå")
    assert names[:2] == ["Midtbyen 0", "Midtbyen 1"], names
    assert names[2] == "Callee 0"


async def test_the_only_one_left_is_the_volunteer_themselves(db, app, make_user, clock):
    await callees(db, 1)
    async with db.session() as session:           # in the register, so in the phone round's list too
        session.add(Member(name="Vera Frivillig", phone="+4745100055", district="midtbyen", verified=True, language="nb"))
    volunteer = make_user(first_name="Vera")
    await onboard(volunteer, phone="+4745100055", district="Midtbyen")
    await campaign(db, clock, mode="volunteers")
    await volunteer.send("/ringerunde")
    await volunteer.press("📞 Neste samtale")
    await volunteer.press("🙂 Ikke nå")
    empty = await volunteer.press("📞 Neste samtale")
    assert empty.texts == ["Ingen andre å ringe nå: den eneste som står igjen på lista i denne ringerunden, er deg. "
                           "Takk for at du ringte!"], empty.texts


async def test_a_phone_round_closed_by_a_cancelled_round_says_cancelled(db, app, make_user, clock):
    await callees(db, 2)
    round_id = await make_round(db, clock)
    board = make_user(first_name="Styre")
    await onboard(board, phone="+4745100009")
    await role(db, board, "board")
    async with db.session() as session:
        board_id = (await session.scalar(select(Member).where(Member.telegram_id == board.user_id))).id
        created, _n = await pb.create_campaign(session, name="Ring for dørbank", purpose="", scripts={"nb": "Hei, blir du med på dørbank?"},
                                               audience=bc.Audience(districts=["midtbyen"]), now=clock(), round_id=round_id,
                                               created_by=board_id)
    nora = await caller(make_user, db)
    await nora.send("/ringerunde")
    async with db.session() as session:
        await rd.cancel(session, round_id, clock())
    refused = await nora.press("📞 Neste samtale")
    assert refused.texts == ["Denne ringerunden er stengt: «Dørbank Midtbyen», som den melder folk på, er avlyst. "
                             "Takk for at du ringte!"], refused.texts
    clock.advance(minutes=1)
    await tick(app)
    await tick(app)
    [told] = [m.text for m in board.messages() if m.text.startswith("📞 Ringerunden «Ring for dørbank» er stengt")]
    assert "«Dørbank Midtbyen», som den meldte folk på, er avlyst, så ingen flere samtaler deles ut." in told, told
    assert "begynt" not in told and created.id


async def test_delete_me_names_the_person_without_places(db, app, make_user):
    user = make_user(first_name="Kari", last_name="Holder")
    await onboard(user)
    asked = await user.send("/slett_meg")
    assert asked.text.startswith("👤 Kari Holder: dataene lagbot har om deg"), asked.text
    assert "Vil du slette dataene dine?" in asked.text


def test_the_door_knocking_nudge_reads_naturally():
    msgid = "A door-knocking round with free seats is coming up: “{title}”, {when}, meeting at {place}. Join with one tap?"
    for lang in ("nb", "nn"):
        text = translator(lang)(msgid)
        assert text != msgid and "med med" not in text and "Vil du v" in text, text



async def test_a_new_number_from_the_register_is_not_marked_as_proven(db, make_user):
    """The member proved number A in Telegram; the register later gives them number B: B is not confirmed."""
    from models.membership import member_by_telegram
    from tests.helpers import import_members, onboard

    await import_members(db, "navn;telefon;medlemsnummer;bydel\nPer Ny;91230001;9001;Midtbyen\n")
    per = make_user()
    await onboard(per, "+4791230001")
    async with db.session() as session:
        assert (await member_by_telegram(session, per.user_id)).linked_by == "phone"
    await import_members(db, "navn;telefon;medlemsnummer;bydel\nPer Ny;91230002;9001;Midtbyen\n")
    async with db.session() as session:
        member = await member_by_telegram(session, per.user_id)
        assert member.phone == "+4791230002" and member.linked_by is None


async def test_the_last_ones_held_by_another_caller_are_said_to_be_being_called(db, app, make_user, clock):
    await callees(db, 1)
    await campaign(db, clock)
    nora = await caller(make_user, db)
    ola = await caller(make_user, db, phone="+4745100001")
    await nora.send("/ringerunde")
    await nora.press("📞 Neste samtale")  # Nora holds the only call
    await ola.send("/ringerunde")
    empty = await ola.press("📞 Neste samtale")
    assert empty.texts == ["Ingen å ringe akkurat nå: de siste på lista blir ringt av andre nå. Prøv igjen om litt."], empty.texts
