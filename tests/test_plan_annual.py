"""/rapport aar [YYYY] and `python -m bot report --year`: the year's figures for the annual report
(årsmelding), beside the plan's goals, in nb, nn and en, the same in the chat and from the command line."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import Member
from models import rounds as rd
from models.activity import CONFIRMED
from models.event_tables import Event
from models.leader_training import LeaderTraining
from models.membership import member_by_telegram
from models.phonebank import CallAttempt, CallTarget, Campaign
from models.round_tables import Signup
from models.welcome import WelcomeTask
from tests.helpers import came
from tests.test_plan import a_year_of_work, board_member

JANUARY = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)


async def a_recorded_year(db, clock) -> None:
    """On top of a_year_of_work: a 2025 round someone took part in; three people on the 2026 rounds (two of them
    for the first time); one report; calls reached on both sides of New Year; new members on both sides too."""
    clock.set(datetime(2025, 5, 1, 12, tzinfo=UTC))
    async with db.session() as session:
        start = datetime(2025, 6, 7, 10, tzinfo=UTC)
        old = await rd.create_round(session, title="Dørbank 2025", district="ostbyen", starts_at=start,
                                    ends_at=start + timedelta(hours=3), meeting_point="Lade kirke", capacity=5, now=clock(),
                                    teams=[(None, 5)])
        old_id = old.id
    await a_year_of_work(db, clock, someone_comes=False)  # sets the clock to August 2026
    async with db.session() as session:
        people = [Member(name=f"Deltaker{k}", telegram_id=3_100_000_000 + k, language="nb") for k in range(4)]
        session.add_all(people)
        await session.flush()
        september, october = [r.id for r in await rd.all_rounds(session) if r.starts_at.year == 2026]
        # Deltaker0 (there before 2026) also came to the January round and every event, so they are held.
        await came(session, *[r for r in await rd.all_rounds(session) if r.starts_at.year == 2027],
                   *(await session.scalars(select(Event))), member_id=people[0].id)
        session.add_all([Signup(round_id=old_id, member_id=people[0].id, status=CONFIRMED, attended=True),
                         Signup(round_id=september, member_id=people[0].id, status=CONFIRMED, attended=True),
                         Signup(round_id=september, member_id=people[1].id, status=CONFIRMED, attended=True),
                         Signup(round_id=october, member_id=people[2].id, status=CONFIRMED, attended=None),
                         Signup(round_id=october, member_id=people[3].id, status=CONFIRMED, attended=False)])
        await rd.file_report(session, september, doors=120, conversations=31, themes=["housing"], text="", filed_by=None, now=clock())
        await rd.file_report(session, october, doors=80, conversations=19, themes=[], text="", filed_by=None, now=clock())
        campaign = Campaign(name="Ring", scripts={"nb": "Hei"}, audience={})
        session.add(campaign)
        await session.flush()
        targets = [CallTarget(campaign_id=campaign.id, member_id=p.id, status="done") for p in people[:3]]
        session.add_all(targets)
        await session.flush()
        session.add_all([CallAttempt(target_id=targets[0].id, outcome="no_answer", at=datetime(2026, 11, 2, 17, tzinfo=UTC)),
                         CallAttempt(target_id=targets[0].id, outcome="signed_up", at=datetime(2026, 11, 3, 17, tzinfo=UTC)),
                         CallAttempt(target_id=targets[1].id, outcome="no_answer", at=datetime(2026, 11, 3, 18, tzinfo=UTC)),
                         CallAttempt(target_id=targets[2].id, outcome="not_now", at=datetime(2027, 1, 5, 17, tzinfo=UTC))])
        for person, joined, contacted in ((people[1], datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 4, tzinfo=UTC)),
                                          (people[2], datetime(2026, 12, 10, tzinfo=UTC), None),
                                          (people[3], datetime(2027, 1, 2, tzinfo=UTC), datetime(2027, 1, 3, tzinfo=UTC))):
            session.add(WelcomeTask(member_id=person.id, joined_at=joined, due_at=joined + timedelta(days=14),
                                    first_contact_at=contacted))
        session.add(LeaderTraining(member_id=people[0].id, rounds=3, offered_at=datetime(2026, 10, 10, 15, tzinfo=UTC),
                                   accepted_at=datetime(2027, 1, 3, 12, tzinfo=UTC)))


def document(exchange) -> tuple[str, str]:
    """The Markdown document sent: its text and its caption; and the page images are PNGs."""
    sent = exchange.method("sendDocument")
    assert len(sent) == 1
    (_field, content), = sent[0].files.items()
    pages = exchange.method("sendPhoto")
    assert len(pages) == 2 and all(next(iter(p.files.values())).startswith(b"\x89PNG") for p in pages)
    return content.decode("utf-8"), sent[0].text


NB_2026 = ["| Dørbankrunder | 2 | 10 i året |", "| Runder med en samarbeidsorganisasjon | 0 | 1 i året |",
           "| Kurs i direkte velgerkontakt | 1 | 2 i året |", "| Åpent møte med bevegelsene | 0 | 1 i året |",
           "| 8. mars | nei | holdes hvert år |", "| Arrangementer holdt: Kurs | 3 | – |",
           "| Deltakere (ulike personer på runder og arrangementer) | 3 | – |",
           "| Nye deltakere (aldri vært med før) | 2 | – |", "| Dører banket på | 200 | – |",
           "| Samtaler ved dørene | 50 | – |", "| Personer nådd i ringerunder | 1 | – |", "| Nye medlemmer | 2 | – |",
           "| Velkomstsamtaler innen 14 dager | 1 (50 %) | alle nye medlemmer |",
           "| Opplæring som dørbankgeneral: tilbudt / takket ja | 1 / 0 | – |"]


async def test_annual_report_for_last_year_and_this_year_across_new_year(db, app, make_user, clock):
    await a_recorded_year(db, clock)
    clock.set(datetime(2026, 12, 31, 22, 30, tzinfo=UTC))  # 23:30 on New Year's Eve in Oslo: still 2026
    board = await board_member(db, make_user)
    text, caption = document(await board.send("/rapport aar"))
    assert text.startswith("# Årsmelding 2026: arbeidsplanen i tall\n\nÅret 2026 så langt, fram til")
    assert caption == "Årsmelding 2026: arbeidsplanen i tall. Lim inn tabellen og sidene i årsmeldingen."
    for row in NB_2026:
        assert row in text

    clock.set(JANUARY)  # the annual meeting: last year is whole, this year has begun
    last_year, _caption = document(await board.send("/rapport aar 2026"))
    assert last_year.startswith("# Årsmelding 2026: arbeidsplanen i tall\n\nHele året 2026, fra lagbots registreringer.")
    for row in NB_2026:
        assert row in last_year
    this_year, _caption = document(await board.send("/rapport aar"))
    assert "| Dørbankrunder | 1 | 10 i året |" in this_year  # the January round is held
    assert "| Runder med en samarbeidsorganisasjon | 1 | 1 i året |" in this_year
    assert "| Kurs i direkte velgerkontakt | 0 | 2 i året |" in this_year
    assert "| Personer nådd i ringerunder | 1 | – |" in this_year
    assert "| Nye medlemmer | 1 | – |" in this_year and "| Velkomstsamtaler innen 14 dager | 1 (100 %) |" in this_year
    assert "| Opplæring som dørbankgeneral: tilbudt / takket ja | 0 / 1 | – |" in this_year
    assert "| Deltakere (ulike personer på runder og arrangementer) | 1 | – |" in this_year  # Deltaker0, at the round

    refused = await board.send("/rapport aar 2031")
    assert refused.text.startswith("Skriv året med fire sifre") and not refused.method("sendDocument")


@pytest.mark.parametrize(("lang", "command", "expected"), [
    ("nn", "/rapport aar 2026",
     ["# Årsmelding 2026: arbeidsplanen i tal", "Heile året 2026, frå registreringane i lagbot.",
      "| Tal | 2026 | Mål i arbeidsplanen |", "| Dørbankrundar | 2 | 10 i året |",
      "| Deltakarar (ulike personar på rundar og arrangement) | 3 | – |", "| Nye deltakarar (aldri vore med før) | 2 | – |",
      "| Dører banka på | 200 | – |", "| Nye medlemer | 2 | – |", "| Velkomstsamtalar innan 14 dagar | 1 (50 %) | alle nye medlemer |",
      "| 1. mai-frukost | nei | blir halde kvart år |"]),
    ("en", "/report annual 2026",
     ["# Annual report 2026: the work plan in figures", "The whole year 2026, from lagbot's records.",
      "| Figure | 2026 | Goal in the work plan |", "| Door-knocking rounds | 2 | 10 a year |",
      "| Course in direct voter contact | 1 | 2 a year |", "| Events held: Course | 3 | – |",
      "| First-timers (never taken part before) | 2 | – |", "| Conversations at the doors | 50 | – |",
      "| People reached in phone rounds | 1 | – |", "| Welcome calls within 14 days | 1 (50 %) | every new member |",
      "| Pride | no | held every year |"]),
])
async def test_annual_report_in_the_readers_language(db, app, make_user, clock, lang, command, expected):
    await a_recorded_year(db, clock)
    clock.set(JANUARY)
    board = await board_member(db, make_user, lang)
    text, _caption = document(await board.send(command))
    for line in expected:
        assert line in text


async def test_annual_report_is_for_the_board(db, app, make_user, clock):
    from tests.helpers import onboard

    member = make_user(first_name="Medlem", language_code="nb")
    await onboard(member, phone="+4748199997")
    refused = await member.send("/rapport aar 2026")
    assert refused.text.startswith("Bare medlemmer med rollen «styret»") and not refused.method("sendDocument")


@pytest.mark.slow
async def test_the_command_line_writes_the_same_annual_figures(db, app, make_user, clock, database_url, monkeypatch, tmp_path):
    from tests.test_register import run_cli

    await a_recorded_year(db, clock)
    clock.set(JANUARY)
    board = await board_member(db, make_user)
    chat, _caption = document(await board.send("/rapport aar 2026"))
    monkeypatch.setattr("bot.cli.report.utcnow", clock)
    assert await asyncio.to_thread(run_cli, monkeypatch, database_url, "report", "--year", "2026", "--out", str(tmp_path)) == 0
    assert (tmp_path / "arsmelding-2026.md").read_text(encoding="utf-8") == chat
    for page in ("arsmelding-2026-1.png", "arsmelding-2026-2.png"):
        assert (tmp_path / page).read_bytes().startswith(b"\x89PNG")
        assert f"({page})" in chat
    assert (tmp_path / "report.md").exists()
    async with db.session() as session:  # the chat's figures are the database's, not the CLI's own
        assert await member_by_telegram(session, board.user_id) is not None
