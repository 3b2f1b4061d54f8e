"""Findings of a season played as board, leaders and members (misc): the door-input export wrote a
leader's report once per theme and codes where the board reads words; a leader erasing their data was
not told which teams they gave up; /supportere could only confirm; the command line said "1 people";
two `bot run` on one SQLite file both polled; the digest counted old unverified admin accounts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from models import rounds as rd
from models.membership import member_by_telegram
from tests.test_plan import board_member
from tests.test_season_member import START, grant, make_round, person


# Kari (board) opened innspill-dorbank.csv for the board: Ola's report on Lade, ticked "Bolig" and
# "Skole", stood there twice, and every row said "housing", "ostbyen", "leader report".
async def test_door_input_export_has_one_row_per_answer_in_the_readers_words(db, app, make_user, clock):
    ola = await person(make_user, 0, first="Ola"); await grant(db, ola, "leader")
    anne = await person(make_user, 1, first="Anne")
    kari = await board_member(db, make_user)
    rid = await make_round(db, clock, leader=ola)
    await anne.press_data(f"rd.join:{rid}")
    async with db.session() as session:
        anne_id = (await member_by_telegram(session, anne.user_id)).id
        await rd.add_input(session, rid, anne_id, "climate", "=Flere busser til Lade")
    clock.set(START + timedelta(hours=4))
    await ola.press_data(f"rd:report:{rid}")
    await ola.send("80")
    await ola.send("20")
    await ola.press("Bolig")
    await ola.press("Skole")
    await ola.press("Ferdig", exact=True)
    saved = await ola.send("Mange spør om leiepriser og skolevei")
    assert saved.text.startswith("Takk! Rapporten er lagret"), saved.texts
    async with db.session() as session:
        assert (await rd.report_of(session, rid)).themes == ["housing", "schools"]

    export = await kari.send("/dorbank eksport")
    assert "Innspill fra dørene: 2 innspill" in export.texts[0], export.texts
    markdown, table = (next(iter(d.files.values())).decode("utf-8-sig") for d in export.method("sendDocument"))
    rows = list(csv.reader(io.StringIO(table), delimiter=";"))
    assert rows[0] == ["Temaer", "Bydel", "Runde", "Dato", "Kilde", "Tekst"], rows[0]
    assert rows[1:] == [
        ["Bolig, Skole", "Østbyen", "Dørbank på Lade", "05.12.2026", "Lederens rapport", "Mange spør om leiepriser og skolevei"],
        ["Klima", "Østbyen", "Dørbank på Lade", "05.12.2026", "Deltaker", "'=Flere busser til Lade"],
    ], rows
    for code in ("housing", "schools", "ostbyen", "leader report", "participant", "climate"):
        assert code not in table, (code, table)
    assert markdown.count("Mange spør om leiepriser og skolevei") == 1, markdown
    assert "- Mange spør om leiepriser og skolevei (Dørbank på Lade, 05.12.2026; også om: Skole)" in markdown, markdown
