"""A team's report is saved only by someone who may file it then: the right is read again with the
save, so a team given to another leader while its old leader was writing is not filed under their name."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import rounds as rd
from models.membership import member_by_telegram
from models.round_tables import RoundReport, Team
from tests.test_season_member import START, grant, person

END = START + timedelta(hours=3)


async def test_a_report_for_a_team_taken_from_its_leader_while_writing_is_refused(db, make_user, clock):
    jon = await person(make_user, 0, first="Jon")
    siv = await person(make_user, 3, first="Siv")
    per = await person(make_user, 4, first="Per")
    for leader in (jon, siv, per):
        await grant(db, leader, "leader")
    async with db.session() as session:
        j, s, p = [(await member_by_telegram(session, u.user_id)).id for u in (jon, siv, per)]
        round_ = await rd.create_round(session, title="Dørbank på Moholt", district="ostbyen", starts_at=START, ends_at=END,
                                       meeting_point="Moholt torg", capacity=6, now=clock(), teams=[(j, 2), (s, 2), (s, 2)],
                                       created_by=j)
        rid, team2 = round_.id, round_.teams[1].id
    clock.set(END + timedelta(minutes=30))
    await siv.press_data(f"rd:report:{rid}")
    await siv.press("Lag 2")
    await siv.send("80")
    async with db.session() as session:  # meanwhile team 2 gets Per as its leader (Siv still leads team 3): a change
        (await session.get(Team, team2)).leader_id = p  # made elsewhere (the chat refuses one once the round has begun)
    await siv.send("20")
    await siv.press("Hopp over", exact=True)
    refused = await siv.press("Hopp over", exact=True)
    assert "Bare lagets leder, rundens leder eller styret kan sende inn rapporten for dette laget." in refused.texts + refused.alerts
    async with db.session() as session:
        assert list(await session.scalars(select(RoundReport).where(RoundReport.round_id == rid))) == []
