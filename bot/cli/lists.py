"""`python -m bot lists NAME`: the board's lists (as in the chat's /lister) as CSV, and who has which role."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import in_session
from bot.csvfile import csv_text
from bot.settings import Settings
from models import board_lists as lists
from models.base import utcnow
from models.errors import NotFound


def add_commands(commands: Any) -> None:
    """Register this module's commands on the top-level subparsers."""
    cmd = commands.add_parser("lists", help="lists to act on (CSV with names and numbers), or who has which role")
    cmd.add_argument("name", choices=[*lists.LISTS, "roles"])
    cmd.add_argument("--broadcast", type=int, help="not_on_telegram: the broadcast's id")
    cmd.add_argument("--lang", choices=("nb", "nn", "en"), default="nb", help="language of the headings (default nb)")
    cmd.add_argument("--out", type=Path, help="write the CSV to this file (with a byte-order mark for Excel) instead of printing it")
    cmd.set_defaults(func=cmd_lists)


@in_session
async def cmd_lists(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    from bot.reports import lists as report

    if args.name == "not_on_telegram" and args.broadcast is None:
        print("lagbot: not_on_telegram needs --broadcast ID", file=sys.stderr)
        return 2
    if args.name == "roles":
        holders = await lists.role_holders(session, settings.lagbot_admins)
        text = csv_text(["role", "name", "member_number"],
                        [[role, m.name or "", m.member_number or ""] for role, ms in holders.items() for m in ms], newline="\n")
    else:
        try:
            entries = await (lists.not_on_telegram(session, args.broadcast, utcnow()) if args.name == "not_on_telegram"
                             else getattr(lists, args.name)(session))
        except NotFound:
            print(f"lagbot: there is no broadcast #{args.broadcast}", file=sys.stderr)
            return 1
        text = report.csv_file(entries, args.lang)
    if args.out:
        args.out.write_text("\ufeff" + text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0
