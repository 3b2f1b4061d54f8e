"""What the one manage/edit/move/cancel flow (activity_manage) needs to know of rounds and of events:
which domain functions to call, which notices to queue, and the words to use."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import event_messages as ev_msgs
from bot import round_messages as rd_msgs
from bot.activity_buttons import ActivityAction, EventTags, Kind
from bot.i18n import N_, translator
from handlers.cards import event_card, round_card
from handlers.common import Context, inline
from handlers.doorknock_team import admin_keyboard, may_manage_round
from handlers.event_series import series_buttons
from models import events as ev
from models import membership
from models import outbox as box
from models import rounds as rd
from models.errors import NotFound
from models.member import STATUS_ERASED, Member

# Everything planned must stay reachable: the manage list pages, it does not cut (a year of events is ~40).
MANAGEABLE = 1000
Changed = tuple[Any, int]  # the activity after a change, and how many people are told


@dataclass(frozen=True)
class ActivityKind:
    """One kind of activity as the management flow sees it."""

    kind: Kind
    not_allowed: str  # msgids, N_() marked
    closed: str
    cancel_question: str
    cancel_yes: str
    fields: tuple[tuple[str, str, str], ...]  # (field, button label, question)
    closed_errors: tuple[type[Exception], ...]
    capacity_errors: tuple[type[Exception], ...]
    load: Callable[[AsyncSession, int], Awaitable[Any]]
    may_manage: Callable[[Context, Member, Any], bool]
    when: Callable[[Any, str], str]
    edit: Callable[[AsyncSession, Any, str, str | int, datetime], Awaitable[Changed]]
    # move and cancel take `by`, the member doing it: they are not told of their own change.
    move: Callable[..., Awaitable[Changed]]
    cancel: Callable[..., Awaitable[Changed]]
    manageable: Callable[[AsyncSession, datetime], Awaitable[list[Any]]]
    of_view: Callable[[Any], Any]  # the activity a view (RoundView, EventView) shows
    managed_card: Callable[[Any, str, datetime], tuple[str, Any]]  # (text, keyboard) of one activity in the manage list
    text_limit: Callable[[str], int]
    # Why the activity can no longer be moved or cancelled (a msgid: begun, or a round's report), or None.
    settled: Callable[[AsyncSession, Any, datetime], Awaitable[str | None]]
    keyboard: Callable[[Any, str, bool], Any]  # a card's buttons (without move and cancel once settled)

    def field_names(self) -> tuple[str, ...]:
        return tuple(name for name, _label, _question in self.fields)


# Rounds ------------------------------------------------------------------------------------------

STARTED = N_("“{title}” has begun or is over, so it can no longer be moved or cancelled.")
REPORTED = N_("“{title}” has a report, so it can no longer be moved or cancelled.")


async def _round_settled(session: AsyncSession, round_: rd.Round, now: datetime) -> str | None:
    if round_.starts_at <= now:
        return STARTED
    return REPORTED if await rd.report_of(session, round_.id) is not None else None


async def _event_settled(_session: AsyncSession, event: ev.Event, now: datetime) -> str | None:
    return STARTED if event.starts_at <= now else None


def settled_reason(error: Exception) -> str:
    """The words for a move or cancel the domain refused because the activity is settled."""
    return REPORTED if isinstance(error, rd.RoundReported) else STARTED


SETTLED_ERRORS = (rd.RoundStarted, rd.RoundReported, ev.EventStarted)


async def _round_edit(session: AsyncSession, round_: rd.Round, field: str, value: str | int, now: datetime) -> Changed:
    key = {"place": "meeting_point"}.get(field, field)
    round_, promoted = await rd.edit(session, round_.id, now=now, **{key: value})
    view = await rd.view(session, round_)
    for person in promoted:
        await rd_msgs.promoted(session, round_, person, view.leaders, now)
    if field == "place":
        for person in await _round_told(session, round_, [p for _s, p in await rd.participants(session, round_.id)]):
            await rd_msgs.place_changed(session, round_, person, now)
    if field == "briefing":  # a round created without one: the team gets it on the morning after all
        for _signup, person in await rd.participants(session, round_.id):
            await rd_msgs.schedule_briefing(session, round_, person, now)
        for leader in await rd.current_leaders(session, round_):
            await rd_msgs.schedule_leader_briefing(session, round_, leader, now)
    return round_, len(promoted)


async def _round_told(session: AsyncSession, round_: rd.Round, people: list[Member]) -> list[Member]:
    """Those told of a change: the people signed up, and the round's leaders (who may not be)."""
    seen = {person.id for person in people}
    return people + [leader for leader in await rd.current_leaders(session, round_) if leader.id not in seen]


