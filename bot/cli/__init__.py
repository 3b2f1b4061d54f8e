"""The command line: `python -m bot COMMAND …` (each with --help). One module per area."""

from __future__ import annotations

import argparse
import sys

from bot.cli import activities, lists, members, outreach, report, server, surveys, voice_asks
from bot.settings import MissingToken, get_settings
from models.errors import DomainError


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
    for area in (server, members, outreach, activities, lists, report, surveys, voice_asks):
        area.add_commands(commands)
    return parser
