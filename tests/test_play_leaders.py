"""Findings of a season played against the bot by leaders and the board (helper "leaders"): an old
"👥 Dørbankgeneraler" button of a round that is over ran the whole dialogue before refusing; a phone
round for a round that had begun still handed out calls; leaders got no reminder of their own round,
and their team list did not say who had answered "Jeg kommer"."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from models.membership import member_by_telegram
from models.round_tables import Team
from tests.helpers import tick
from tests.test_round_leaders import teams
from tests.test_season_member import START, grant, make_round, person


# Kari (board) had the round's management card from before the round; pressed after it was over, the
# leaders button showed the teams, the picker and the name search, and refused only at the last press.
async def test_an_old_leaders_button_of_a_round_that_is_over_is_refused_at_once(db, app, make_user, clock):
    kari = await person(make_user, 41, first="Kari")
    await grant(db, kari, "board")
    ola = await person(make_user, 42, first="Ola")
    await grant(db, ola, "leader")
    rid = await make_round(db, clock)
    async with db.session() as session:
        [team] = list(await session.scalars(select(Team).where(Team.round_id == rid)))
    await kari.send("/dorbank")
    await kari.press("⚙️ Administrer runder")
    old_card = kari.find_button("👥 Dørbankgeneraler")
    shown = await kari.press("👥 Dørbankgeneraler")              # while the round is ahead: the teams
    old_list = kari.find_button("Lag 1: velg dørbankgeneral")
    assert "Lag 1 (5 plasser)" in shown.text
    clock.set(START + timedelta(hours=4))                         # the round is over
    over = "«Dørbank på Lade» er over, så dørbankgeneralene kan ikke lenger endres. Ingenting ble endret."
    refused = await kari.press_data(old_card[1], old_card[0])
    assert refused.alerts == [over], (refused.alerts, refused.texts)
    assert refused.texts == [over] and not refused.buttons, refused.texts  # no team list, no picker
    refused = await kari.press_data(old_list[1], old_list[0])   # the picker of a list shown before
    assert refused.alerts == [over] and refused.texts == [over], (refused.alerts, refused.texts)
    refused = await kari.press_data(f"rdl.find:{team.id}")        # the name search
    assert refused.alerts == [over] and refused.texts == [over], (refused.alerts, refused.texts)
    assert (await kari.send("ola")).text != "Hvem skal lede laget?"  # no search was waiting for a name
    async with db.session() as session:
        ola_id = (await member_by_telegram(session, ola.user_id)).id
    refused = await kari.press_data(f"rdl.set:{team.id}:{ola_id}")
    assert refused.alerts and refused.alerts[0].startswith("«Dørbank på Lade» er over"), refused.alerts
    assert await teams(db, rid) == [None]


# A phone round "Ring for Lade" signed people up for the round; once the round had begun, callers
# were still handed people to call, to be told afterwards that nobody could be signed up any more,
# and /ringerunde listed it as running for as long as the board did not close it by hand.
async def test_a_phone_round_closes_as_its_round_begins(db, app, make_user, clock):
    from models import broadcast as bc
    from models import phonebank as pb
    from tests.test_phonebank import SCRIPT, callees, caller

    kari = await person(make_user, 43, first="Kari")
    await grant(db, kari, "board")
    rid = await make_round(db, clock)
    await callees(db, 3)
    async with db.session() as session:
        kari_id = (await member_by_telegram(session, kari.user_id)).id
        created, _n = await pb.create_campaign(session, name="Ring for Lade", purpose="", scripts={"nb": SCRIPT},
                                               audience=bc.Audience(districts=["midtbyen"]), now=clock(), round_id=rid,
                                               created_by=kari_id)
    anne = await caller(make_user, db, phone="+4745100001")
    bjorn = await caller(make_user, db, phone="+4745100002")
    clock.set(START - timedelta(minutes=10))
    await anne.send("/ringerunde")
    held = await anne.press("📞 Neste samtale")                   # Anne holds a call as the round begins
    assert "☎️" in held.text
    card = anne.messages()[-1]
    await bjorn.send("/ringerunde")
    clock.set(START + timedelta(minutes=5))
    closed = ("Denne ringerunden er stengt: «Dørbank på Lade», som den melder folk på, har begynt. "
              "Takk for at du ringte!")
    refused = await bjorn.press("📞 Neste samtale")               # before the upkeep has run: no call handed out
    assert refused.texts == [closed], refused.texts
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(pb.CallTarget).where(
            pb.CallTarget.held_by.is_not(None))) == 1             # only Anne's, from before
    await tick(app)
    async with db.session() as session:
        stored = await session.get(pb.Campaign, created.id)
        assert stored.status == pb.CLOSED
        assert await session.scalar(select(func.count()).select_from(pb.CallTarget).where(
            pb.CallTarget.status == pb.HELD)) == 0                # Anne's call is back: her card loses the number
    assert anne.api.find(anne.chat_id, card.message_id).text == closed      # no number left on her card
    assert (await bjorn.send("/ringerunde")).text.startswith("Det er ingen ringerunde du kan ringe i akkurat nå"), "not listed any more"
    await tick(app)                                                # the board member who made it is told
    [told] = [m.text for m in kari.messages() if m.text.startswith("📞 Ringerunden «Ring for Lade» er stengt: «Dørbank på Lade»")]
    assert "Samtaler ringt: 0, til 0 av 3 personer." in told, told


# Ola led "Dørbank på Lade" and heard nothing before it, while his team got two reminders; his team
# list did not say who had answered "Jeg kommer" to theirs.
async def test_a_leader_is_reminded_of_the_round_and_sees_who_is_coming(db, app, make_user, clock):
    from models import outbox as box
    from models import rounds as rd

    kari = await person(make_user, 44, first="Kari")
    await grant(db, kari, "board")
    ola = await person(make_user, 45, first="Ola")
    await grant(db, ola, "leader")
    anne = await person(make_user, 46, first="Anne")
    bjorn = await person(make_user, 47, first="Bjørn")
    cecilie = await person(make_user, 48, first="Cecilie")
    rid = await make_round(db, clock, capacity=2)
    for member in (anne, bjorn, cecilie):                           # Cecilie on the waiting list
        await member.press_data(f"rd.join:{rid}")
    await kari.send("/dorbank")                                    # the board names Ola the leader, in the chat
    await kari.press("⚙️ Administrer runder")
    await kari.press("👥 Dørbankgeneraler")
    await kari.press("Lag 1: velg dørbankgeneral")
    await kari.press("Ola Nordmann")
    async with db.session() as session:
        ola_id = (await member_by_telegram(session, ola.user_id)).id
        kinds = {row.topic: row.kind for row in await session.scalars(select(box.OutboxMessage).where(
            box.OutboxMessage.member_id == ola_id))}
    assert kinds.get("round.leader_reminder_24h") == "reminder" and kinds.get("round.leader_reminder_2h") == "reminder", kinds

    clock.set(START - timedelta(hours=24) + timedelta(minutes=1))  # the day before, at the members' time
    await tick(app)
    [day_before] = [m for m in ola.messages() if m.text.startswith("Påminnelse: i morgen leder du «Dørbank på Lade»")]
    assert "Oppmøte: Utenfor Lade kirke" in day_before.text, day_before.text
    assert "Påmeldt: 2 av 2 plasser · venteliste: 1" in day_before.text, day_before.text
    assert [label for label, _data in day_before.inline_buttons] == ["👥 Se laget"], day_before.inline_buttons
    early = await ola.press("👥 Se laget")                         # before the reminder with "Jeg kommer"
    assert "To timer før runden får alle en påminnelse med «Jeg kommer»" in early.text, early.text

    clock.set(START - timedelta(hours=2) + timedelta(minutes=1))
    await tick(app)
    [two_hours] = [m for m in ola.messages() if m.text.startswith("«Dørbank på Lade», som du leder, starter om to timer")]
    assert "Påmeldt: 2 av 2 plasser · venteliste: 1" in two_hours.text and [label for label, _data in two_hours.inline_buttons] == ["👥 Se laget"], two_hours.text
    assert not [m for m in ola.messages() if "Kommer du?" in m.text], "no participant's reminder for the leader"
    coming = await anne.press("Jeg kommer")
    assert "✅ Du kommer." in coming.text, coming.texts
    team = await ola.press("👥 Se laget")
    assert "▫️ Anne Nordmann — +47 410 00 046 · 👍 kommer" in team.text, team.text
    assert "▫️ Bjørn Nordmann — +47 410 00 047 · ikke svart ennå" in team.text, team.text
    assert "1 av 2 har svart «Jeg kommer» på påminnelsen." in team.text, team.text
    assert "Cecilie" not in team.text
    async with db.session() as session:
        answered = {signup.member_id: signup.coming_at for signup, _person in await rd.participants(session, rid)}
    assert sorted(at is not None for at in answered.values()) == [False, True], answered
