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
        await rd.add_input(session, rid, anne_id, "climate", "=Flere busser til Lade", now=clock())
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
    assert "Innspill fra dørene 2026: 2 innspill" in export.texts[0], export.texts
    markdown, table = (next(iter(d.files.values())).decode("utf-8-sig") for d in export.method("sendDocument"))
    rows = list(csv.reader(io.StringIO(table), delimiter=";"))
    assert rows[0] == ["Temaer", "Bydel", "Runde", "Dato", "Kilde", "Tekst"], rows[0]
    assert rows[1:] == [
        ["Bolig, Skole", "Østbyen", "Dørbank på Lade", "2026-12-05", "Lederens rapport", "Mange spør om leiepriser og skolevei"],
        ["Klima", "Østbyen", "Dørbank på Lade", "2026-12-05", "Deltaker", "'=Flere busser til Lade"],
    ], rows
    for code in ("housing", "schools", "ostbyen", "leader report", "participant", "climate"):
        assert code not in table, (code, table)
    assert markdown.count("Mange spør om leiepriser og skolevei") == 1, markdown
    assert "- Mange spør om leiepriser og skolevei (Dørbank på Lade, 05.12.2026; også om: Skole)" in markdown, markdown


# Ola led team 2 on "Dørbank på Lade" (Per leads team 1) and the only team on "Dørbank i Heimdal".
# /slett_meg named the rounds but not his team, and said nothing of how to hand over first; the
# goodbye did not say the board knew.
async def test_a_leader_erasing_is_told_which_teams_and_how_to_hand_over_first(db, app, make_user, clock):
    from sqlalchemy import select

    from models.member import Member
    from models.round_tables import Team
    from tests.helpers import tick

    ola = await person(make_user, 0, first="Ola"); await grant(db, ola, "leader")
    per = await person(make_user, 1, first="Per"); await grant(db, per, "leader")
    kari = await board_member(db, make_user)
    async with db.session() as session:
        ola_id = (await member_by_telegram(session, ola.user_id)).id
        per_id = (await member_by_telegram(session, per.user_id)).id
        lade = (await rd.create_round(session, title="Dørbank på Lade", district="ostbyen", starts_at=START,
                                      ends_at=START + timedelta(hours=3), meeting_point="Lade kirke", capacity=10,
                                      now=clock(), teams=[(per_id, 5), (ola_id, 5)])).id
    heimdal = await make_round(db, clock, leader=ola, title="Dørbank i Heimdal", start=START + timedelta(days=7))
    asked = await ola.send("/slett_meg")
    assert ("Du leder et lag på disse; laget får ingen leder, og styret får beskjed:\n"
            "• Dørbank på Lade, lag 2 — lørdag 5. desember kl. 12:00\n"
            "• Dørbank i Heimdal — lørdag 12. desember kl. 12:00\n\n"
            "Vil du overlate laget først? Trykk «Nei, behold dem» og be styret velge en ny leder, "
            "og send /slett_meg igjen etterpå.") in asked.text, asked.text
    kept = await ola.press("Nei, behold dem")
    assert kept.method("editMessageText")[0].text == "Ingenting ble slettet.", kept.texts

    async def leaders():
        async with db.session() as session:
            return [tuple(row) for row in (await session.execute(select(Team.round_id, Team.leader_id).order_by(Team.id))).all()]

    assert await leaders() == [(lade, per_id), (lade, ola_id), (heimdal, ola_id)]
    await ola.send("/slett_meg")
    done = await ola.press("Ja, slett dataene mine")
    goodbye = done.method("editMessageText")[0].text
    assert goodbye.endswith("Styret har fått beskjed om at disse lagene trenger en ny leder:\n"
                            "• Dørbank på Lade, lag 2 — lørdag 5. desember kl. 12:00\n"
                            "• Dørbank i Heimdal — lørdag 12. desember kl. 12:00"), goodbye
    assert await leaders() == [(lade, per_id), (lade, None), (heimdal, None)]
    async with db.session() as session:
        assert (await session.get(Member, ola_id)).status == "erased"
    await tick(app)
    told = [m.text for m in kari.messages() if "har ikke lenger noen dørbankgeneral" in m.text]
    assert len(told) == 2 and told[0].startswith("Lag 2 på «Dørbank på Lade»") and "Dørbank i Heimdal" in told[1], told


