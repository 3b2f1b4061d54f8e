"""`python -m bot rounds|events`: door-knocking rounds and events from the command line."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import in_session, plural, problem, with_database
from bot.csvfile import csv_text
from bot.db import Database
from bot.settings import Settings
from models import membership
from models.errors import MemberNotFound


def district_argument(value: str) -> str:
    """argparse type: a district as people write it ("Østbyen", "ostbyen")."""
    from models.districts import read_district
    from models.errors import UnknownChoice

    try:
        return read_district(value)
    except UnknownChoice as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_commands(commands: Any) -> None:
    """Register this module's commands on the top-level subparsers."""
    rounds = commands.add_parser("rounds", help="door-knocking rounds").add_subparsers(title="rounds commands", metavar="ACTION")
    radd = rounds.add_parser("add", help="create a round (times in Oslo time)")
    radd.add_argument("--title", required=True)
    radd.add_argument("--district", required=True, type=district_argument,
                      help="Midtbyen, Østbyen, Lerkendal, Heimdal or utenfor (as you write them)")
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
    rexp = rounds.add_parser("export-input", help="input from the doors by theme and district (Markdown and CSV), "
                                                  "from one year's rounds, as /dorbank eksport")
    rexp.add_argument("--year", type=int, help="the year of the rounds (default: this year, Oslo time)")
    rexp.add_argument("--out", type=Path, default=Path("."), help="folder for innspill-dorbank-YYYY.md and .csv")
    rexp.set_defaults(func=cmd_rounds_export)
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


@in_session
async def cmd_rounds_add(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    from bot import round_messages
    from bot.i18n import BadTime, parse_oslo_datetime
    from models import rounds as rd
    from models.base import utcnow
    from models.constants import MAX_CAPACITY

    now = utcnow()
    try:
        start, end = parse_oslo_datetime(args.start, now), parse_oslo_datetime(args.end, now)
    except BadTime as exc:
        print(f"lagbot: {problem(exc)}", file=sys.stderr)
        return 1
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
                   rd.BadCapacity: f"capacity must be 1 to {MAX_CAPACITY}", rd.UnknownLeader: "unknown leader"}
        print(f"lagbot: {reasons.get(type(exc), f'invalid: {exc}')}", file=sys.stderr)
        return 1
    await round_messages.leaders_named(session, round_, now)
    print(f"round #{round_.id} created: {round_.title}, link payload round_{round_.id}")
    return 0


