"""Turning a board member's broadcast into outbox rows, and keeping its status message current."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

from telegram import Bot
from telegram.error import TelegramError

from bot.db import Database
from bot.i18n import N_, OSLO, fmt_datetime, fmt_time, translator
from bot.outbox_buttons import reply_to_board
from bot.ratelimit import no_retry
from models import broadcast as bc
from models import membership
from models import outbox as box
from models.base import utcnow

log = logging.getLogger(__name__)
REPLY_LABEL = N_("↩️ Reply to the board")


def render(text: str, language: str, *, urgent: bool) -> str:
    """The message exactly as a member sees it, in their language."""
    _ = translator(language)
    prefix = "❗ " if urgent else ""
    footer = _("— The board of Trondheim SV. Reply “stopp” to get no more messages like this.")
    return f"{prefix}{text}\n\n{footer}"




def button_label(button: dict[str, Any], language: str) -> str:
    _ = translator(language)
    return {"round": _("🚪 Join the round"), "event": _("📅 See and answer"), "calls": _("📞 Take a call")}[button["kind"]]


async def button_options(session: Any, now: datetime, kind: str) -> list[tuple[int, str, datetime | None]]:
    """What a broadcast's button can point to, of one kind: upcoming rounds or events (id, title,
    start), or running phone rounds (id, name, None)."""
    from models import events as ev
    from models import phonebank as pb
    from models import rounds as rd

    if kind == "round":
        return [(v.round.id, v.round.title, v.round.starts_at) for v in await rd.upcoming(session, now, limit=1000)]
    if kind == "event":
        return [(v.event.id, v.event.title, v.event.starts_at) for v in await ev.upcoming(session, now, limit=1000)]
    return [(c.id, c.name, None) for c in await pb.open_campaigns(session) if c.status == pb.ACTIVE]


def progress_text(progress: bc.Progress, language: str, broadcast: bc.Broadcast) -> str:
    _ = translator(language)
    state = _("Done.") if progress.done else _("Sending…")
    lines = [
        _("Broadcast #{number}: {state}").format(number=broadcast.id, state=state),
        _("Sent: {count}").format(count=progress.sent),
        _("Waiting: {count}").format(count=progress.waiting),
        _("Failed: {count}").format(count=progress.failed),
        _("Unreachable: {count}").format(count=progress.unreachable),
    ]
    if progress.skipped:
        lines.append(_("Skipped (turned off or weekly cap): {count}").format(count=progress.skipped))
    if progress.held and progress.held_until is not None:
        lines.append(_("Held for quiet hours until {time}: {count}").format(time=fmt_time(progress.held_until, language),
                                                                         count=progress.held))
    return "\n".join(lines)


def scheduled_text(broadcast: bc.Broadcast, language: str, quiet: tuple[str, str] | None = None) -> str:
    """The scheduled broadcast's time; with `quiet` (QUIET_START, QUIET_END), a non-urgent one set in quiet
    hours says when members get it instead (the dispatcher holds it until then)."""
    _ = translator(language)
    assert broadcast.send_at is not None
    text = _("Broadcast #{number} is scheduled for {when}.").format(number=broadcast.id, when=fmt_datetime(broadcast.send_at, language))
    if quiet is None or broadcast.urgent:
        return text
    start, end = (time.fromisoformat(clock) for clock in quiet)
    local = broadcast.send_at.astimezone(OSLO)
    if not (local.time() >= start or local.time() < end if start > end else start <= local.time() < end):
        return text
    held_until = datetime.combine(local.date() + timedelta(days=1 if local.time() >= end else 0), end, tzinfo=OSLO)
    return text + " " + _("That is in quiet hours ({start}–{end}), so members get it {when}.").format(
        start=quiet[0], end=quiet[1], when=fmt_datetime(held_until, language))


async def update_status_message(bot: Bot, broadcast: bc.Broadcast, text: str) -> None:
    """Edit the broadcast's status message (where the board scheduled it) to say what changed."""
    if not (broadcast.status_chat_id and broadcast.status_message_id):
        return
    try:
        await bot.edit_message_text(text, chat_id=broadcast.status_chat_id, message_id=broadcast.status_message_id)
    except TelegramError as exc:  # the status is a courtesy; the change itself is stored
        log.info("could not update broadcast status: %s", exc)


def buttons_for(broadcast: bc.Broadcast, language: str) -> list[list[dict[str, str]]]:
    """The board's one button if it chose one, and always a Reply button: only a reply goes to the board."""
    rows = [[{"label": button_label(broadcast.button, language), "data": broadcast.button["data"]}]] if broadcast.button else []
    _ = translator(language)
    rows.append([{"label": _(REPLY_LABEL), "data": reply_to_board(broadcast.id)}])
    return rows


async def launch(database: Database, broadcast_id: int, *, now: datetime, weekly_cap: int, admins: Iterable[int] = ()) -> bc.Reach:
    """Queue one outbox row per recipient, each in the recipient's language."""
    async with database.session() as session:
        broadcast = await bc.get(session, broadcast_id, lock=True)
        if broadcast.status not in (bc.SCHEDULED, bc.DRAFT):
            return bc.Reach()
        audience = bc.Audience.from_json(broadcast.audience)
        reach = await bc.reach(session, audience, now=now, urgent=broadcast.urgent, weekly_cap=weekly_cap, admin_ids=admins)
        rows = [
            {
                "dedupe_key": f"broadcast:{broadcast.id}:member:{member.id}",
                "member_id": member.id,
                "kind": "broadcast",
                "urgent": broadcast.urgent,
                "text": render(broadcast.text, member.language, urgent=broadcast.urgent),
                "buttons": buttons_for(broadcast, member.language),
                "due_at": now,
                "broadcast_id": broadcast.id,
            }
            for member in reach.recipients
        ]
        await box.schedule_many(session, rows)
        broadcast.status = bc.SENDING
    return reach


async def start_due(database: Database, *, now: datetime, weekly_cap: int, admins: Iterable[int] = ()) -> list[int]:
    async with database.session() as session:
        due = [b.id for b in await bc.due_scheduled(session, now) if b.send_at is not None]
    for broadcast_id in due:
        await launch(database, broadcast_id, now=now, weekly_cap=weekly_cap, admins=admins)
    return due


async def refresh_status(bot: Bot, database: Database, language_of_author: dict[int, str] | None = None) -> None:
    """Edit each running broadcast's status message in place; mark it done when nothing waits."""
    async with database.session() as session:
        running = await bc.active(session)
        updates = []
        for broadcast in running:
            progress = await bc.progress(session, broadcast.id)
            language = "nb"
            author = await membership.member_or_none(session, broadcast.author_id)
            if author is not None:
                language = author.language
            text = progress_text(progress, language, broadcast)
            if text != broadcast.status_text:
                broadcast.status_text = text
                if broadcast.status_chat_id and broadcast.status_message_id:
                    updates.append((broadcast.status_chat_id, broadcast.status_message_id, text))
            if progress.done:
                broadcast.status = bc.DONE
                broadcast.finished_at = utcnow()
    for chat_id, message_id, text in updates:
        try:
            # Not waited out on a 429: this runs inside the dispatcher's tick.
            await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, **no_retry(bot))
        except TelegramError as exc:  # the status is a courtesy; the figures stay in the database
            log.info("could not update broadcast status: %s", exc)


def quiet_hours(settings: Any) -> tuple[str, str]:
    return settings.quiet_start, settings.quiet_end