# "Per Tull" went on without a number; nobody on the board knew him. /supportere offered only
# "Bekreft Per Tull", so he stayed on the list all season (and held a seat on a round).
async def test_the_board_rejects_a_supporter_it_cannot_confirm(db, app, make_user, clock):
    from models.member import Member
    from tests.helpers import onboard, stored, tick
    from tests.test_stale_buttons import status_of

    kari = await board_member(db, make_user)
    per = make_user(first_name="Per", last_name="Tull")
    await onboard(per, phone=None)
    bjorn = await person(make_user, 2, first="Bjørn")
    rid = await make_round(db, clock, capacity=1)
    await per.press_data(f"rd.join:{rid}")
    await bjorn.press_data(f"rd.join:{rid}")                        # the waiting list
    per_id = (await stored(db, per.user_id)).id

    listing = await kari.send("/supportere")
    row = listing.buttons.index("Bekreft Per Tull")
    assert listing.buttons[row + 1] == "✖️ Avvis", listing.buttons      # on his row
    reject = f"adm.reject:ask:{per_id}"
    assert (listing.buttons[row + 1], reject) in kari.last_message().inline_buttons
    asked = await kari.press_data(reject)
    [question] = asked.method("editMessageText")
    assert question.text.startswith("Avvise Per Tull? Personen blir ikke lagt til som støttespiller"), question.text
    assert question.buttons == ["Ja, avvis", "Nei, tilbake til listen"], question.buttons
    back = await kari.press("Nei, tilbake til listen")              # changed her mind: nothing happens
    assert "Per Tull" in back.method("editMessageText")[0].text and (await stored(db, per.user_id)).verified is False
    old_verify = kari.find_button("Bekreft Per Tull")[0]
    await kari.press_data(reject)
    done = await kari.press("Ja, avvis")
    assert done.method("answerCallbackQuery")[0].params["text"] == "Per Tull ble avvist og ikke lagt til.", done.texts
    assert "Per Tull" not in done.method("editMessageText")[0].text and "Bjørn" in done.method("editMessageText")[0].text
    async with db.session() as session:
        gone = await session.get(Member, per_id)
        assert (gone.status, gone.name, gone.telegram_id, gone.verified) == ("erased", None, None, False)
    assert await stored(db, per.user_id) is None
    assert await status_of(db, bjorn, rid) == rd.CONFIRMED          # his seat went to the next in line
    late = await kari.press_data(f"adm.verify:{per_id}", old_verify)
    assert late.alerts == ["Den støttespilleren er allerede bekreftet eller finnes ikke lenger."], late.alerts
    await tick(app)
    assert per.last_message().text == ("Styret i Trondheim SV kunne ikke bekrefte deg som støttespiller, så lagbot har slettet "
                                       "det du hadde gitt. Er du medlem, eller er dette en feil? Send /start og del nummeret ditt.")
    assert any(m.text.startswith("Gode nyheter") for m in bjorn.messages()), [m.text for m in bjorn.messages()]
    again = await per.send("/start")
    assert again.texts[0].startswith("Velkommen. Da styret gikk gjennom støttespillerne"), again.texts


# Kari started a phone round for one new member from the command line: "… 1 people to call".
def test_the_command_line_counts_in_proper_english(tmp_path, monkeypatch, capsys, database_url):
    from tests.test_cli_season import empty
    from tests.test_register import run_cli

    empty(database_url)
    register = tmp_path / "medlemmer.csv"
    register.write_text("navn;telefon\nÅse Berg;91234567\n", encoding="utf-8")
    assert run_cli(monkeypatch, database_url, "members", "import", str(register)) == 0
    capsys.readouterr()
    assert run_cli(monkeypatch, database_url, "calls", "add", "--name", "Velkommen", "--script", "Hei!") == 0
    assert "Velkommen, 1 person to call" in capsys.readouterr().out
    register.write_text("navn;telefon\nÅse Berg;91234567\nOla Dal;92345678\n", encoding="utf-8")
    assert run_cli(monkeypatch, database_url, "members", "import", str(register)) == 0
    capsys.readouterr()
    assert run_cli(monkeypatch, database_url, "calls", "add", "--name", "Alle", "--script", "Hei!") == 0
    assert "Alle, 2 people to call" in capsys.readouterr().out
    assert run_cli(monkeypatch, database_url, "rounds", "export-input", "--out", str(tmp_path / "ut")) == 0
    assert capsys.readouterr().out.startswith("0 items from the rounds of "), "no door input yet"
    empty(database_url)


# Ola started `python -m bot run` in a second terminal on the same lagbot.db: both polled Telegram
# (409 Conflict in turn) and both sent the outbox.
def test_a_second_bot_run_on_the_same_sqlite_file_refuses_to_start(tmp_path):
    import os
    import subprocess
    import sys
    import time

    from bot.leader import AlreadyRunning, RunLock
    from tests.conftest import FAKE_TOKEN
    from tests.test_run_e2e import ROOT, Server

    server = Server()
    url = f"sqlite+aiosqlite:///{tmp_path}/lagbot.db"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": FAKE_TOKEN, "DATABASE_URL": url, "PYTHONPATH": str(ROOT),
           "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{server.port}/bot", "TELEGRAM_BOT_USERNAME": "lagbot_e2e_bot"}
    first = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "lagbot.db.lock").exists() or not (tmp_path / "lagbot.db.lock").read_text().strip():
            assert first.poll() is None and time.monotonic() < deadline, "the first bot did not start"
            time.sleep(0.05)
        second = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=60)
        assert second.returncode == 1, (second.returncode, second.stdout, second.stderr)
        assert second.stderr.strip() == (
            f"lagbot: the bot is already running on {tmp_path}/lagbot.db (process {first.pid}). Two would both poll "
            "Telegram and write the same database: stop that one first. (To run a standby beside it, use PostgreSQL.)"), second.stderr
        assert "starting" not in second.stdout
        assert first.poll() is None, "the first one goes on"
    finally:
        first.terminate()
        first.communicate(timeout=20)
        server.process.terminate()
        server.process.wait(timeout=10)
    again = RunLock(url)                                            # stopped (however): the file is free again
    again.acquire()
    try:
        other = RunLock(url)
        try:
            other.acquire()
            raise AssertionError("a second lock on the same file was granted")
        except AlreadyRunning as running:
            assert running.pid == str(os.getpid())
    finally:
        again.release()
    assert RunLock("sqlite+aiosqlite:///:memory:").path is None and RunLock("postgresql+asyncpg://x@h/db").path is None