async def _round_everyone(session: AsyncSession, round_: rd.Round) -> list[tuple[str, Member]]:
    return [(status, person) for status in (rd.CONFIRMED, rd.WAITING)
            for _signup, person in await rd.participants(session, round_.id, status=status)]


async def _round_move(session: AsyncSession, round_: rd.Round, start: datetime, end: datetime, now: datetime, *,
                      by: int | None = None) -> Changed:
    await box.cancel(session, rd_msgs.round_prefix(round_))
    round_ = await rd.move(session, round_.id, starts_at=start, ends_at=end, now=now)
    view = await rd.view(session, round_)
    everyone = await _round_everyone(session, round_)
    told = [person for person in await _round_told(session, round_, [person for _status, person in everyone]) if person.id != by]
    for person in told:
        await rd_msgs.moved(session, round_, person, now)
    for status, person in everyone:
        if status == rd.CONFIRMED:
            await rd_msgs.schedule_for_member(session, round_, person, view.leaders, now)
    for leader in view.leaders:
        await rd_msgs.schedule_report_nudge(session, round_, leader, now)
    return round_, len(told)  # "N people are told": the leaders count


async def _round_cancel(session: AsyncSession, round_: rd.Round, now: datetime, *, by: int | None = None) -> Changed:
    round_ = await rd.cancel(session, round_.id, now)
    await box.cancel(session, rd_msgs.round_prefix(round_))
    everyone = await _round_everyone(session, round_)
    told = [person for person in await _round_told(session, round_, [person for _status, person in everyone]) if person.id != by]
    for person in told:
        await rd_msgs.cancelled(session, round_, person, now)
    return round_, len(told)


def _round_card(view: rd.RoundView, lang: str, now: datetime) -> tuple[str, Any]:
    _ = translator(lang)
    text = round_card(view, lang) + "\n" + _("Signed up: {count}").format(count=view.confirmed)
    return text, admin_keyboard(view.round.id, lang, view.round.starts_at <= now)


ROUNDS = ActivityKind(
    kind="rd",
    not_allowed=N_("Only the board or the round's leader can do that."),
    closed=N_("That round is over or cancelled."),
    cancel_question=N_("Cancel “{title}”? Everyone signed up is told at once."),
    cancel_yes=N_("Yes, cancel the round"),
    fields=(("title", N_("Title"), N_("Write the new title.")), ("place", N_("Meeting point"), N_("Write the new meeting point.")),
            ("capacity", N_("Seats"), N_("How many seats in all?")),
            ("briefing", N_("Briefing"), N_("Write the new briefing for the team (talking points, candidates).")),
            ("partner", N_("Partner"), N_("Which partner organisation takes part? Write its name.")),
            ("district", N_("District"), N_("Which district? Midtbyen, Østbyen, Lerkendal, Heimdal or utenfor."))),
    closed_errors=(rd.RoundClosed, NotFound),
    capacity_errors=(rd.BadCapacity,),
    load=rd.get_round,
    may_manage=may_manage_round,
    when=rd_msgs.when,
    edit=_round_edit,
    move=_round_move,
    cancel=_round_cancel,
    manageable=lambda session, now: rd.upcoming(session, now, limit=MANAGEABLE),
    of_view=lambda view: view.round,
    managed_card=_round_card,
    text_limit=lambda field: 3000 if field == "briefing" else 300,
    settled=_round_settled,
    keyboard=lambda round_, lang, settled: admin_keyboard(round_.id, lang, settled),
)


# Events ------------------------------------------------------------------------------------------


def _may_manage_event(context: Context, member: Member, event: ev.Event) -> bool:
    return membership.has_role(member, "board", context.runtime.settings.lagbot_admins) or event.contact_id == member.id


