"""Finding from a season player: a round with two teams had room for one report. After team 2's leader
filed, the round's own leader could only replace it, losing team 2's doors and conversations. Now each
team's leader files their own team's report, and every figure sums the teams' reports."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import round_messages
from models import annual as an
from models import nudges as ng
from models import rounds as rd
from models.member import Member
from models.membership import member_by_telegram
from models.round_tables import Round, RoundReport
from tests.helpers import came, tick
from tests.test_plan import board_member
from tests.test_season_member import START, grant, person
from tests.test_stale_buttons import file_report

END = START + timedelta(hours=3)
MISSING = "Rapporten for «Dørbank på Moholt» mangler."


async def two_teams(db, clock, first, second) -> int:
    """Moholt, team 1 led by `first` (the round's own leader), team 2 by `second` (None: no leader)."""
    async with db.session() as session:
        ids = [(await member_by_telegram(session, u.user_id)).id if u else None for u in (first, second)]
        round_ = await rd.create_round(session, title="Dørbank på Moholt", district="ostbyen", starts_at=START, ends_at=END,
                                       meeting_point="Moholt torg", capacity=6, now=clock(), teams=[(ids[0], 3), (ids[1], 3)],
                                       created_by=ids[0])
        for leader_id in filter(None, ids):
            await round_messages.schedule_report_nudge(session, round_, await session.get(Member, leader_id))
        return round_.id


async def stored(db, rid) -> list[tuple[int, int, int]]:
    """(team number, doors, conversations) of the round's reports."""
    async with db.session() as session:
        round_ = await session.get(Round, rid)
        reports = await session.scalars(select(RoundReport).where(RoundReport.round_id == rid).order_by(RoundReport.id))
        return [(rd.team_number(round_, r.team_id), r.doors, r.conversations) for r in reports]


# Siv (team 2) filed first; Jon, the round's own leader (team 1), was asked to replace her report and
# her 80 doors were gone from every figure.
async def test_two_team_leaders_each_file_and_both_reports_count(db, app, make_user, clock):
    jon = await person(make_user, 0, first="Jon"); await grant(db, jon, "leader")
    siv = await person(make_user, 3, first="Siv"); await grant(db, siv, "leader")
    kari = await board_member(db, make_user)
    rid = await two_teams(db, clock, jon, siv)
    async with db.session() as session:
        await came(session, await session.get(Round, rid))  # someone came: the round was held (models/held.py)
    clock.set(END + timedelta(minutes=30))
    await file_report(siv, rid, "80", "20")
    assert siv.last_message().text == "Takk! Rapporten er lagret: 80 dører, 20 samtaler.", siv.last_message().text
    clock.set(END + timedelta(days=1, minutes=5))
    await tick(app)                                          # the report nudge: Jon's team has not reported
    assert any(m.text.startswith(MISSING) for m in jon.messages()), [m.text for m in jon.messages()]
    assert not any(m.text.startswith(MISSING) for m in siv.messages()), [m.text for m in siv.messages()]
    asked = await jon.press_data(f"rd:report:{rid}")         # not asked to replace Siv's report
    assert asked.text.startswith("Rapport for «Dørbank på Moholt, lag 1». Hvor mange dører"), asked.texts
    assert "Ja, erstatt den" not in asked.buttons, asked.buttons
    await jon.send("120")
    await jon.send("35")
    await jon.press("Hopp over", exact=True)
    await jon.press("Hopp over", exact=True)
    assert await stored(db, rid) == [(2, 80, 20), (1, 120, 35)]
    figures = (await kari.send("/dorbank rapport")).texts
    assert any("Dører: 200 · samtaler: 55" in text for text in figures), figures
    async with db.session() as session:
        year = await an.annual(session, START.year, clock())
        assert (year.doors, year.conversations) == (200, 55)
        assert (await ng.digest(session, clock())).doors == 200
    # Jon files his own team's report again: that one he is asked to replace, and Siv's stays.
    again = await jon.press_data(f"rd:report:{rid}")
    assert again.text.startswith("Det er alt levert en rapport for «Dørbank på Moholt, lag 1»: 120 dører, 35 samtaler."), again.texts
    assert "Ja, erstatt den" in again.buttons, again.buttons
    await jon.press("Ja, erstatt den")
    await jon.send("130")
    await jon.send("40")
    await jon.press("Hopp over", exact=True)
    await jon.press("Hopp over", exact=True)
    assert await stored(db, rid) == [(2, 80, 20), (1, 130, 40)]
    # Siv re-filing is asked about her own report, not Jon's.
    hers = await siv.press_data(f"rd:report:{rid}")
    assert hers.text.startswith("Det er alt levert en rapport for «Dørbank på Moholt, lag 2»: 80 dører, 20 samtaler."), hers.texts
    await siv.send("/avbryt")
    # "The round did not take place" is for the whole round: both teams' reports go.
    replace = await jon.press_data(f"rd:report:{rid}")
    assert "🌧 Runden ble ikke noe av" in replace.buttons, replace.buttons
    await jon.press("Runden ble ikke noe av")
    await jon.press("Ja, den ble ikke noe av")
    assert await stored(db, rid) == []
    async with db.session() as session:
        assert (await session.get(Round, rid)).status == rd.NOT_HELD


# Jon leads team 1; team 2 has no leader. He files for both, choosing the team; the board too.
async def test_the_rounds_leader_and_the_board_file_for_a_team_without_a_leader(db, app, make_user, clock):
    jon = await person(make_user, 0, first="Jon"); await grant(db, jon, "leader")
    kari = await board_member(db, make_user)
    rid = await two_teams(db, clock, jon, None)
    clock.set(END + timedelta(minutes=30))
    which = await jon.press_data(f"rd:report:{rid}")
    assert which.text == "Hvilket lags rapport for «Dørbank på Moholt»?", which.texts
    assert which.buttons == ["Lag 1", "Lag 2"], which.buttons
    asked = await jon.press("Lag 2")
    assert asked.text.startswith("Rapport for «Dørbank på Moholt, lag 2»."), asked.texts
    await jon.send("60")
    await jon.send("10")
    await jon.press("Hopp over", exact=True)
    await jon.press("Hopp over", exact=True)
    await jon.press_data(f"rd:report:{rid}")
    await jon.press("Lag 1")
    await jon.send("40")
    await jon.send("5")
    await jon.press("Hopp over", exact=True)
    await jon.press("Hopp over", exact=True)
    assert await stored(db, rid) == [(2, 60, 10), (1, 40, 5)]
    board = await kari.press_data(f"rd:report:{rid}")        # Kari leads no team: the team without a leader
    assert board.text.startswith("Det er alt levert en rapport for «Dørbank på Moholt, lag 2»: 60 dører"), board.texts


def test_an_existing_report_becomes_the_first_teams(tmp_path):
    """The migration: a round's one report is its first team's."""
    import sqlite3

    from bot.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp_path}/old.db"
    upgrade(url, "0026")
    with sqlite3.connect(tmp_path / "old.db") as connection:
        connection.execute("INSERT INTO rounds (id, title, district, starts_at, ends_at, meeting_point, capacity, status, version, "
                           "created_at) VALUES (7, 'Lade', 'ostbyen', '2026-05-01 10:00:00', '2026-05-01 13:00:00', 'Kirka', 6, "
                           "'planned', 1, '2026-04-01 00:00:00')")
        connection.execute("INSERT INTO round_teams (id, round_id, capacity) VALUES (11, 7, 3), (12, 7, 3)")
        connection.execute("INSERT INTO round_reports (round_id, doors, conversations, themes, text, filed_at) "
                           "VALUES (7, 90, 20, '[]', '', '2026-05-01 14:00:00')")
    upgrade(url)
    with sqlite3.connect(tmp_path / "old.db") as connection:
        assert connection.execute("SELECT round_id, team_id, doors FROM round_reports").fetchall() == [(7, 11, 90)]
        connection.execute("INSERT INTO round_reports (round_id, team_id, doors, conversations, themes, text, filed_at) "
                           "VALUES (7, 12, 50, 10, '[]', '', '2026-05-01 15:00:00')")
