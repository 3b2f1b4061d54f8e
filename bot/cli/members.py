"""`python -m bot members|roles|demo`: the member register, invite links, roles and demo data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import in_session, plural, with_database
from bot.csvfile import csv_phone, csv_text
from bot.db import Database
from bot.settings import MissingToken, Settings
from models import membership
from models.errors import MemberNotFound, UnknownChoice
from models.member import ROLES
from models.register import import_register, invite_link, unlinked_members


def add_commands(commands: Any) -> None:
    """Register this module's commands on the top-level subparsers."""
    members = commands.add_parser("members", help="the member register").add_subparsers(title="members commands", metavar="ACTION")
    imp = members.add_parser("import", help="create or update members from a CSV export of the member register")
    imp.add_argument("file", type=Path, help="CSV (semicolon or comma; UTF-8 with or without BOM, or Windows-1252)")
    imp.set_defaults(func=cmd_members_import)
    inv = members.add_parser("invite", help="each unlinked member's personal invite link")
    inv.add_argument("--csv", action="store_true", help="CSV for an SMS tool: name;phone;link")
    inv.add_argument("--bot-username", help="the bot's @username (default TELEGRAM_BOT_USERNAME, else asks Telegram)")
    inv.set_defaults(func=cmd_members_invite)
    rm = members.add_parser("remove", help="remove a member who left the party: erased as by /slett_meg, "
                                           "and kept out of later imports unless the register shows a newer join date")
    whom = rm.add_mutually_exclusive_group(required=True)
    whom.add_argument("--member-number")
    whom.add_argument("--phone")
    rm.set_defaults(func=cmd_members_remove)

    roles = commands.add_parser("roles", help="grant or revoke a role").add_subparsers(title="roles commands", metavar="ACTION")
    for action in ("grant", "revoke"):
        sub = roles.add_parser(action, help=f"{action} ROLE for one member")
        sub.add_argument("role", choices=[r for r in ROLES if r != "member"])
        who = sub.add_mutually_exclusive_group(required=True)
        who.add_argument("--telegram-id", type=int)
        who.add_argument("--phone")
        who.add_argument("--member-number")
        sub.set_defaults(func=cmd_roles, action=action)
    demo = commands.add_parser("demo", help="fill an empty database with realistic demo members and activity")
    demo.set_defaults(func=cmd_demo)


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
        if report.notes:
            print(f"imported with a note: {len(report.notes)}")
        for line, note in report.notes:
            print(f"  line {line}: {note}")
        print(f"not brought back (left the party, no newer join date): {len(report.left)}")
        for line, name in report.left:
            print(f"  line {line}: {name}")
        print(f"welcome tasks for new members: {len(tasks)}")
        return 0

    return with_database(settings, work)


def cmd_members_remove(settings: Settings, args: argparse.Namespace) -> int:
    async def work(database: Database) -> int:
        from bot.erasure import announce_released
        from models.base import utcnow
        from models.privacy import remove_left_member

        now = utcnow()
        async with database.session() as session:
            try:
                member = await membership.find_member(session, phone=args.phone, member_number=args.member_number)
            except MemberNotFound:
                print("lagbot: no such member", file=sys.stderr)
                return 1
            name, number = member.name, member.member_number
            _member, released, _telegram_id = await remove_left_member(
                session, member.id, actor_telegram_id=None, admin_ids=settings.lagbot_admins, now=now)
            await announce_released(session, released, now, settings.lagbot_admins)
        print(f"removed: {name} ({number or 'no member number'}); {plural(released.places, 'place', 'places')} released; "
              "a later import brings them back only with a newer join date")
        return 0

    return with_database(settings, work)


@in_session
async def cmd_members_invite(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    username = args.bot_username or settings.telegram_bot_username or await _ask_username(settings)
    members = await unlinked_members(session)
    if args.csv:
        sys.stdout.write(csv_text(["name", "phone", "link"], (
            [member.name, csv_phone(member.phone), invite_link(username, member.invite_token or "")] for member in members)))
    else:
        for member in members:
            print(f"{member.name}\t{member.phone or '-'}\t{invite_link(username, member.invite_token or '')}")
        print(plural(len(members), "unlinked member", "unlinked members"), file=sys.stderr)
    return 0


async def _ask_username(settings: Settings) -> str:
    from telegram import Bot

    try:
        async with Bot(settings.require_token(), base_url=settings.telegram_api_base_url) as bot:
            return str(bot.username)
    except MissingToken:
        raise
    except Exception as exc:
        raise SystemExit(f"lagbot: could not ask Telegram for the bot's username ({exc}); "
                         "set TELEGRAM_BOT_USERNAME or pass --bot-username") from exc


@in_session
async def cmd_roles(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
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
