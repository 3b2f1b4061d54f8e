"""Alembic, driven from code so `python -m bot db upgrade` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply pending migrations (runs its own event loop: call it outside one)."""
    command.upgrade(alembic_config(database_url), revision)


def current_heads(database_url: str) -> None:
    command.current(alembic_config(database_url))


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    """`upgrade` from inside a running event loop: Alembic's own loop runs in a worker thread."""
    import asyncio

    await asyncio.to_thread(upgrade, database_url, revision)
