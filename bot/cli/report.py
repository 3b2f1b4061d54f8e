"""`python -m bot report [--year YYYY] [--out DIR]`: the plan on one screen (as /rapport) as Markdown and PNGs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import in_session, plural
from bot.settings import Settings
from models import annual as an
from models import plan as pl
from models.base import utcnow


def add_commands(commands: Any) -> None:
    """Register this module's commands on the top-level subparsers."""
    cmd = commands.add_parser("report", help="the plan's goals, this year and next, as Markdown (and PNG charts with --out)")
    cmd.add_argument("--year", type=int, help="the year to report (default: this year); the next year is shown beside it")
    cmd.add_argument("--lang", choices=("nb", "nn", "en"), default="nb", help="language (default nb)")
    cmd.add_argument("--out", type=Path, help="write report.md and one PNG per goal group into this folder; with --year also the "
                                              "year's figures for the annual report (arsmelding-YYYY.md and its PNG pages)")
    cmd.set_defaults(func=cmd_report)


@in_session
async def cmd_report(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> int:
    from bot.reports import plan as report

    if args.year is not None and not 2000 <= args.year <= 2100:
        print("lagbot: --year must be four digits, for example 2027", file=sys.stderr)
        return 2
    from bot.reports import annual as yearly

    now = utcnow()
    figures = await pl.plan(session, now, args.year)
    parts = report.sections(figures, args.lang)
    text = report.markdown(parts, figures, args.lang)
    # With --year: the year's figures for the annual report too, as /rapport aar YYYY sends them.
    doc = None if args.year is None else yearly.document(await an.annual(session, args.year, now), args.lang, now)
    if args.out is None:
        sys.stdout.write(text)
        if doc is not None:
            sys.stdout.write("\n" + doc.markdown)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.md").write_text(text, encoding="utf-8")
    for part in parts:
        (args.out / f"{part.key}.png").write_bytes(part.png)
    print(f"wrote {args.out / 'report.md'} and {plural(len(parts), 'chart', 'charts')}")
    if doc is not None:
        (args.out / doc.filename(args.lang)).write_text(doc.markdown, encoding="utf-8")
        for name, page in zip(doc.page_names(args.lang), doc.pages, strict=True):
            (args.out / name).write_bytes(page)
        print(f"wrote {args.out / doc.filename(args.lang)} and {plural(len(doc.pages), 'page', 'pages')}")
    return 0