async def _event_edit(session: AsyncSession, event: ev.Event, field: str, value: str | int, now: datetime) -> Changed:
    event, promoted = await ev.edit(session, event.id, now=now, **{field: value})
    for person in promoted:
        await ev_msgs.promoted(session, event, person, now)
    if field == "place":
        for person in await _event_told(session, event, [p for _a, p in await ev.attendees(session, event.id, ("yes", "maybe"))]):
            await ev_msgs.moved(session, event, person, now)
    return event, len(promoted)


async def _event_told(session: AsyncSession, event: ev.Event, people: list[Member]) -> list[Member]:
    """Those told of a change: everyone who said yes or maybe, and the event's contact person."""
    contact = await membership.member_or_none(session, event.contact_id) if event.contact_id else None
    if contact is None or contact.status == STATUS_ERASED or any(person.id == contact.id for person in people):
        return people
    return [*people, contact]


async def _event_move(session: AsyncSession, event: ev.Event, start: datetime, end: datetime, now: datetime, *,
                      by: int | None = None) -> Changed:
    await box.cancel(session, ev_msgs.prefix(event))
    event = await ev.move(session, event.id, starts_at=start, ends_at=end, now=now)
    everyone = await ev.attendees(session, event.id, ("yes", "maybe"))
    for person in await _event_told(session, event, [person for _answer, person in everyone]):
        if person.id != by:
            await ev_msgs.moved(session, event, person, now)
    for answer, person in everyone:
        if answer.answer == "maybe" or answer.seat == ev.CONFIRMED:
            await ev_msgs.schedule_for_member(session, event, person, now)
    return event, sum(person.id != by for _answer, person in everyone)


async def _event_cancel(session: AsyncSession, event: ev.Event, now: datetime, *, by: int | None = None) -> Changed:
    event = await ev.cancel(session, event.id, now)
    await box.cancel(session, ev_msgs.prefix(event))
    everyone = await ev.attendees(session, event.id, ("yes", "maybe"))
    for person in await _event_told(session, event, [person for _answer, person in everyone]):
        if person.id != by:
            await ev_msgs.cancelled(session, event, person, now)
    return event, sum(person.id != by for _answer, person in everyone)


def _event_keyboard(event: ev.Event, lang: str, settled: bool) -> Any:
    """An event's management buttons; one that has begun (`settled`) is not offered moving or cancelling."""
    _ = translator(lang)
    event_id = event.id

    def action(label: str, name: Any) -> tuple[str, str]:
        return _(label), ActivityAction(kind="ev", action=name, activity_id=event_id).pack()

    rows = [[action(N_("Check in"), "people"), action(N_("✏️ Edit"), "edit")],
            *([] if settled else [[action(N_("Move"), "move"), action(N_("Cancel event"), "cancel")]]),
            [(_("🎯 Plan goals (board)"), EventTags(event_id=event_id).pack())]]
    if event.series_id is not None and not settled:
        rows.append(series_buttons(event_id, lang))
    return inline(rows)


def _event_card(view: ev.EventView, lang: str, now: datetime) -> tuple[str, Any]:
    return event_card(view, lang), _event_keyboard(view.event, lang, view.event.starts_at <= now)


EVENTS = ActivityKind(
    kind="ev",
    not_allowed=N_("Only the board or the event's contact person can do that."),
    closed=N_("That event is over or cancelled."),
    cancel_question=N_("Cancel “{title}”? Everyone who answered yes or maybe is told at once."),
    cancel_yes=N_("Yes, cancel the event"),
    fields=(("title", N_("Title"), N_("Write the new title.")), ("place", N_("Place"), N_("Write the new place.")),
            ("description", N_("Description"), N_("Write the new description.")),
            ("capacity", N_("Places"), N_("How many places in all?"))),
    closed_errors=(ev.EventClosed, NotFound),
    capacity_errors=(ev.EventError,),
    load=ev.get_event,
    may_manage=_may_manage_event,
    when=ev_msgs.when,
    edit=_event_edit,
    move=_event_move,
    cancel=_event_cancel,
    manageable=lambda session, now: ev.upcoming(session, now - timedelta(hours=12), limit=MANAGEABLE),
    of_view=lambda view: view.event,
    managed_card=_event_card,
    text_limit=lambda field: 3000 if field == "description" else 300,
    settled=_event_settled,
    keyboard=_event_keyboard,
)

KINDS: dict[str, ActivityKind] = {"rd": ROUNDS, "ev": EVENTS}
