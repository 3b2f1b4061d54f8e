"""The operators' command line: run the bot, migrate, import members, grant roles, demo data."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.db import Database
from bot.migrate import upgrade
from bot.settings import MissingToken, Settings, get_settings
from models import membership
from models.errors import DomainError, MemberNotFound, UnknownChoice
from models.member import ROLES
from models.register import import_register, invite_link, unlinked_members


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    settings = get_settings()
    try:
        return int(args.func(settings, args) or 0)
    except MissingToken as exc:
        print(f"lagbot: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"lagbot: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="lagbot — Trondheim SV's member bot.")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = commands.add_parser("run", help="start the bot (long polling); applies pending migrations first")
    run.set_defaults(func=cmd_run)

    db = commands.add_parser("db", help="database migrations").add_subparsers(title="db commands", metavar="ACTION")
    db_upgrade = db.add_parser("upgrade", help="apply Alembic migrations up to the newest")
    db_upgrade.set_defaults(func=cmd_db_upgrade)

    members = commands.add_parser("members", help="the member register").add_subparsers(title="members commands", metavar="ACTION")
    imp = members.add_parser("import", help="create or update members from a CSV export of the member register")
    imp.add_argument("file", type=Path, help="CSV (semicolon or comma; UTF-8 with or without BOM, or Windows-1252)")
    imp.set_defaults(func=cmd_members_import)
    inv = members.add_parser("invite", help="each unlinked member's personal invite link")
    inv.add_argument("--csv", action="store_true", help="CSV for an SMS tool: name;phone;link")
    inv.add_argument("--bot-username", help="the bot's @username (default TELEGRAM_BOT_USERNAME, else asks Telegram)")
    inv.set_defaults(func=cmd_members_invite)

    roles = commands.add_parser("roles", help="grant or revoke a role").add_subparsers(title="roles commands", metavar="ACTION")
    for action in ("grant", "revoke"):
        sub = roles.add_parser(action, help=f"{action} ROLE for one member")
        sub.add_argument("role", choices=[r for r in ROLES if r != "member"])
        who = sub.add_mutually_exclusive_group(required=True)
        who.add_argument("--telegram-id", type=int)
        who.add_argument("--phone")
        who.add_argument("--member-number")
        sub.set_defaults(func=cmd_roles, action=action)

    cast = commands.add_parser("broadcast", help="queue a broadcast from the board to an audience")
    cast.add_argument("--audience", default="all",
                      help="comma-separated filters: all | district=D | interest=I | role=R | new=DAYS | inactive=DAYS")
    cast.add_argument("--text", required=True, help="the message (at most 3500 characters)")
    cast.add_argument("--urgent", action="store_true", help="ignore quiet hours and the weekly cap")
    cast.add_argument("--at", help="send at this Oslo time (YYYY-MM-DD HH:MM); default now")
    cast.add_argument("--preview", action="store_true", help="only count the recipients")
    cast.set_defaults(func=cmd_broadcast)

    rounds = commands.add_parser("rounds", help="door-knocking rounds").add_subparsers(title="rounds commands", metavar="ACTION")
    radd = rounds.add_parser("add", help="create a round (times in Oslo time)")
    radd.add_argument("--title", required=True)
    radd.add_argument("--district", required=True, help="midtbyen, ostbyen, lerkendal, heimdal or outside")
    radd.add_argument("--start", required=True, help='"2027-04-17 12:00"')
    radd.add_argument("--end", required=True, help='"2027-04-17 15:00"')
    radd.add_argument("--place", required=True, help="meeting point")
    radd.add_argument("--capacity", type=int, required=True)
    radd.add_argument("--leader", help="the leader's phone number")
    radd.add_argument("--partner")
    radd.add_argument("--briefing")
    radd.set_defaults(func=cmd_rounds_add)
    rlist = rounds.add_parser("list", help="upcoming rounds with seats taken")
    rlist.add_argument("--all", action="store_true", help="past and cancelled ones too")
    rlist.set_defaults(func=cmd_rounds_list)
    rexp = rounds.add_parser("export-input", help="input from the doors by theme and district (Markdown and CSV)")
    rexp.add_argument("--out", type=Path, default=Path("."), help="folder for innspill-dorbank.md and .csv")
    rexp.set_defaults(func=cmd_rounds_export)

    calls = commands.add_parser("calls", help="phone rounds (ringerunder)").add_subparsers(title="calls commands", metavar="ACTION")
    cadd = calls.add_parser("add", help="start a phone round")
    cadd.add_argument("--name", required=True)
    cadd.add_argument("--purpose", default="")
    cadd.add_argument("--script", required=True, help="the script callers see (Bokmål)")
    cadd.add_argument("--script-nn", default="", help="the script in Nynorsk")
    cadd.add_argument("--script-en", default="", help="the script in English")
    cadd.add_argument("--audience", default="all", help="as for broadcast: all | district=D | interest=I | role=R | new=DAYS | inactive=DAYS")
    cadd.add_argument("--round", type=int, help="id of the door-knocking round callers sign people up for")
    cadd.add_argument("--mode", choices=["callers", "volunteers"], default="callers", help="who may call")
    cadd.set_defaults(func=cmd_calls_add)
    clist = calls.add_parser("list", help="phone rounds with their progress")
    clist.set_defaults(func=cmd_calls_list)

    events = commands.add_parser("events", help="events and the year's calendar").add_subparsers(title="events commands", metavar="ACTION")
    eadd = events.add_parser("add", help="create an event (times in Oslo time)")
    eadd.add_argument("--kind", required=True, choices=["social", "member_meeting", "course", "open_meeting", "council_group",
                                                        "movement_day", "programme"])
    eadd.add_argument("--title", required=True)
    eadd.add_argument("--start", required=True, help='"2027-05-01 08:00"')
    eadd.add_argument("--end", required=True, help='"2027-05-01 10:00"')
    eadd.add_argument("--place", required=True)
    eadd.add_argument("--description", default="")
    eadd.add_argument("--capacity", type=int)
    eadd.add_argument("--partners", default="", help="comma-separated partner organisations")
    eadd.add_argument("--contact", help="the contact person's phone number")
    eadd.add_argument("--repeat", help='an RFC 5545 rule for the årshjul, e.g. "FREQ=YEARLY" or "FREQ=MONTHLY;BYDAY=1FR"')
    eadd.set_defaults(func=cmd_events_add)
    elist = events.add_parser("list", help="upcoming events with answers")
    elist.set_defaults(func=cmd_events_list)
    eimp = events.add_parser("import", help="create events from a CSV: kind;title;start;end;place[;description;capacity;partners]")
    eimp.add_argument("file", type=Path)
    eimp.set_defaults(func=cmd_events_import)

    nudges = commands.add_parser("nudges", help="suggestions to members").add_subparsers(title="nudges commands", metavar="ACTION")
    npre = nudges.add_parser("preview", help="dry run: who would get which nudge that day, and why")
    npre.add_argument("--date", help="YYYY-MM-DD (10:00 Oslo time that day); default now")
    npre.set_defaults(func=cmd_nudges_preview)
    for action in ("on", "off"):
        switch = nudges.add_parser(action, help=f"turn a rule {action} for everyone")
        switch.add_argument("rule", choices=["doorknock", "social", "caller", "newcomer"])
        switch.set_defaults(func=cmd_nudges_switch, action=action)

    demo = commands.add_parser("demo", help="fill an empty database with realistic demo members and activity")
    demo.set_defaults(func=cmd_demo)
    return parser


def with_database(settings: Settings, work: Callable[[Database], Awaitable[int]]) -> int:
    upgrade(settings.database_url)

    async def runner() -> int:
        database = Database(settings.database_url)
        try:
            return await work(database)
        finally:
            await database.dispose()

    return asyncio.run(runner())


def cmd_run(settings: Settings, _args: argparse.Namespace) -> int:
    from telegram import Update

    from bot.app import build_application

    settings.require_token()
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    upgrade(settings.database_url)
    database = Database(settings.database_url)
    application = build_application(settings, database)
    print(f"lagbot: starting on {settings.database_url.split('@')[-1]}; stop with Ctrl+C")
    application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    upgrade(settings.database_url)
    print("lagbot: database is up to date")
    return 0


def cmd_members_import(settings: Settings, args: argparse.Namespace) -> int:
    raw = args.file.read_bytes()

    async def work(database: Database) -> int:
        from models.base import utcnow
        from models.welcome import ensure_tasks

        async with database.session() as session:
            report = await import_register(session, raw)
        async with database.session() as session:
            tasks = await ensure_tasks(session, utcnow())
        print(f"created: {report.created}")
        print(f"updated: {report.updated}")
        print(f"unchanged: {report.unchanged}")
        print(f"rejected: {len(report.rejected)}")
        for line, reason in report.rejected:
            print(f"  line {line}: {reason}")
        print(f"welcome tasks for new members: {len(tasks)}")
        return 0

    return with_database(settings, work)


def cmd_members_invite(settings: Settings, args: argparse.Namespace) -> int:
    username = args.bot_username or settings.telegram_bot_username or asyncio.run(_ask_username(settings))

    async def work(database: Database) -> int:
        async with database.session() as session:
            members = await unlinked_members(session)
        if args.csv:
            writer = csv.writer(sys.stdout, delimiter=";")
            writer.writerow(["name", "phone", "link"])
            for member in members:
                writer.writerow([member.name, member.phone or "", invite_link(username, member.invite_token or "")])
        else:
            for member in members:
                print(f"{member.name}\t{member.phone or '-'}\t{invite_link(username, member.invite_token or '')}")
            print(f"{len(members)} unlinked members", file=sys.stderr)
        return 0

    return with_database(settings, work)


async def _ask_username(settings: Settings) -> str:
    from telegram import Bot

    try:
        async with Bot(settings.require_token(), base_url=settings.telegram_api_base_url) as bot:
            return str(bot.username)
    except MissingToken:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure means the same advice
        raise SystemExit(f"lagbot: could not ask Telegram for the bot's username ({exc}); "
                         "set TELEGRAM_BOT_USERNAME or pass --bot-username") from exc


def cmd_roles(settings: Settings, args: argparse.Namespace) -> int:
    async def work(database: Database) -> int:
        async with database.session() as session:
            try:
                member = await membership.find_member(
                    session, telegram_id=args.telegram_id, phone=args.phone, member_number=args.member_number
                )
            except MemberNotFound:
                print("lagbot: no such member", file=sys.stderr)
                return 1
            change = membership.grant_role if args.action == "grant" else membership.revoke_role
            changed = await change(session, member, args.role)
        verb = "granted" if args.action == "grant" else "revoked"
        print(f"{args.role} {verb} for {member.name}" if changed else f"no change: {member.name} {'already has' if args.action == 'grant' else 'does not have'} {args.role}")
        return 0

    return with_database(settings, work)


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
    except BadTime:
        print(f"lagbot: cannot read the time {args.at!r}; use YYYY-MM-DD HH:MM", file=sys.stderr)
        return 1

    async def work(database: Database) -> int:
        now = utcnow()
        async with database.session() as session:
            counted = await bc.reach(session, audience, now=now, urgent=args.urgent, weekly_cap=settings.weekly_cap)
        print(f"matching: {counted.matching}")
        print(f"not on Telegram: {counted.not_on_telegram}")
        print(f"turned off broadcasts: {counted.opted_out}")
        print(f"unreachable: {counted.unreachable}")
        print(f"over the weekly cap: {counted.over_cap}")
        print(f"recipients: {len(counted.recipients)}")
        if args.preview:
            return 0
        async with database.session() as session:
            broadcast = await bc.create(session, author_id=None, text=args.text, audience=audience,
                                        urgent=args.urgent, send_at=send_at)
        if send_at is None:
            await launch(database, broadcast.id, now=now, weekly_cap=settings.weekly_cap)
            print(f"broadcast #{broadcast.id} queued; the running bot sends it")
        else:
            print(f"broadcast #{broadcast.id} scheduled for {args.at} (Oslo time)")
        return 0

    return with_database(settings, work)


def cmd_rounds_add(settings: Settings, args: argparse.Namespace) -> int:
    from bot import round_messages
    from bot.i18n import BadTime, parse_oslo_datetime
    from models import rounds as rd
    from models.base import utcnow

    now = utcnow()
    try:
        start, end = parse_oslo_datetime(args.start, now), parse_oslo_datetime(args.end, now)
    except BadTime as exc:
        print(f"lagbot: cannot read the time {exc}; use YYYY-MM-DD HH:MM", file=sys.stderr)
        return 1

    async def work(database: Database) -> int:
        async with database.session() as session:
            leader_id = None
            if args.leader:
                try:
                    leader_id = (await membership.find_member(session, phone=args.leader)).id
                except MemberNotFound:
                    print(f"lagbot: no member has the phone number {args.leader}", file=sys.stderr)
                    return 1
            try:
                round_ = await rd.create_round(session, title=args.title, district=args.district, starts_at=start, ends_at=end,
                                               meeting_point=args.place, capacity=args.capacity, now=now,
                                               teams=[(leader_id, args.capacity)], partner=args.partner, briefing=args.briefing)
            except rd.RoundError as exc:
                reasons = {rd.InPast: "the start is in the past", rd.EndBeforeStart: "the end is not after the start",
                           rd.BadCapacity: "capacity must be 1 to 500", rd.UnknownLeader: "unknown leader"}
                print(f"lagbot: {reasons.get(type(exc), f'invalid: {exc}')}", file=sys.stderr)
                return 1
            if leader_id is not None:
                await round_messages.schedule_report_nudge(session, round_, await membership.member_by_id(session, leader_id))
        print(f"round #{round_.id} created: {round_.title}, link payload round_{round_.id}")
        return 0

    return with_database(settings, work)


def cmd_rounds_list(settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import OSLO
    from models import rounds as rd
    from models.base import utcnow

    async def work(database: Database) -> int:
        async with database.session() as session:
            items = await rd.all_rounds(session) if args.all else [v.round for v in await rd.upcoming(session, utcnow(), limit=1000)]
            taken = await rd.counts(session, [r.id for r in items])
        print("id;start;end;district;title;place;capacity;confirmed;waiting;status")
        for r in items:
            confirmed, waiting = taken.get(r.id, (0, 0))
            print(f"{r.id};{r.starts_at.astimezone(OSLO):%Y-%m-%d %H:%M};{r.ends_at.astimezone(OSLO):%H:%M};{r.district};"
                  f"{r.title};{r.meeting_point};{r.capacity};{confirmed};{waiting};{r.status}")
        return 0

    return with_database(settings, work)


def cmd_rounds_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.reports.rounds import input_csv, input_markdown
    from models import rounds as rd

    async def work(database: Database) -> int:
        async with database.session() as session:
            items = await rd.inputs_and_reports(session)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "innspill-dorbank.md").write_text(input_markdown(items, "nb"), encoding="utf-8")
        (args.out / "innspill-dorbank.csv").write_text("\ufeff" + input_csv(items), encoding="utf-8")
        print(f"{len(items)} items written to {args.out / 'innspill-dorbank.md'} and .csv")
        return 0

    return with_database(settings, work)


def cmd_calls_add(settings: Settings, args: argparse.Namespace) -> int:
    from models import broadcast as bc
    from models import phonebank as pb
    from models.base import utcnow

    audience = bc.Audience.parse(args.audience)
    scripts = {"nb": args.script, "nn": args.script_nn, "en": args.script_en}

    async def work(database: Database) -> int:
        async with database.session() as session:
            try:
                campaign, targets = await pb.create_campaign(session, name=args.name, purpose=args.purpose, scripts=scripts,
                                                             audience=audience, now=utcnow(), round_id=args.round, mode=args.mode,
                                                             exclude_days=settings.call_exclude_days)
            except pb.CampaignError as exc:
                print(f"lagbot: {exc}", file=sys.stderr)
                return 1
        print(f"phone round #{campaign.id} started: {campaign.name}, {targets} people to call")
        return 0

    return with_database(settings, work)


def cmd_calls_list(settings: Settings, _args: argparse.Namespace) -> int:
    from models import phonebank as pb

    async def work(database: Database) -> int:
        async with database.session() as session:
            campaigns = await pb.open_campaigns(session)
            print("id;name;status;mode;total;reached;signed_up;not_reached;wrong_number;do_not_call;open")
            for c in campaigns:
                p = await pb.progress(session, c.id)
                print(f"{c.id};{c.name};{c.status};{c.mode};{p.total};{p.reached};{p.signed_up};{p.not_reached};"
                      f"{p.wrong_number};{p.do_not_call};{p.open}")
        return 0

    return with_database(settings, work)


async def _create_event(session: Any, row: dict[str, Any], now: Any) -> str:
    from bot.i18n import OSLO, parse_oslo_datetime
    from models import events as ev

    start, end = parse_oslo_datetime(row["start"], now), parse_oslo_datetime(row["end"], now)
    contact_id = None
    if row.get("contact"):
        contact_id = (await membership.find_member(session, phone=row["contact"])).id
    partners = [p.strip() for p in (row.get("partners") or "").split(",") if p.strip()]
    capacity = int(row["capacity"]) if str(row.get("capacity") or "").strip() else None
    if row.get("repeat"):
        series = await ev.create_series(session, kind=row["kind"], title=row["title"], rule=row["repeat"],
                                        first_local=start.astimezone(OSLO), minutes=int((end - start).total_seconds() // 60),
                                        place=row["place"], now=now, description=row.get("description") or "",
                                        capacity=capacity, partners=partners, contact_id=contact_id)
        return f"series #{series.id}"
    event = await ev.create_event(session, kind=row["kind"], title=row["title"], starts_at=start, ends_at=end, place=row["place"],
                                  now=now, description=row.get("description") or "", capacity=capacity, partners=partners,
                                  contact_id=contact_id)
    return f"event #{event.id}"


def cmd_events_add(settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import BadTime
    from models import events as ev
    from models.base import utcnow

    row = {k: getattr(args, k) for k in ("kind", "title", "start", "end", "place", "description", "capacity", "partners", "contact", "repeat")}

    async def work(database: Database) -> int:
        async with database.session() as session:
            try:
                made = await _create_event(session, row, utcnow())
            except (ev.EventError, BadTime, MemberNotFound) as exc:
                print(f"lagbot: {type(exc).__name__}: {exc}", file=sys.stderr)
                return 1
        print(f"{made} created: {args.title}")
        return 0

    return with_database(settings, work)


def cmd_events_list(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.i18n import OSLO
    from models import events as ev
    from models.base import utcnow

    async def work(database: Database) -> int:
        async with database.session() as session:
            views = await ev.upcoming(session, utcnow(), limit=1000)
        print("id;start;end;kind;title;place;capacity;yes;maybe;waiting")
        for v in views:
            e = v.event
            print(f"{e.id};{e.starts_at.astimezone(OSLO):%Y-%m-%d %H:%M};{e.ends_at.astimezone(OSLO):%H:%M};{e.kind};{e.title};"
                  f"{e.place};{e.capacity or ''};{v.yes};{v.maybe};{v.waiting}")
        return 0

    return with_database(settings, work)


def cmd_events_import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import BadTime
    from models import events as ev
    from models.base import utcnow
    from models.register import decode_register

    text = decode_register(args.file.read_bytes())
    delimiter = ";" if text.splitlines()[0].count(";") >= text.splitlines()[0].count(",") else ","
    rows = ev.parse_rows([{(k or "").strip().lower(): (v or "").strip() for k, v in r.items()}
                          for r in csv.DictReader(io.StringIO(text), delimiter=delimiter)])

    async def work(database: Database) -> int:
        created, rejected = 0, []
        for line, row in enumerate(rows, start=2):
            try:
                async with database.session() as session:
                    await _create_event(session, row, utcnow())
                created += 1
            except (ev.EventError, BadTime, MemberNotFound, KeyError, ValueError) as exc:
                rejected.append((line, f"{type(exc).__name__}: {exc}"))
        print(f"created: {created}")
        print(f"rejected: {len(rejected)}")
        for line, reason in rejected:
            print(f"  line {line}: {reason}")
        return 0

    return with_database(settings, work)


def cmd_nudges_preview(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import datetime

    from bot.i18n import OSLO
    from models import nudges as ng
    from models.base import utcnow

    when = utcnow()
    if args.date:
        try:
            when = datetime.strptime(args.date, "%Y-%m-%d").replace(hour=10, tzinfo=OSLO)
        except ValueError:
            print("lagbot: --date must be YYYY-MM-DD", file=sys.stderr)
            return 1

    async def work(database: Database) -> int:
        async with database.session() as session:
            found = await ng.candidates(session, when)
            enabled = await ng.enabled_rules(session)
        print(f"rules on: {', '.join(enabled) or 'none'}")
        print("member;rule;reason;target")
        for candidate in found:
            print(f"{candidate.member.name};{candidate.rule};{candidate.reason};{candidate.target_id or ''}")
        print(f"{len(found)} nudges would be queued (the outbox then applies quiet hours and the weekly cap)", file=sys.stderr)
        return 0

    return with_database(settings, work)


def cmd_nudges_switch(settings: Settings, args: argparse.Namespace) -> int:
    from models import nudges as ng

    async def work(database: Database) -> int:
        async with database.session() as session:
            await ng.switch(session, args.rule, args.action == "on")
        print(f"nudge rule {args.rule} is {args.action}")
        return 0

    return with_database(settings, work)


def cmd_demo(settings: Settings, _args: argparse.Namespace) -> int:
    from models.demo import fill_demo

    async def work(database: Database) -> int:
        async with database.session() as session:
            summary: dict[str, Any] = await fill_demo(session)
        for key, value in summary.items():
            print(f"{key}: {value}")
        return 0

    try:
        return with_database(settings, work)
    except UnknownChoice as exc:
        print(f"lagbot: {exc}", file=sys.stderr)
        return 1
