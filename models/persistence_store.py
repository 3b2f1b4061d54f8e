"""Rows behind python-telegram-bot's persistence: user/chat/bot data and conversation states."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import BigInteger, String, Text, UniqueConstraint, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

KIND_USER = "user"
KIND_CHAT = "chat"
KIND_BOT = "bot"


class PersistedData(Base):
    __tablename__ = "ptb_data"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    key: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[str] = mapped_column(Text)


class ConversationRow(Base):
    __tablename__ = "ptb_conversations"
    __table_args__ = (UniqueConstraint("name", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(Text)


async def load_data(session: AsyncSession, kind: str) -> dict[int, dict[str, Any]]:
    rows = await session.scalars(select(PersistedData).where(PersistedData.kind == kind))
    return {row.key: json.loads(row.data) for row in rows}


async def save_data(session: AsyncSession, kind: str, key: int, data: dict[str, Any]) -> None:
    """Upsert one entry; an empty dict is deleted so that nothing is stored for nobody."""
    row = await session.scalar(
        select(PersistedData).where(PersistedData.kind == kind, PersistedData.key == key)
    )
    if not data:
        if row is not None:
            await session.delete(row)
        return
    encoded = json.dumps(data, default=str, sort_keys=True)
    if row is None:
        session.add(PersistedData(kind=kind, key=key, data=encoded))
    else:
        row.data = encoded


async def drop_data(session: AsyncSession, kind: str, key: int) -> None:
    await session.execute(
        delete(PersistedData).where(PersistedData.kind == kind, PersistedData.key == key)
    )


async def load_all_conversations(session: AsyncSession) -> dict[str, dict[tuple[int | str, ...], object]]:
    """Every conversation's states, by conversation name, in one statement."""
    found: dict[str, dict[tuple[int | str, ...], object]] = {}
    for row in await session.scalars(select(ConversationRow)):
        found.setdefault(row.name, {})[tuple(json.loads(row.key))] = json.loads(row.state)
    return found


async def save_conversation(
    session: AsyncSession, name: str, key: tuple[int | str, ...], state: object | None
) -> None:
    encoded_key = json.dumps(list(key))
    row = await session.scalar(
        select(ConversationRow).where(ConversationRow.name == name, ConversationRow.key == encoded_key)
    )
    if state is None:
        if row is not None:
            await session.delete(row)
        return
    encoded = json.dumps(state)
    if row is None:
        session.add(ConversationRow(name=name, key=encoded_key, state=encoded))
    else:
        row.state = encoded


async def drop_conversations_for(session: AsyncSession, telegram_id: int) -> None:
    """Forget every conversation a user is in (private chats key on chat id and user id)."""
    rows = await session.scalars(select(ConversationRow))
    for row in rows:
        if telegram_id in json.loads(row.key):
            await session.delete(row)
