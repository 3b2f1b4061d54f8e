"""`python -m bot surveys add/list/results/send/close/attach/mapping`, each with --help."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.db import Database
from models import Member, OutboxMessage, Survey
from models import broadcast as bc
from models import phonebank as pb
from models import surveys as sv
from tests.test_cli_season import empty, stored
from tests.test_register import run_cli

SURVEY_YAML = """\
title: Hva vil du bidra med i valgkampen?
intro: Tre korte spørsmål.
anonymous: false
questions:
  - key: help
    text: Vil du hjelpe til i valgkampen 2027?
    kind: single
    options:
      yes: Ja
      maybe: Kanskje
      no: Nei
  - key: where
    text: Hvor bor du?
    kind: district
  - key: more
    text: Noe mer?
    kind: text
"""


def answer(database_url: str, survey_id: int, people: list[tuple[str, str, str, str]]) -> None:
    """(name, district, option of the first question, free text) for each person, through the domain."""

    async def run() -> None:
        database = Database(database_url)
        try:
            async with database.session() as session:
                await sv.mark_sent(session, await sv.get(session, survey_id), {}, datetime(2026, 11, 27, 11, 0, tzinfo=UTC))
            for n, (name, district, option, text) in enumerate(people):
                async with database.session() as session:
                    member = Member(name=name, phone=f"+479300000{n}", district=district, verified=True, language="nb",
                                    telegram_id=7_300_000_000 + n, onboarded_at=datetime(2026, 1, 1, tzinfo=UTC))
                    session.add(member)
                    await session.flush()
                    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
                    step = await sv.start(session, survey_id, member, now)
                    index = ["yes", "maybe", "no"].index(option)
                    await sv.choose(session, step.response.id, member.telegram_id, [], 0, index, now)
                    await sv.choose(session, step.response.id, member.telegram_id, [], 1, list(bc.DISTRICTS).index(district), now)
                    await sv.write(session, step.response.id, member.telegram_id, [], 2, text, now)
        finally:
            await database.dispose()

    asyncio.run(run())


def test_surveys_from_a_file_to_results(tmp_path, monkeypatch, capsys, database_url):
    empty(database_url)
    path = tmp_path / "valgkamp.yaml"
    path.write_text(SURVEY_YAML, encoding="utf-8")
    assert run_cli(monkeypatch, database_url, "surveys", "add", str(path)) == 0
    assert "survey #1 created: Hva vil du bidra med i valgkampen? (linked, 3 questions)" in capsys.readouterr().out
    [survey] = stored(database_url, select(Survey))
    assert (survey.title, survey.anonymous, survey.intro) == ("Hva vil du bidra med i valgkampen?", False, "Tre korte spørsmål.")

    answer(database_url, survey.id, [("Kari", "ostbyen", "yes", "Stand på Torget"), ("Ola", "ostbyen", "yes", "=HYPERLINK(\"x\")"),
                                     ("Per", "heimdal", "no", "Nei takk")])
    assert run_cli(monkeypatch, database_url, "surveys", "list") == 0
    assert "#1\topen\tlinked\t3 answers\tHva vil du bidra med i valgkampen?" in capsys.readouterr().out
    assert run_cli(monkeypatch, database_url, "surveys", "results", "1") == 0
    out = capsys.readouterr().out
    assert "• Ja: 2 (Østbyen 2)" in out and "• Nei: 1 (Heimdal 1)" in out and "• Østbyen: 2" in out
    assert "- **Østbyen** — Kari: Stand på Torget" in out
    assert run_cli(monkeypatch, database_url, "surveys", "results", "1", "--csv", "--lang", "en") == 0
    csv_out = capsys.readouterr().out
    assert csv_out.startswith("Question;Answer;Total;Midtbyen;Østbyen;Lerkendal;Heimdal;Outside Trondheim;no district")
    assert "Vil du hjelpe til i valgkampen 2027?;Ja;2;0;2;0;0;0;0" in csv_out
    assert "'=HYPERLINK" in csv_out and ";=HYPERLINK" not in csv_out  # formula-safe

    assert run_cli(monkeypatch, database_url, "surveys", "send", "1", "--audience", "district=Østbyen", "--preview") == 0
    assert "recipients: 2" in capsys.readouterr().out
    assert run_cli(monkeypatch, database_url, "surveys", "send", "1", "--audience", "answer=1.help.no") == 0
    assert "queued to 1 member;" in capsys.readouterr().out
    rows = stored(database_url, select(OutboxMessage))
    assert [(r.topic, r.kind, r.subject_id) for r in rows] == [("survey.invite", "broadcast", 1)]

    assert run_cli(monkeypatch, database_url, "surveys", "close", "1") == 0
    assert run_cli(monkeypatch, database_url, "surveys", "send", "1") == 1
    assert "survey #1 is closed" in capsys.readouterr().err
    assert run_cli(monkeypatch, database_url, "surveys", "results", "99") == 1
    empty(database_url)


def test_bad_files_and_anonymous_surveys_on_phone_rounds(tmp_path, monkeypatch, capsys, database_url):
    empty(database_url)
    broken = tmp_path / "broken.yaml"
    broken.write_text("title: [unclosed\n", encoding="utf-8")
    assert run_cli(monkeypatch, database_url, "surveys", "add", str(broken)) == 1
    assert "is not valid YAML" in capsys.readouterr().err
    one_option = tmp_path / "one.yaml"
    one_option.write_text("title: X\nquestions:\n  - text: Ja?\n    kind: single\n    options: [Ja]\n", encoding="utf-8")
    assert run_cli(monkeypatch, database_url, "surveys", "add", str(one_option)) == 1
    assert "question 1: 2 to 8 options" in capsys.readouterr().err
    wrong_kind = tmp_path / "kind.yaml"
    wrong_kind.write_text("title: X\nquestions:\n  - text: Hvor?\n    kind: map\n", encoding="utf-8")
    assert run_cli(monkeypatch, database_url, "surveys", "add", str(wrong_kind)) == 1
    assert "kind is one of single, multi, text, district" in capsys.readouterr().err
    assert run_cli(monkeypatch, database_url, "surveys", "add", str(tmp_path / "missing.yaml")) == 1
    assert stored(database_url, select(Survey)) == []

    anonymous = tmp_path / "anon.yaml"
    anonymous.write_text("title: Anonymt\nanonymous: true\nquestions:\n  - text: Trives du?\n    options: [Ja, Nei]\n",
                         encoding="utf-8")
    assert run_cli(monkeypatch, database_url, "surveys", "add", str(anonymous)) == 0

    async def campaign() -> int:
        database = Database(database_url)
        try:
            async with database.session() as session:
                made, _n = await pb.create_campaign(session, name="Ring", purpose="x", scripts={"nb": "Hei, dette er SV."},
                                                    audience=bc.Audience(), now=datetime(2026, 11, 27, tzinfo=UTC))
                return made.id
        finally:
            await database.dispose()

    calls = asyncio.run(campaign())
    assert run_cli(monkeypatch, database_url, "surveys", "attach", "1", "--calls", str(calls)) == 1
    assert "anonymous; callers cannot fill it in" in capsys.readouterr().err
    assert run_cli(monkeypatch, database_url, "surveys", "mapping") == 0
    assert "district-chapter mapping: survey #2" in capsys.readouterr().out
    assert run_cli(monkeypatch, database_url, "surveys", "attach", "2", "--calls", str(calls)) == 0
    [carrying] = stored(database_url, select(pb.Campaign))
    assert carrying.survey_id == 2
    empty(database_url)


@pytest.mark.parametrize("verb", ["add", "list", "results", "send", "close", "attach", "mapping"])
def test_every_surveys_verb_has_help(verb, monkeypatch, capsys, database_url):
    with pytest.raises(SystemExit) as done:
        run_cli(monkeypatch, database_url, "surveys", verb, "--help")
    assert done.value.code == 0
    assert "usage: python -m bot surveys " + verb in capsys.readouterr().out