@in_session
async def cmd_rounds_list(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import OSLO
    from models import rounds as rd
    from models.base import utcnow

    items = await rd.all_rounds(session) if args.all else [v.round for v in await rd.upcoming(session, utcnow(), limit=1000)]
    taken = await rd.counts(session, [r.id for r in items])
    sys.stdout.write(csv_text(
        ["id", "start", "end", "district", "title", "place", "capacity", "confirmed", "waiting", "status"],
        ([r.id, f"{r.starts_at.astimezone(OSLO):%Y-%m-%d %H:%M}", f"{r.ends_at.astimezone(OSLO):%H:%M}", r.district, r.title,
          r.meeting_point, r.capacity, *taken.get(r.id, (0, 0)), r.status] for r in items), newline="\n"))
    return 0


@in_session
async def cmd_rounds_export(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    """The items /rapport counts as door input for the year (by the round's date), as /dorbank eksport sends them."""
    from datetime import datetime

    from bot.reports.rounds import input_csv, input_markdown
    from models import rounds as rd
    from models.base import utcnow
    from models.constants import OSLO

    year = args.year if args.year is not None else utcnow().astimezone(OSLO).year
    if not 2000 <= year <= 2100:
        print("lagbot: --year must be four digits, for example 2027", file=sys.stderr)
        return 2
    items = await rd.inputs_and_reports(session, since=datetime(year, 1, 1, tzinfo=OSLO), until=datetime(year + 1, 1, 1, tzinfo=OSLO))
    args.out.mkdir(parents=True, exist_ok=True)
    name = f"innspill-dorbank-{year}"
    (args.out / f"{name}.md").write_text(input_markdown(items, "nb"), encoding="utf-8")
    (args.out / f"{name}.csv").write_text("\ufeff" + input_csv(items, "nb"), encoding="utf-8")
    print(f"{plural(len(items), 'item', 'items')} from the rounds of {year} written to {args.out / name}.md and .csv")
    return 0


async def _create_event(session: Any, row: dict[str, Any], now: Any) -> str:
    from bot import event_messages
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
        first = await ev.first_of_series(session, series.id)
        if first is not None and contact_id is not None:  # the contact person is told, as when the board names them in chat
            await event_messages.contact_assigned(session, first, await ev.occurrence_count(session, series.id), now)
        return f"series #{series.id}"
    event = await ev.create_event(session, kind=row["kind"], title=row["title"], starts_at=start, ends_at=end, place=row["place"],
                                  now=now, description=row.get("description") or "", capacity=capacity, partners=partners,
                                  contact_id=contact_id)
    if contact_id is not None:
        await event_messages.contact_assigned(session, event, 1, now)
    return f"event #{event.id}"


@in_session
async def cmd_events_add(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import BadTime
    from models import events as ev
    from models.base import utcnow

    row = {k: getattr(args, k) for k in ("kind", "title", "start", "end", "place", "description", "capacity", "partners", "contact", "repeat")}
    try:
        made = await _create_event(session, row, utcnow())
    except (ev.EventError, BadTime, MemberNotFound) as exc:
        print(f"lagbot: {problem(exc)}", file=sys.stderr)
        return 1
    print(f"{made} created: {args.title}")
    return 0


@in_session
async def cmd_events_list(session: AsyncSession, settings: Settings, _args: argparse.Namespace) -> int:
    from bot.i18n import OSLO
    from models import events as ev
    from models.base import utcnow

    views = await ev.upcoming(session, utcnow(), limit=1000)
    sys.stdout.write(csv_text(
        ["id", "start", "end", "kind", "title", "place", "capacity", "yes", "maybe", "waiting"],
        ([v.event.id, f"{v.event.starts_at.astimezone(OSLO):%Y-%m-%d %H:%M}", f"{v.event.ends_at.astimezone(OSLO):%H:%M}",
          v.event.kind, v.event.title, v.event.place, v.event.capacity, v.yes, v.maybe, v.waiting] for v in views),
        newline="\n"))
    return 0


def plan_row(raw: dict[str | None, Any], delimiter: str) -> dict[str, str]:
    """One row of an årshjul file. An unquoted repeat rule ("FREQ=MONTHLY;BYDAY=1FR") in a
    semicolon-separated file spills over into extra cells: they are joined back into the last column."""
    extra = raw.pop(None, None) or []
    row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
    if extra and row:
        last = list(row)[-1]
        row[last] = delimiter.join([row[last], *(cell.strip() for cell in extra)])
    return row


def cmd_events_import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import BadTime
    from models import events as ev
    from models.base import utcnow
    from models.register import decode_register

    text = decode_register(args.file.read_bytes())
    delimiter = ";" if text.splitlines()[0].count(";") >= text.splitlines()[0].count(",") else ","
    rows = ev.parse_rows([plan_row(r, delimiter) for r in csv.DictReader(io.StringIO(text), delimiter=delimiter)])

    async def work(database: Database) -> int:
        created, rejected = 0, []
        for line, row in enumerate(rows, start=2):
            try:
                async with database.session() as session:
                    await _create_event(session, row, utcnow())
                created += 1
            except (ev.EventError, BadTime, MemberNotFound, KeyError, ValueError) as exc:
                rejected.append((line, problem(exc)))
        print(f"created: {created}")
        print(f"rejected: {len(rejected)}")
        for line, reason in rejected:
            print(f"  line {line}: {reason}")
        return 0

    return with_database(settings, work)
