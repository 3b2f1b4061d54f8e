"""What rounds and events share in the outbox: reminder times, notice keys, and the checks a
reminder or notice passes when it is rendered (bot/render.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, fmt_span
from bot.render import Gone
from bot.render import now as render_now
from models import activity as act
from models import outbox as box
from models.constants import OSLO
from models.errors import NotFound
from models.member import Member
from models.timeparse import same_time_day_before


def when(activity: Any, lang: str) -> str:
    return fmt_span(activity.starts_at, activity.ends_at, lang)


def when_of(params: dict[str, Any], lang: str) -> str:
    """The time a change notice announces: the one in its own change record."""
    starts, ends = (datetime.fromtimestamp(params[name], UTC) for name in ("starts_at", "ends_at"))
    return fmt_span(starts, ends, lang)


def stamp(moment: datetime) -> int:
    return int(moment.timestamp())


def reminder_times(activity: Any, now: datetime) -> dict[str, datetime]:
    """The day-before (same Oslo wall-clock time) and two-hour reminders still ahead."""
    times = {"24h": same_time_day_before(activity.starts_at), "2h": activity.starts_at - timedelta(hours=2)}
    return {name: due for name, due in times.items() if due > now}


def reminder_promise(activity: Any, member: Member, now: datetime) -> str | None:
    """The reminder a confirmation may promise (an N_ msgid): only one that will really be sent."""
    if not member.wants_reminders:
        return None
    ahead = reminder_times(activity, now)
    if "24h" in ahead:
        return N_("We'll remind you the day before.")
    if "2h" in ahead:
        return N_("We'll remind you two hours before.")
    return None


def clash_note(clashing: list[Any], lang: str) -> str | None:
    """"This overlaps with …" for a confirmation, naming the first clash and its time."""
    if not clashing:
        return None
    from bot.i18n import translator

    _ = translator(lang)
    first = clashing[0]
    return _("⚠️ This overlaps with “{title}”, {when}, which you are also signed up for. "
             "You can leave one of them under /mine.").format(title=first.title, when=when(first, lang))


def about(activity: Any, member: Member, *, key: str, topic: str, kind: str, due_at: datetime,
          **params: Any) -> dict[str, Any]:
    """An outbox row about `activity` for `member`, rendered when it is sent.

    `at` records the start it was scheduled for, so a reminder left from before a move is dropped."""
    return box.row(dedupe_key=key, kind=kind, member_id=member.id, due_at=due_at, topic=topic,
                   subject_id=activity.id, params={"at": stamp(activity.starts_at), **params})


async def schedule_about(session: AsyncSession, activity: Any, member: Member, *, key: str, topic: str, kind: str,
                         due_at: datetime, **params: Any) -> bool:
    """Queue one message about `activity` for `member` (see `about`)."""
    return await box.schedule_many(session, [about(activity, member, key=key, topic=topic, kind=kind, due_at=due_at,
                                                   **params)]) == 1


async def change_notice(session: AsyncSession, activity: Any, member: Member, *, family: str, topic: str, now: datetime,
                        **change: Any) -> None:
    """A notice of one change, at once; a pending notice of an earlier change of the same kind is
    replaced by this one (each version is announced once, the newest wins)."""
    base = f"notice:{family}:{activity.id}:member:{member.id}:{topic.rsplit('.', 1)[1]}:"
    key = f"{base}v{activity.version}"
    await box.supersede(session, base, keep=key)
    await box.schedule(session, dedupe_key=key, kind="notice", member_id=member.id, due_at=now, topic=topic,
                       subject_id=activity.id, params=change)


async def subject(session: AsyncSession, spec: act.Seats, row: box.OutboxMessage, *, planned: bool = True) -> Any:
    """The activity a row is about, as it is now; Gone when deleted (or, with `planned`, cancelled)."""
    try:
        activity = await act.get(session, spec, row.subject_id or 0)
    except NotFound:
        raise Gone("the activity is gone") from None
    if planned and activity.status != act.PLANNED:
        raise Gone("the activity is cancelled")
    return activity


async def reminder_subject(session: AsyncSession, spec: act.Seats, row: box.OutboxMessage, recipient: Member, *,
                           before_start: bool = False, day_before: bool = False, came: bool = False) -> Any:
    """The activity of a reminder that still applies: planned, not moved since, the recipient still in;
    with `before_start`, not begun yet (sending was held up); with `day_before`, still the day before in
    Oslo (a "tomorrow" held up until the day itself would be wrong); with `came`, not marked as a no-show."""
    activity = await subject(session, spec, row)
    still_timely(activity, row, before_start=before_start, day_before=day_before)
    holder = await session.scalar(select(spec.holder).where(spec.of(activity.id), spec.holder.member_id == recipient.id))
    if holder is None or not _still_in(spec, holder):
        raise Gone("no longer signed up")
    if came and getattr(holder, "attended", None) is False:
        raise Gone("marked as not coming by the leader")
    return activity


def still_timely(activity: Any, row: box.OutboxMessage, *, before_start: bool = False, day_before: bool = False) -> None:
    """Gone for a reminder whose moment has passed (see `reminder_subject`) or that was queued for a start
    the activity has moved from."""
    moment = render_now()
    if before_start and moment is not None and moment >= activity.starts_at:
        raise Gone("the activity has begun; a reminder now is only noise")
    if day_before and moment is not None and moment.astimezone(OSLO).date() >= activity.starts_at.astimezone(OSLO).date():
        raise Gone("no longer the day before; the day's own reminder follows")
    at = box.params_of(row).get("at")
    if at is not None and at != stamp(activity.starts_at):
        raise Gone("the activity moved; its reminders were scheduled anew")


def _still_in(spec: act.Seats, holder: Any) -> bool:
    """A seat, or (events) a "maybe", which is reminded too."""
    return getattr(holder, spec.state_column) == act.CONFIRMED or getattr(holder, "answer", None) == "maybe"


def held_up(activity: Any, before: timedelta = timedelta(hours=1, minutes=45)) -> bool:
    """A "two hours before" reminder sent with less time left than that (held up while the bot was down):
    it must not say "in two hours"."""
    moment = render_now()
    return moment is not None and activity.starts_at - moment < before
