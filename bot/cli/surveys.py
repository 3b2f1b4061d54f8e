"""`python -m bot surveys …`: add a survey from a YAML file, list them, send one, read its results
(text, or CSV with --csv), close it, let a phone round carry it, and make the district-chapter mapping."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import in_session, plural, with_database
from bot.db import Database
from bot.settings import Settings
from models.base import utcnow
from models.errors import NotFound, UnknownChoice


def add_commands(commands: Any) -> None:
    """Register `surveys` and its verbs on the top-level subparsers."""
    cmd = commands.add_parser("surveys", help="surveys: add from YAML, list, send, results, close, phone round, mapping")
    verbs = cmd.add_subparsers(title="verbs", metavar="VERB")

    add = verbs.add_parser("add", help="create a survey from a YAML file (format in README)")
    add.add_argument("file", type=Path, help="the survey as YAML: title, intro, anonymous, questions")
    add.set_defaults(func=cmd_add)

    listing = verbs.add_parser("list", help="every survey with its state and number of answers")
    listing.set_defaults(func=cmd_list)

    results = verbs.add_parser("results", help="counts per option and by district (board only: the output is personal data)")
    results.add_argument("survey", type=int, help="the survey's id (see `surveys list`)")
    results.add_argument("--csv", action="store_true", help="CSV (semicolons, formula-safe) of every count and free text")
    results.add_argument("--lang", choices=("nb", "nn", "en"), default="nb", help="language of the words (default nb)")
    results.add_argument("--out", type=Path, help="write to this file (CSV with a byte-order mark for Excel) instead of printing")
    results.set_defaults(func=cmd_results)

    send = verbs.add_parser("send", help="send a survey to an audience through the outbox (like a broadcast)")
    send.add_argument("survey", type=int)
    send.add_argument("--audience", default="all",
                      help="'all', or e.g. district=ostbyen,interest=doorknock,answer=3.interest.yes (AND across kinds)")
    send.add_argument("--preview", action="store_true", help="only count who it would reach")
    send.set_defaults(func=cmd_send)

    close = verbs.add_parser("close", help="close a survey: no more answers or changes")
    close.add_argument("survey", type=int)
    close.set_defaults(func=cmd_close)

    attach = verbs.add_parser("attach", help="let a phone round carry a (linked) survey: callers fill it in from the call card")
    attach.add_argument("survey", type=int)
    attach.add_argument("--calls", type=int, required=True, help="the phone round's id (see `calls list`)")
    attach.set_defaults(func=cmd_attach)

    mapping = verbs.add_parser("mapping", help="create the ready-made district-chapter mapping survey (then `surveys send`)")
    mapping.set_defaults(func=cmd_mapping)


def read_file(path: Path) -> Any:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8-sig"))


@in_session
async def cmd_add(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    import yaml

    from models import surveys as sv

    try:
        spec = sv.spec_from_data(read_file(args.file))
    except OSError as exc:
        print(f"lagbot: cannot read {args.file}: {exc}", file=sys.stderr)
        return 1
    except yaml.YAMLError as exc:
        print(f"lagbot: {args.file} is not valid YAML: {exc}", file=sys.stderr)
        return 1
    except sv.BadSurvey as exc:
        print(f"lagbot: {args.file}: {exc}", file=sys.stderr)
        return 1
    survey = await sv.create(session, spec, created_by=None)
    print(f"survey #{survey.id} created: {survey.title} ({'anonymous' if survey.anonymous else 'linked'}, "
          f"{plural(len(spec.questions), 'question', 'questions')})")
    return 0


@in_session
async def cmd_list(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    from bot.survey_messages import words
    from models import surveys as sv

    rows = await sv.listing(session)
    if not rows:
        print("no surveys")
    for survey, answers in rows:
        kind = "anonymous" if survey.anonymous else "linked"
        print(f"#{survey.id}\t{survey.status}\t{kind}\t{plural(answers, 'answer', 'answers')}\t{words(survey, survey.title, 'nb')}")
    return 0


def cmd_results(settings: Settings, args: argparse.Namespace) -> int:
    from bot.reports import surveys as report
    from bot.survey_messages import ROLE_TAKERS
    from models import survey_results as found
    from models import surveys as sv

    async def work(database: Database) -> int:
        try:
            async with database.session() as session:
                results = await found.results(session, args.survey)
                pilot = await found.pilot(session, args.survey, ROLE_TAKERS) if results.survey.kind == sv.MAPPING else None
        except NotFound:
            print(f"lagbot: there is no survey #{args.survey}", file=sys.stderr)
            return 1
        if args.csv:
            text = report.counts_csv(results, args.lang)
        else:
            text = report.text(results, args.lang) + ("\n\n" + report.pilot_text(pilot, args.lang) if pilot is not None else "")
            if any(r.texts for r in results.questions):
                text += "\n\n" + report.free_text_markdown(results, args.lang)
            text += "\n"
        if args.out:
            args.out.write_text(("\ufeff" if args.csv else "") + text, encoding="utf-8")
            print(f"wrote {args.out}")
        else:
            sys.stdout.write(text)
        return 0

    return with_database(settings, work)


def cmd_send(settings: Settings, args: argparse.Namespace) -> int:
    from bot import survey_messages
    from models import broadcast as bc
    from models import surveys as sv

    try:
        audience = bc.Audience.parse(args.audience)
    except (UnknownChoice, ValueError) as exc:
        print(f"lagbot: cannot read the audience {args.audience!r}: {exc}", file=sys.stderr)
        return 2

    async def work(database: Database) -> int:
        now = utcnow()
        if args.preview:
            async with database.session() as session:
                await sv.get(session, args.survey)
                counted = await bc.reach(session, audience, now=now, urgent=False, weekly_cap=settings.weekly_cap,
                                         admin_ids=settings.lagbot_admins)
            print(f"recipients: {len(counted.recipients)}\nmatching: {counted.matching}\nnot on Telegram: {counted.not_on_telegram}\n"
                  f"turned off: {counted.opted_out}\nunreachable: {counted.unreachable}\nweekly cap: {counted.over_cap}")
            return 0
        try:
            reach = await survey_messages.launch(database, args.survey, audience, actor_telegram_id=None, admins=settings.lagbot_admins, now=now,
                                                 weekly_cap=settings.weekly_cap)
        except sv.SurveyClosed:
            print(f"lagbot: survey #{args.survey} is closed", file=sys.stderr)
            return 1
        print(f"survey #{args.survey} queued to {plural(len(reach.recipients), 'member', 'members')}; the running bot sends it")
        return 0

    return with_database(settings, work)


@in_session
async def cmd_close(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    from models import surveys as sv

    survey = await sv.close(session, args.survey, utcnow())
    print(f"survey #{survey.id} is closed")
    return 0


def cmd_attach(settings: Settings, args: argparse.Namespace) -> int:
    from models import surveys as sv

    async def work(database: Database) -> int:
        try:
            async with database.session() as session:
                campaign = await sv.attach_to_campaign(session, args.survey, args.calls)
        except sv.NotForCallers:
            print(f"lagbot: survey #{args.survey} is anonymous; callers cannot fill it in", file=sys.stderr)
            return 1
        print(f"phone round #{campaign.id} ({campaign.name}) carries survey #{args.survey}")
        return 0

    return with_database(settings, work)


@in_session
async def cmd_mapping(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    from bot.survey_messages import mapping_spec
    from models import surveys as sv

    survey = await sv.latest_mapping(session)
    if survey is None or survey.status != sv.OPEN:
        survey = await sv.create(session, mapping_spec(), created_by=None, kind=sv.MAPPING, translated=True)
    print(f"district-chapter mapping: survey #{survey.id}; send it with `surveys send {survey.id} --audience all`")
    return 0
