"""Outbox messages about linking an account to the register: the board's "link … to …?" with
confirm and refuse buttons, the outcome to the person who asked, and the notices when a proven
number takes a membership over from another account (models/linking.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import leading_messages as leading
from bot.i18n import translator
from bot.member_buttons import DecideLink
from bot.render import Gone, Message, renderer
from models import linking, membership
from models import outbox as box
from models.member import Member


def member_label(member: Member) -> str:
    number = f" ({member.member_number})" if member.member_number else ""
    return f"{member.name or '?'}{number}"


async def _board(session: AsyncSession, admin_ids: Iterable[int]) -> list[Member]:
    return await membership.members_with_role(session, "board", admin_ids)


async def ask_board(session: AsyncSession, request: linking.LinkRequest, admin_ids: Iterable[int], now: datetime) -> None:
    for person in await _board(session, admin_ids):
        await box.schedule(session, dedupe_key=f"link:{request.id}:board:{person.id}", kind="task", member_id=person.id,
                           due_at=now, topic="board.link_request", subject_id=request.id,
                           about_member_id=request.member_id)


async def tell_outcome(session: AsyncSession, decision: linking.Decision, now: datetime) -> None:
    for person, linked in decision.told:
        await box.schedule(session, dedupe_key=f"link:{decision.request.id}:told:{person.id}", kind="notice",
                           member_id=person.id, due_at=now, topic="link.confirmed" if linked else "link.refused")
        if linked:  # named a team leader before they were on lagbot: told so now
            await leading.tell_if_leading(session, person, now)


async def membership_moved(session: AsyncSession, linked: linking.Linked, admin_ids: Iterable[int], now: datetime) -> None:
    """A proven number linked the membership: a team leader named before is told so; when it took the
    membership from another account, that account and the board are told."""
    await leading.tell_if_leading(session, linked.member, now)
    if linked.displaced is None:
        return
    stamp = int(now.timestamp())
    await box.schedule(session, dedupe_key=f"link:moved:{linked.displaced.id}:{stamp}", kind="notice",
                       member_id=linked.displaced.id, due_at=now, topic="link.moved")
    for person in await _board(session, admin_ids):
        await box.schedule(session, dedupe_key=f"link:moved:{linked.displaced.id}:{stamp}:board:{person.id}", kind="task",
                           member_id=person.id, due_at=now, topic="board.link_moved", about_member_id=linked.member.id,
                           params={"previous": linked.displaced_name or ""})


@renderer("board.link_request")
async def _link_request(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    request = await linking.pending_request(session, row.subject_id or 0)
    member = await session.get(Member, row.about_member_id or 0)
    if request is None or member is None or member.telegram_id is not None:
        raise Gone("the request is decided")
    _ = translator(to.language)
    return Message(
        _("Someone opened the invite link of {member} without proving the phone number. "
          "Link the Telegram account “{telegram_name}” to {member}?").format(
            member=member_label(member), telegram_name=request.telegram_name or "?"),
        [[box.Button(_("✅ Link"), data=DecideLink("yes", request.id).pack()),
          box.Button(_("✖️ Refuse"), data=DecideLink("no", request.id).pack())]])


@renderer("link.confirmed")
async def _confirmed(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    _ = translator(to.language)
    return Message(_("The board has confirmed it: you are now linked to your membership in Trondheim SV, {name}.").format(
        name=to.name or ""))


@renderer("link.refused")
async def _refused(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    _ = translator(to.language)
    return Message(_("The board could not confirm that invite link as yours, so you stay registered as a supporter. "
                     "If you are a member, share your number under /innstillinger."))


@renderer("link.moved")
async def _moved(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    _ = translator(to.language)
    return Message(_("Your Telegram account is no longer linked to a membership: the owner of the phone number "
                     "proved it with their own account. You stay in lagbot as a supporter until the board has "
                     "checked who you are. Contact the board if this is wrong."))


@renderer("board.link_moved")
async def _board_moved(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    member = await session.get(Member, row.about_member_id or 0)
    assert member is not None
    _ = translator(to.language)
    previous = str(box.params_of(row).get("previous") or "") or _("unknown name")
    return Message(_("{member} proved their phone number with a new Telegram account, so the membership is now "
                     "linked to that account. The previous account ({previous}) is now an unverified supporter "
                     "(see /supportere).").format(member=member_label(member), previous=previous))
