"""`python -m bot asks|partners`: asks for input with a deadline, and partner organisations."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import in_session, plural, problem
from bot.csvfile import csv_phone, csv_text
from bot.settings import Settings


def add_commands(commands: Any) -> None:
    asks = commands.add_parser("asks", help="asks for input (innspill) with a deadline").add_subparsers(
        title="asks commands", metavar="ACTION")
    aadd = asks.add_parser("add", help="send an ask to members (and partner organisations) through the outbox")
    aadd.add_argument("--kind", choices=["council", "programme", "general"], default="general")
    aadd.add_argument("--title", required=True, help="at most 120 characters")
    aadd.add_argument("--text", required=True, help="the matter in a few lines (at most 1500 characters)")
    aadd.add_argument("--deadline", required=True, help="Oslo time, YYYY-MM-DD HH:MM")
    aadd.add_argument("--audience", default="all",
                      help="as for broadcast: all | district=D | interest=I | role=R | new=DAYS | inactive=DAYS")
    aadd.add_argument("--partners", action="store_true", help="also to every partner organisation (through its link)")
    aadd.add_argument("--link", help="a link (https://…) members should read")
    aadd.add_argument("--meeting", help="a council matter: the council's meeting day, YYYY-MM-DD")
    aadd.add_argument("--event", type=int, help="id of a member meeting for input on it")
    aadd.set_defaults(func=cmd_asks_add)
    alist = asks.add_parser("list", help="asks with their deadline and answers")
    alist.set_defaults(func=cmd_asks_list)
    aexp = asks.add_parser("export", help="every answer to one ask as Markdown and CSV (innspill-ID.md/.csv)")
    aexp.add_argument("ask", type=int, help="the ask's id (see asks list)")
    aexp.add_argument("--out", default=".", help="folder to write to")
    aexp.add_argument("--lang", choices=["nb", "nn", "en"], default="nb")
    aexp.set_defaults(func=cmd_asks_export)
    partners = commands.add_parser("partners", help="partner organisations and their links").add_subparsers(
        title="partners commands", metavar="ACTION")
    padd = partners.add_parser("add", help="add a partner organisation")
    padd.add_argument("--name", required=True)
    padd.add_argument("--kind", choices=["union", "environmental", "women", "other"], default="other")
    padd.add_argument("--contact", help="contact person")
    padd.add_argument("--email")
    padd.add_argument("--phone")
    padd.set_defaults(func=cmd_partners_add)
    plist = partners.add_parser("list", help="partner organisations with each one's link (formula-safe CSV with --csv)")
    plist.add_argument("--csv", action="store_true")
    plist.set_defaults(func=cmd_partners_list)


def _link(settings: Settings, token: str) -> str:
    return f"https://t.me/{settings.telegram_bot_username or '<bot>'}?start=ask_{token}"


@in_session
async def cmd_asks_add(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import BadTime, parse_oslo_datetime
    from models import asks as ak
    from models import broadcast as bc
    from models.base import utcnow
    from models.timeparse import read_day

    now = utcnow()
    try:
        deadline = parse_oslo_datetime(args.deadline, now)
        meeting = read_day(args.meeting) if args.meeting else None
    except BadTime as exc:
        print(f"lagbot: {problem(exc)}", file=sys.stderr)
        return 1
    draft = ak.Draft(kind=args.kind, title=args.title, body=args.text, deadline_at=deadline, audience=bc.Audience.parse(args.audience),
                     link=args.link, meeting_on=meeting, event_id=args.event, to_partners=args.partners)
    ask, members, partners = await ak.create_and_send(session, draft, author_id=None, now=now,
                                                      weekly_cap=settings.weekly_cap)
    print(f"ask #{ask.id} queued for {plural(members, 'member', 'members')} and "
          f"{plural(partners, 'partner organisation', 'partner organisations')}")
    return 0


@in_session
async def cmd_asks_list(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    from models import asks as ak

    items = await ak.recent(session, limit=1000)
    counts = await ak.answer_counts(session, [a.id for a in items])
    rows = [[a.id, a.kind, a.status, a.deadline_at.isoformat(timespec="minutes"), counts.get(a.id, 0), a.title] for a in items]
    print(csv_text(["id", "kind", "status", "deadline_utc", "answers", "title"], rows, newline="\n"), end="")
    return 0


@in_session
async def cmd_asks_export(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    from bot.ask_messages import answer_files
    from models import asks as ak

    ask = await ak.get(session, args.ask)
    markdown, table = await answer_files(session, ask, args.lang)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"innspill-{ask.id}.md").write_text(markdown, encoding="utf-8")
    (out / f"innspill-{ask.id}.csv").write_text("\ufeff" + table, encoding="utf-8", newline="")
    print(f"wrote {out / f'innspill-{ask.id}.md'} and {out / f'innspill-{ask.id}.csv'}")
    return 0


@in_session
async def cmd_partners_add(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    from models import partners as pt

    partner = await pt.add(session, name=args.name, kind=args.kind, contact_person=args.contact, email=args.email,
                           phone=args.phone)
    print(f"partner #{partner.id} {partner.name}: {_link(settings, partner.token)}")
    return 0


@in_session
async def cmd_partners_list(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    from models import partners as pt

    rows = [pt.as_row(p, _link(settings, p.token)) for p in await pt.all_partners(session)]
    header = ["name", "kind", "contact_person", "email", "phone", "link"]
    if args.csv:
        print(csv_text(header, [[csv_phone(r[h]) if h == "phone" else r[h] for h in header] for r in rows], newline="\n"), end="")
    else:
        for row in rows:
            print(f"{row['name']} ({row['kind']}) {row['contact_person']} {row['email']} {row['phone']}\n  {row['link']}")
    return 0
