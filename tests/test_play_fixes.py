"""Findings of a season played with the bot: /rapport's door input and the door-input export counted
different things; an admin given only by LAGBOT_ADMINS was nudged as a newcomer; on a round with
several teams one team's report closed check-in for every team."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from models import OutboxMessage
from models import plan as pl
from models import rounds as rd
from models.membership import member_by_telegram
from models.round_tables import DoorInput
from tests.test_plan import board_member, captions
from tests.test_season_member import START, grant, make_round, person


def door_count(found: str) -> int:
    line = next(line for line in found.splitlines() if line.startswith("Innspill fra dørene:"))
    return int(line.split(":")[1].split(".")[0])


# Kari (board) compared /rapport's "Innspill fra dørene" with innspill-dorbank.csv for the same year:
# the overview left out the leaders' reports and the export held every year's input.
async def test_the_overview_counts_what_the_export_lists(db, app, make_user, clock):
    ola = await person(make_user, 0, first="Ola"); await grant(db, ola, "leader")
    anne = await person(make_user, 1, first="Anne")
    kari = await board_member(db, make_user)
    today = clock()
    clock.set(START - timedelta(days=400))
    last_year = await make_round(db, clock, title="Dørbank i fjor", start=START - timedelta(days=365))
    clock.set(today)
    rid = await make_round(db, clock, leader=ola)
    await anne.press_data(f"rd.join:{rid}")
    async with db.session() as session:
        anne_id = (await member_by_telegram(session, anne.user_id)).id
        await rd.add_input(session, rid, anne_id, "climate", "Flere busser til Lade", now=clock())
        # From the round a year before, given (as the clock of this run says) now: not this year's.
        session.add(DoorInput(round_id=last_year, member_id=anne_id, district="ostbyen", theme="housing", text="Gammelt"))
    clock.set(START + timedelta(hours=4))
    await ola.press_data(f"rd:report:{rid}")
    await ola.send("80")
    await ola.send("20")
    await ola.press("Bolig")
    await ola.press("Ferdig", exact=True)
    assert (await ola.send("Mange spør om leiepriser")).text.startswith("Takk! Rapporten er lagret")

    found = captions(await kari.send("/rapport"))[5]
    export = await kari.send("/dorbank eksport")
    table = next(iter(export.method("sendDocument")[1].files.values())).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(table), delimiter=";"))[1:]
    assert [row[-1] for row in rows] == ["Mange spør om leiepriser", "Flere busser til Lade"], rows
    assert door_count(found) == len(rows) == 2, (found, rows)
    assert "Ved dørene: Klima 1, Bolig 1" in found, found
    assert "Innspill fra dørene 2026: 2 innspill" in export.texts[0], export.texts
    older = await kari.send("/dorbank eksport 2025")
    table = next(iter(older.method("sendDocument")[1].files.values())).decode("utf-8-sig")
    assert [row[-1] for row in list(csv.reader(io.StringIO(table), delimiter=";"))[1:]] == ["Gammelt"]
    async with db.session() as session:
        assert sum((await pl.year_input(session, 2025)).door_by_theme.values()) == 1


# The chapter's operator (in LAGBOT_ADMINS, no role row) got "it can take a little time to find your
# place" three weeks after starting the bot, like any member who had done nothing yet.
async def test_an_admin_by_lagbot_admins_gets_no_newcomer_word(db, app, make_user, clock):
    from models.membership import set_interests
    from tests.conftest import ADMIN_ID
    from tests.helpers import onboard
    from tests.test_nudges import MONDAY, nudge_texts, run_hooks

    admin = make_user(user_id=ADMIN_ID, first_name="Drift")
    await onboard(admin, phone="+4747000010", district="Lerkendal")
    ola = make_user(first_name="Ola")
    await onboard(ola, phone="+4747000011", district="Lerkendal")
    async with db.session() as session:
        for user in (admin, ola):
            stored = await member_by_telegram(session, user.user_id)
            assert not stored.roles
            stored.verified, stored.joined_on = True, clock().date()
            await set_interests(session, stored, ())
    await run_hooks(app, clock, MONDAY + timedelta(days=23))  # past the welcome weeks
    [word] = await nudge_texts(ola)
    assert word.startswith("Det kan ta litt tid å finne sin plass."), word
    assert await nudge_texts(admin) == []
    async with db.session() as session:
        admin_id = (await member_by_telegram(session, ADMIN_ID)).id
        queued = list(await session.scalars(select(OutboxMessage.dedupe_key).where(
            OutboxMessage.member_id == admin_id, OutboxMessage.kind == "nudge")))
    assert queued == [], queued


# Kari (board) opened "Alle på «Dørbank på Moholt»" after Jon had filed team 1's report: no check-in
# buttons for anyone, and "check-in is closed", though Siv's team 2 had not reported and Bjørn was there.
async def test_one_teams_report_closes_check_in_for_that_team_only(db, app, make_user, clock):
    from bot.activity_buttons import RoundTeam, TeamCheckIn
    from tests.test_play_rounds import seat
    from tests.test_stale_buttons import file_report
    from tests.test_teams_reports import END, two_teams

    jon = await person(make_user, 0, first="Jon"); await grant(db, jon, "leader")
    siv = await person(make_user, 3, first="Siv"); await grant(db, siv, "leader")
    anne = await person(make_user, 1, first="Anne")
    bjorn = await person(make_user, 2, first="Bjørn")
    kari = await board_member(db, make_user)
    rid = await two_teams(db, clock, jon, siv)
    for user in (anne, bjorn):
        await user.press_data(f"rd.join:{rid}")
    anne_seat, bjorn_seat = await seat(db, anne, rid), await seat(db, bjorn, rid)
    async with db.session() as session:
        round_ = await rd.get_round(session, rid)
        assert [rd.team_number(round_, s.team_id) for s in (anne_seat, bjorn_seat)] == [1, 2]
    clock.set(END + timedelta(minutes=30))
    await file_report(jon, rid)
    everyone = await kari.press_data(RoundTeam(round_id=rid).pack())
    assert everyone.text.startswith("Alle på «Dørbank på Moholt»"), everyone.texts
    assert "✅ Bjørn: her" in everyone.buttons and "❌ Bjørn: kom ikke" in everyone.buttons, everyone.buttons
    assert not any(label.startswith(("✅ Anne", "❌ Anne")) for label in everyone.buttons), everyone.buttons
    assert "Innsjekkingen for «Dørbank på Moholt» er stengt: rapporten er levert." not in everyone.text, everyone.text
    assert "Innsjekkingen for lag 1 er stengt: lagets rapport er levert." in everyone.text, everyone.text
    checked = await kari.press("✅ Bjørn: her")
    assert checked.alerts == [], checked.alerts
    assert (await seat(db, bjorn, rid)).attended is True
    refused = await kari.press_data(TeamCheckIn(signup_id=anne_seat.id, present=True).pack())
    assert refused.alerts == ["Innsjekkingen for «Dørbank på Moholt» er stengt: rapporten er levert."], refused.alerts
    assert (await seat(db, anne, rid)).attended is None
    # Siv, team 2's leader, still checks her own team in; Jon's list of team 1 is closed.
    own = await siv.press_data(RoundTeam(round_id=rid).pack())
    assert "✅ Bjørn: her" in own.buttons and "Innsjekkingen for lag" not in own.text, (own.buttons, own.text)
    closed = await jon.press_data(RoundTeam(round_id=rid).pack())
    assert not any(label.startswith("✅") for label in closed.buttons), closed.buttons
    assert "Innsjekkingen for «Dørbank på Moholt» er stengt: rapporten er levert." in closed.text, closed.text
