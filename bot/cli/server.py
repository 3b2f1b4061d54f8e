"""`python -m bot run` and `python -m bot db upgrade`."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from bot.db import Database
from bot.migrate import upgrade
from bot.settings import Settings


def add_commands(commands: Any) -> None:
    """Register this module's commands on the top-level subparsers."""
    run = commands.add_parser("run", help="start the bot (long polling); applies pending migrations first")
    run.set_defaults(func=cmd_run)

    db = commands.add_parser("db", help="database migrations").add_subparsers(title="db commands", metavar="ACTION")
    db_upgrade = db.add_parser("upgrade", help="apply Alembic migrations up to the newest")
    db_upgrade.set_defaults(func=cmd_db_upgrade)


def cmd_run(settings: Settings, _args: argparse.Namespace) -> int:
    from telegram import Update

    from bot.app import build_application
    from bot.leader import AlreadyRunning, RunLock

    settings.require_token()
    lock = RunLock(settings.database_url)
    try:
        lock.acquire()  # before migrating: the other process is using this file
    except AlreadyRunning as running:
        holder = f" (process {running.pid})" if running.pid else ""
        print(f"lagbot: the bot is already running on {running.database}{holder}. Two would both poll Telegram and "
              "write the same database: stop that one first. (To run a standby beside it, use PostgreSQL.)", file=sys.stderr)
        return 1
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    upgrade(settings.database_url)
    database = Database(settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow)
    application = build_application(settings, database)
    print(f"lagbot: starting on {settings.database_url.split('@')[-1]}; stop with Ctrl+C")
    try:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    finally:
        lock.release()
    return 0


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    upgrade(settings.database_url)
    print("lagbot: database is up to date")
    return 0
