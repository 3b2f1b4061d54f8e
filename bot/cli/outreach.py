"""`python -m bot broadcast|calls|nudges`: messages, phone rounds and suggestions to members."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import in_session, plural, problem, with_database
from bot.csvfile import csv_text
from bot.db import Database
from bot.settings import Settings


def add_commands(commands: Any) -> None:
    """Register this module's commands on the top-level subparsers."""
    cast = commands.add_parser("broadcast", help="queue a broadcast from the board to an audience")
    cast.add_argument("--audience", default="all",
                      help="comma-separated filters: all | district=D | interest=I | role=R | new=DAYS | inactive=DAYS | "
                           "answer=SURVEY.KEY.OPTION (a linked survey's answer)")
    cast.add_argument("--text", required=True, help="the message (at most 3500 characters)")
    cast.add_argument("--urgent", action="store_true", help="ignore quiet hours and the weekly cap")
    cast.add_argument("--at", help="send at this Oslo time (YYYY-MM-DD HH:MM); default now")
    cast.add_argument("--preview", action="store_true", help="only count the recipients")
    cast.set_defaults(func=cmd_broadcast)
    calls = commands.add_parser("calls", help="phone rounds (ringerunder)").add_subparsers(title="calls commands", metavar="ACTION")
    cadd = calls.add_parser("add", help="start a phone round")
    cadd.add_argument("--name", required=True)
    cadd.add_argument("--purpose", default="")
    cadd.add_argument("--script", required=True, help="the script callers see (Bokmål)")
    cadd.add_argument("--script-nn", default="", help="the script in Nynorsk")
    cadd.add_argument("--script-en", default="", help="the script in English")
    cadd.add_argument("--audience", default="all", help="as for broadcast: all | district=D | interest=I | role=R | new=DAYS | inactive=DAYS | answer=S.KEY.OPTION")
    cadd.add_argument("--round", type=int, help="id of the door-knocking round callers sign people up for")
    cadd.add_argument("--mode", choices=["callers", "volunteers"], default="callers", help="who may call")
    cadd.set_defaults(func=cmd_calls_add)
    clist = calls.add_parser("list", help="phone rounds with their progress")
    clist.set_defaults(func=cmd_calls_list)
    nudges = commands.add_parser("nudges", help="suggestions to members").add_subparsers(title="nudges commands", metavar="ACTION")
    npre = nudges.add_parser("preview", help="dry run: who would get which nudge that day, and why")
    npre.add_argument("--date", help="YYYY-MM-DD (10:00 Oslo time that day); default now")
    npre.set_defaults(func=cmd_nudges_preview)
    for action in ("on", "off"):
        switch = nudges.add_parser(action, help=f"turn a rule {action} for everyone")
        switch.add_argument("rule", choices=["doorknock", "social", "caller", "newcomer"])
        switch.set_defaults(func=cmd_nudges_switch, action=action)


def cmd_broadcast(settings: Settings, args: argparse.Namespace) -> int:
    from bot.broadcasting import launch
    from bot.i18n import BadTime, parse_oslo_datetime
    from models import broadcast as bc
    from models.base import utcnow

    audience = bc.Audience.parse(args.audience)
    if len(args.text) > bc.MAX_TEXT:
        print(f"lagbot: the text is {len(args.text)} characters; the limit is {bc.MAX_TEXT}", file=sys.stderr)
        return 1
    try:
        send_at = parse_oslo_datetime(args.at, utcnow()) if args.at else None
    except BadTime as exc:
        print(f"lagbot: {problem(exc)}", file=sys.stderr)
        return 1

    async def work(database: Database) -> int:
        now = utcnow()
        async with database.session() as session:
            counted = await bc.reach(session, audience, now=now, urgent=args.urgent, weekly_cap=settings.weekly_cap,
                                     admin_ids=settings.lagbot_admins)
        print(f"matching: {counted.matching}")
        print(f"not on Telegram: {counted.not_on_telegram}")
        print(f"turned off broadcasts: {counted.opted_out}")
        print(f"unreachable: {counted.unreachable}")
        print(f"over the weekly cap: {counted.over_cap}")
        print(f"unverified supporters left out: {counted.unverified}")
        print(f"recipients: {len(counted.recipients)}")
        if args.preview:
            return 0
        async with database.session() as session:
            broadcast = await bc.create(session, author_id=None, text=args.text, audience=audience,
                                        urgent=args.urgent, send_at=send_at, now=now)
        if send_at is None:
            await launch(database, broadcast.id, now=now, weekly_cap=settings.weekly_cap, admins=settings.lagbot_admins)
            print(f"broadcast #{broadcast.id} queued; the running bot sends it")
        else:
            print(f"broadcast #{broadcast.id} scheduled for {args.at} (Oslo time)")
        return 0

    return with_database(settings, work)


@in_session
async def cmd_calls_add(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    from models import broadcast as bc
    from models import phonebank as pb
    from models.base import utcnow

    audience = bc.Audience.parse(args.audience)
    scripts = {"nb": args.script, "nn": args.script_nn, "en": args.script_en}
    try:
        campaign, targets = await pb.create_campaign(session, name=args.name, purpose=args.purpose, scripts=scripts,
                                                     audience=audience, now=utcnow(), round_id=args.round, mode=args.mode,
                                                     exclude_days=settings.call_exclude_days)
    except pb.CampaignError as exc:
        print(f"lagbot: {exc}", file=sys.stderr)
        return 1
    print(f"phone round #{campaign.id} started: {campaign.name}, {plural(targets, 'person', 'people')} to call")
    return 0


@in_session
async def cmd_calls_list(session: AsyncSession, settings: Settings, _args: argparse.Namespace) -> int:
    from models import phonebank as pb

    campaigns = await pb.open_campaigns(session)
    rows = []
    for c in campaigns:
        p = await pb.progress(session, c.id)
        rows.append([c.id, c.name, c.status, c.mode, p.total, p.reached, p.signed_up, p.waiting, p.not_reached,
                     p.wrong_number, p.do_not_call, p.open, p.erased])
    sys.stdout.write(csv_text(["id", "name", "status", "mode", "total", "reached", "signed_up", "waiting", "not_reached",
                               "wrong_number", "do_not_call", "open", "erased"], rows, newline="\n"))
    return 0


@in_session
async def cmd_nudges_preview(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    from datetime import time

    from models import nudge_rules as rules
    from models import nudges as ng
    from models.base import utcnow
    from models.timeparse import BadTime, oslo_at, read_day

    when = utcnow()
    if args.date:
        try:
            when = oslo_at(read_day(args.date), time(10, 0))
        except BadTime:
            print("lagbot: --date must be YYYY-MM-DD", file=sys.stderr)
            return 1
    found = await rules.candidates(session, when, settings.lagbot_admins)
    enabled = await ng.enabled_rules(session)
    print(f"rules on: {', '.join(enabled) or 'none'}")
    sys.stdout.write(csv_text(["member", "rule", "reason", "target"], (
        [c.member.name, c.rule, c.reason, c.target_id] for c in found), newline="\n"))
    print(f"{plural(len(found), 'nudge', 'nudges')} would be queued (the outbox then applies quiet hours and the weekly cap)", file=sys.stderr)
    return 0


@in_session
async def cmd_nudges_switch(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    from models import nudges as ng

    await ng.switch(session, args.rule, args.action == "on")
    print(f"nudge rule {args.rule} is {args.action}")
    return 0
