"""The board member who wrote a broadcast is told when a member replies to it (the reply is also under
/utsending svar). Rendered when sent, so a reply whose writer erased their data is not passed on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import translator
from bot.render import Gone, Message, renderer
from models import broadcast as bc
from models import outbox as box
from models.member import STATUS_ERASED, Member


async def reply_received(session: AsyncSession, broadcast: bc.Broadcast, member_id: int, now: datetime) -> None:
    """Queue a notice of the member's newest reply to `broadcast` for its author."""
    if broadcast.author_id is None:
        return
    latest = await session.scalar(select(bc.BroadcastReply.id).where(
        bc.BroadcastReply.broadcast_id == broadcast.id, bc.BroadcastReply.member_id == member_id)
        .order_by(bc.BroadcastReply.id.desc()).limit(1))
    if latest is None:
        return
    await box.schedule(session, dedupe_key=f"broadcast:{broadcast.id}:reply:{latest}:author", kind="notice",
                       member_id=broadcast.author_id, due_at=now, topic="broadcast.reply", subject_id=latest,
                       about_member_id=member_id)


@renderer("broadcast.reply")
async def _reply(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    answer = await session.get(bc.BroadcastReply, row.subject_id or 0)
    writer = await session.get(Member, answer.member_id) if answer is not None and answer.member_id else None
    if answer is None or writer is None or writer.status == STATUS_ERASED:
        raise Gone("the reply or its writer is gone")
    _ = translator(to.language)
    return Message(_("↩️ {name} replied to broadcast #{number}:\n{text}\n\nAll replies: /utsending svar").format(
        name=writer.name or "?", number=answer.broadcast_id, text=answer.text), [])
