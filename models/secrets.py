"""Secrets lagbot makes for itself on first start and keeps in the database: nothing to configure,
and every instance on the same database uses the same one."""

from __future__ import annotations

import hashlib
import hmac
import secrets as random

from sqlalchemy import String, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

TELEGRAM_HASH = "telegram_hash"


class Secret(Base):
    __tablename__ = "secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


async def secret(session: AsyncSession, name: str) -> bytes:
    """The secret called `name`, made on first use (two instances racing agree on the first one)."""
    value = await session.scalar(select(Secret.value).where(Secret.name == name))
    if value is None:
        insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
        await session.execute(insert(Secret).values(name=name, value=random.token_hex(32))
                              .on_conflict_do_nothing(index_elements=["name"]))
        value = await session.scalar(select(Secret.value).where(Secret.name == name))
    return bytes.fromhex(str(value))


async def telegram_hash(session: AsyncSession, telegram_id: int) -> str:
    """A keyed hash of a Telegram id: without the key, no one can test ids against it (a bare
    SHA-256 of an id can be reversed by trying every id)."""
    key = await secret(session, TELEGRAM_HASH)
    return hmac.new(key, f"lagbot:{telegram_id}".encode(), hashlib.sha256).hexdigest()


async def hash_key(session: AsyncSession) -> bytes:
    return await secret(session, TELEGRAM_HASH)


def keyed_hash(key: bytes, kind: str, value: str) -> str:
    """A keyed hash of any identifier (a phone number, a member number), each kind its own namespace."""
    return hmac.new(key, f"lagbot:{kind}:{value}".encode(), hashlib.sha256).hexdigest()
