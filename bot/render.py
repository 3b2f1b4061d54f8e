"""Proactive messages rendered when they are sent: a registry of renderers, one per outbox topic.

An outbox row says what it is about (a topic such as "round.reminder_24h", the activity id, a
member it names, small parameters); the dispatcher (bot/delivery.py) asks `render` for its text
and buttons just before sending, in the recipient's language of that moment, from the data of
that moment. A renderer that finds the message no longer fits (the activity was cancelled, the
recipient left it, a member it names erased their data) raises `Gone`, and the row is recorded
as skipped with that reason instead of being sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import READER_NOW
from models import outbox as box
from models.member import STATUS_ERASED, Member


@dataclass(frozen=True)
class Message:
    text: str
    buttons: list[list[box.Button]] = field(default_factory=list)


class Gone(Exception):
    """The message no longer fits; the argument is the reason recorded on the skipped row."""


class Broken(Exception):
    """A renderer raised something unexpected (a bug); the row is marked failed with this text."""


Renderer = Callable[[AsyncSession, box.OutboxMessage, Member], Awaitable[Message]]
# Topic → renderer. Filled once, as bot/*_messages.py are imported (bot/delivery.py imports them);
# it never grows after that, however many applications are built.
RENDERERS: dict[str, Renderer] = {}


def renderer(*topics: str) -> Callable[[Renderer], Renderer]:
    def register(function: Renderer) -> Renderer:
        for topic in topics:
            if topic in RENDERERS and RENDERERS[topic] is not function:
                raise ValueError(f"two renderers for {topic!r}")
            RENDERERS[topic] = function
        return function

    return register


# The dispatcher's clock while it renders (tests and benchmarks simulate time), for renderers
# whose message only fits before something happens (a reminder after the round began is noise).
NOW: ContextVar[datetime | None] = ContextVar("render_now", default=None)


def now() -> datetime | None:
    return NOW.get()


async def render(session: AsyncSession, row: box.OutboxMessage, recipient: Member, at: datetime | None = None) -> Message:
    """The message `row` stands for, as it reads now; raises Gone when it must not be sent."""
    if at is not None:
        NOW.set(at)
        READER_NOW.set(at)  # dates in another year are written with it
    function = RENDERERS.get(row.topic or "")
    if function is None:
        raise Gone(f"no renderer for {row.topic!r}")
    if row.about_member_id is not None:
        about = await session.get(Member, row.about_member_id)
        if about is None or about.status == STATUS_ERASED:
            raise Gone("about a member who erased their data")
    return await function(session, row, recipient)


def param(row: box.OutboxMessage, name: str, default: object = None) -> object:
    return (box.params_of(row) or {}).get(name, default)
