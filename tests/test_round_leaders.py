"""Team leaders after a round is created (issue 13): the board assigns, replaces and removes them by
name; someone without the role is offered it first; one person does not lead two teams at once; the
leaders are told; nobody else can change them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import Member
from models.membership import member_by_telegram
from models.round_tables import Team
from tests.helpers import tick
from tests.test_season_member import START, grant, make_round, person


async def teams(db, round_id):
    async with db.session() as session:
        rows = list(await session.scalars(select(Team).where(Team.round_id == round_id).order_by(Team.id)))
        names = {m.id: m.name for m in await session.scalars(select(Member))}
    return [names.get(t.leader_id) for t in rows]


async def test_board_assigns_replaces_and_removes_a_leader(db, app, make_user, clock):
    board = await person(make_user, 31, first="Styre")
    await grant(db, board, "board")
    kari = await person(make_user, 32, first="Kari")
    await grant(db, kari, "leader")
    ola = await person(make_user, 33, first="Ola")
    rid = await make_round(db, clock)  # created without a leader
    assert await teams(db, rid) == [None]

    await board.send("/dorbank")
    await board.press("⚙️ Administrer runder")
    shown = await board.press("👥 Dørbankgeneraler")
    assert "Lag 1 (5 plasser): ikke bestemt ennå" in shown.text
    picker = await board.press("Lag 1: velg dørbankgeneral")
    assert "Kari Nordmann" in picker.buttons and "Ola Nordmann" not in picker.buttons
    done = await board.press("Kari Nordmann")
    assert "Kari Nordmann leder nå lag 1." in done.texts
    assert await teams(db, rid) == ["Kari Nordmann"]
    await tick(app)
    assert kari.last_message().text.startswith("Du leder nå lag 1 på «Dørbank på Lade»")

    # Ola has no leader role: found by name, offered the role, then assigned; Kari is told.
    await board.press("Lag 1: velg dørbankgeneral")
    await board.press("🔎 En annen (søk på navn)")
    found = await board.send("ola")
    assert found.buttons == ["Ola Nordmann"]
    asked = await board.press("Ola Nordmann")
    assert asked.text.startswith("Ola Nordmann har ikke rollen dørbankgeneral.")
    assert await teams(db, rid) == ["Kari Nordmann"]
    granted = await board.press("Ja, gi rollen")
    assert "Ola Nordmann leder nå lag 1. Personen har nå rollen dørbankgeneral." in granted.texts
    await tick(app)
    assert kari.last_message().text.startswith("Styret har endret dørbankgeneralene på «Dørbank på Lade»")
    assert ola.last_message().text.startswith("Du leder nå lag 1")

    removed = await board.press("Lag 1: ingen dørbankgeneral")
    assert "Lag 1 har ingen dørbankgeneral nå." in removed.texts
    assert await teams(db, rid) == [None]


async def test_one_person_does_not_lead_two_teams_at_once(db, app, make_user, clock):
    board = await person(make_user, 34, first="Styre")
    await grant(db, board, "board")
    kari = await person(make_user, 35, first="Kari")
    await grant(db, kari, "leader")
    first = await make_round(db, clock, leader=kari, title="Lade")
    second = await make_round(db, clock, title="Rosenborg", start=START + timedelta(hours=1))
    async with db.session() as session:
        [team] = list(await session.scalars(select(Team).where(Team.round_id == second)))
        kari_id = (await member_by_telegram(session, kari.user_id)).id
    refused = await board.press_data(f"rdl.set:{team.id}:{kari_id}")
    assert refused.alerts == ["Kari Nordmann leder allerede et lag på den tiden («Lade»). Velg en annen."]
    assert await teams(db, second) == [None] and await teams(db, first) == ["Kari Nordmann"]


async def test_only_the_board_changes_leaders(db, app, make_user, clock):
    leader = await person(make_user, 36, first="Kari")
    await grant(db, leader, "leader")
    rid = await make_round(db, clock, leader=leader)
    async with db.session() as session:
        [team] = list(await session.scalars(select(Team).where(Team.round_id == rid)))
    refused = await leader.press_data(f"rdl.none:{team.id}")
    assert refused.alerts and "styret" in refused.alerts[0]
    assert await teams(db, rid) == ["Kari Nordmann"]


async def test_briefing_partner_and_district_can_be_edited_after_creation(db, app, make_user, clock):
    from models import rounds as rd

    board = await person(make_user, 37, first="Styre")
    await grant(db, board, "board")
    member = await person(make_user, 38)
    rid = await make_round(db, clock)  # no briefing, no partner, Østbyen
    await member.press_data(f"rd.join:{rid}")
    await board.send("/dorbank")
    await board.press("⚙️ Administrer runder")
    for label, value in (("Orientering", "Snakk om kommunale boliger."), ("Samarbeidspartner", "Fagforbundet"),
                         ("Bydel", "lerkendal")):
        await board.press("✏️ Endre")
        await board.press(label, exact=True)
        assert (await board.send(value)).text == "Lagret."
    await board.press("✏️ Endre")
    await board.press("Bydel", exact=True)
    assert (await board.send("Byåsen")).text.startswith("Den bydelen kjenner jeg ikke.")
    await board.send("/avbryt")
    async with db.session() as session:
        stored = await rd.get_round(session, rid)
        assert (stored.briefing, stored.partner, stored.district) == ("Snakk om kommunale boliger.", "Fagforbundet", "lerkendal")
    clock.set(START - timedelta(hours=3))  # the morning of the round: the briefing added later goes out
    await tick(app)
    assert any("Snakk om kommunale boliger." in m.text for m in member.messages())