# Monday's digest said "Støttespillere som venter på bekreftelse: 2 (/supportere)"; /supportere listed
# one. The other was the chair's own account from LAGBOT_ADMINS, unverified since before the operator
# vouched for such accounts, which the list rightly leaves out.
async def test_the_digest_counts_the_supporters_the_board_is_shown(db, app, make_user, clock):
    from datetime import UTC, datetime

    from models.member import Member
    from tests.conftest import ADMIN_ID
    from tests.helpers import tick

    kari = await board_member(db, make_user)
    async with db.session() as session:
        kari_member = await member_by_telegram(session, kari.user_id)
        kari_member.verified = True                                # not one of those to check herself
        session.add(Member(name="Leder Admin", status="supporter", verified=False, language="nb", telegram_id=ADMIN_ID,
                           onboarded_at=clock()))
        session.add(Member(name="Ny Supporter", status="supporter", verified=False, language="nb", onboarded_at=clock()))
    listing = await kari.send("/supportere")
    assert listing.text.startswith("Støttespillere som venter på bekreftelse (1):"), listing.text
    assert "Ny Supporter" in listing.text and "Leder Admin" not in listing.text
    clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))             # Monday 09:00
    await tick(app)
    await tick(app)
    [digest] = [m.text for m in kari.messages() if m.text.startswith("📋")]
    assert "Støttespillere som venter på bekreftelse: 1 (/supportere)" in digest, digest


async def test_a_board_member_cannot_reject_themselves(db, app, make_user, clock):
    from tests.helpers import stored

    kari = await board_member(db, make_user)                      # not in the register: on her own list
    kari_id = (await stored(db, kari.user_id)).id
    await kari.send("/supportere")
    await kari.press_data(f"adm.reject:ask:{kari_id}")
    refused = await kari.press("Ja, avvis")
    assert refused.alerts == ["Du kan ikke avvise deg selv. Vil du slette dine egne data, send /slett_meg."], refused.alerts
    assert (await stored(db, kari.user_id)).status == "supporter"


# The chair's own account (LAGBOT_ADMINS, unverified from before vouching) was counted among the
# "ubekreftede støttespillere" a broadcast left out, whom /supportere never showed, and got no broadcasts.
async def test_a_broadcast_counts_and_reaches_an_old_admin_account_as_vouched_for(db, app, make_user, clock):
    from tests.conftest import ADMIN_ID
    from tests.helpers import tick

    kari = await board_member(db, make_user)
    ada = make_user(ADMIN_ID, first_name="Ada", language_code="nb")
    await onboard_admin_before_vouching(db, ada)
    stranger = make_user(first_name="Ukjent", language_code="nb")
    from tests.helpers import onboard
    await onboard(stranger, phone=None, district="Midtbyen")
    async with db.session() as session:
        (await member_by_telegram(session, kari.user_id)).verified = True
    await kari.send("/utsending")
    await kari.send("Dørbank lørdag!")
    await kari.press("Bydeler", exact=True)
    await kari.press("Midtbyen")
    await kari.press("« Tilbake")
    summary = (await kari.press("Forhåndsvis ▸")).texts[1]
    assert "1 ubekreftet støttespiller får den ikke" in summary, summary        # the stranger, as /supportere shows
    assert "Mottakere: 2" in summary, summary                                  # Kari and Ada
    await kari.press("Send nå")
    await tick(app)
    assert any(m.text.startswith("Dørbank lørdag!") for m in ada.messages()), [m.text for m in ada.messages()]
    assert not any(m.text.startswith("Dørbank lørdag!") for m in stranger.messages())


async def onboard_admin_before_vouching(db, user) -> None:
    """Onboarded in Midtbyen without a number, as an account in LAGBOT_ADMINS was before the operator vouched for it."""
    from tests.helpers import onboard

    await onboard(user, phone=None, district="Midtbyen")
    async with db.session() as session:
        (await member_by_telegram(session, user.user_id)).verified = False
