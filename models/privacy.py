"""A member's right to erase what lagbot stores about them (their export: models/data_export.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import asks, inbox, membership
from models.activity import PLANNED
from models.broadcast import BroadcastReply
from models.errors import MemberNotFound, NotAllowed
from models.member import STATUS_ERASED, Member
from models.outbox import PENDING, OutboxMessage
from models.phonebank import DONE as CALL_DONE
from models.phonebank import CallTarget
from models.round_leaders import set_leader
from models.round_tables import Team
from models.rounds import DoorInput, Round, RoundReport
from models.surveys import erase_answers
from models.tombstones import ERASED, LEFT, REJECTED, leave_tombstone, remember_left
from models.welcome import WelcomeTask


@dataclass
class Released:
    """Places an erased member gave up, and who moved up from the waiting list into them."""

    rounds: list[tuple[Round, Member]] = field(default_factory=list)
    events: list[tuple[Any, Member]] = field(default_factory=list)
    places: int = 0
    given_up: list[tuple[str, datetime]] = field(default_factory=list)  # (title, start) of every place given up
    leaderless: list[Any] = field(default_factory=list)  # a LeaderChange for every team they no longer lead
    call_cards: list[Any] = field(default_factory=list)  # a CardToClear for every phone-round card showing a number


SEAT, WAITING_PLACE, MAYBE = "seat", "waiting", "maybe"  # what a place held is: only a seat goes to the next in line


async def places_held(session: AsyncSession, member: Member, now: datetime) -> list[tuple[str, datetime, str]]:
    """(title, start, kind) of the rounds and events still to come where the member holds a seat (SEAT),
    a place on the waiting list (WAITING_PLACE) or a maybe (MAYBE): what erasing gives up (release_places).
    Teams they lead: teams_led."""
    from models import events as ev
    from models import rounds as rd

    held = [(mine.round.title, mine.round.starts_at, SEAT if mine.signup.status == rd.CONFIRMED else WAITING_PLACE)
            for mine in await rd.my_rounds(session, member.id, now) if mine.round.starts_at > now]
    held += [(event.title, event.starts_at,
              MAYBE if rsvp.answer != "yes" else SEAT if rsvp.seat == ev.CONFIRMED else WAITING_PLACE)
             for event, rsvp in await ev.my_events(session, member.id, now) if event.starts_at > now]
    return sorted(held, key=lambda place: place[1])


@dataclass(frozen=True)
class TeamLed:
    """A team the member leads in a planned round still to come: what erasing leaves without a leader."""

    team_id: int
    title: str
    starts_at: datetime
    number: int  # 1-based, as people count teams
    teams: int  # how many teams the round has (a team number means little when it has one)


async def teams_led(session: AsyncSession, member: Member, now: datetime) -> list[TeamLed]:
    """The teams the member leads in planned rounds still to come, by start."""
    rows = (await session.execute(
        select(Team.id, Team.round_id, Round.title, Round.starts_at).join(Round, Round.id == Team.round_id)
        .where(Team.leader_id == member.id, Round.status == PLANNED, Round.starts_at > now)
        .order_by(Round.starts_at, Team.id))).all()
    if not rows:
        return []
    siblings: dict[int, list[int]] = {}
    for team_id, round_id in (await session.execute(
            select(Team.id, Team.round_id).where(Team.round_id.in_({row.round_id for row in rows})).order_by(Team.id))).all():
        siblings.setdefault(round_id, []).append(team_id)
    return [TeamLed(row.id, row.title, row.starts_at, siblings[row.round_id].index(row.id) + 1, len(siblings[row.round_id]))
            for row in rows]


async def release_places(session: AsyncSession, member: Member, now: datetime) -> Released:
    """Before erasure: give up every seat and waiting-list place in rounds and events still to
    come, so the next in line moves up (and is told) and no erased member holds or gets a seat."""
    from models import events as ev
    from models import rounds as rd
    from models.call_erasure import release_for_erasure

    released = Released(call_cards=await release_for_erasure(session, member))
    for led in await teams_led(session, member, now):  # a team they lead is left without a leader
        released.leaderless.append(await set_leader(session, led.team_id, None, now=now))
    for mine in await rd.my_rounds(session, member.id, now):
        if mine.round.starts_at <= now:  # under way: the seat is history, nobody can move up
            continue
        result = await rd.leave(session, mine.round.id, member.id, now)
        released.places += 1
        released.given_up.append((mine.round.title, mine.round.starts_at))
        if result.promoted is not None:
            released.rounds.append((result.round, result.promoted))
    for event, _rsvp in await ev.my_events(session, member.id, now):
        if event.starts_at <= now:
            continue
        answered = await ev.answer(session, event.id, member.id, "no", now)
        released.places += 1
        released.given_up.append((event.title, event.starts_at))
        if answered.promoted is not None:
            released.events.append((answered.event, answered.promoted))
    return released


async def remove_left_member(session: AsyncSession, member_id: int, *, actor_telegram_id: int | None,
                             admin_ids: Iterable[int], now: datetime) -> tuple[Member, Released, int | None]:
    """The board removes a member who left the party: the same erasure as /slett_meg, and a keyed
    trace of their phone and member number keeps a later import from bringing them back unless
    the register shows a newer join date. `actor_telegram_id` None: the command line (no role to
    check). Returns the (now anonymous) member, the places released and their former Telegram id."""
    if actor_telegram_id is not None:
        actor = await membership.member_by_telegram(session, actor_telegram_id)
        if not membership.has_role(actor, "board", admin_ids):
            raise NotAllowed("board")
    member = await membership.member_by_id(session, member_id)
    telegram_id = member.telegram_id
    released = await release_places(session, member, now)
    await remember_left(session, member.phone, member.member_number, member.joined_on, now)
    await erase_member(session, member, reason=LEFT, now=now)
    return member, released, telegram_id


@dataclass
class Rejected:
    """A supporter the board did not confirm, as they were just before their data went."""

    name: str
    telegram_id: int | None
    language: str
    released: Released


async def reject_supporter(session: AsyncSession, member_id: int, now: datetime) -> Rejected:
    """The board does not confirm a supporter: they are not added. What they gave lagbot is erased as
    by /slett_meg (their places go to the next in line), with a trace that says so if they come back.
    MemberNotFound when they are not (or no longer) a supporter waiting to be checked. The caller
    checks the board role in this transaction."""
    from models.member import STATUS_SUPPORTER

    member = await membership.member_by_id(session, member_id)
    if member.status != STATUS_SUPPORTER or member.verified:
        raise MemberNotFound(member_id)
    rejected = Rejected(member.name or "?", member.telegram_id, member.language or "nb", await release_places(session, member, now))
    await erase_member(session, member, reason=REJECTED, now=now)
    return rejected


async def erase_member(session: AsyncSession, member: Member, reason: str = ERASED, *, now: datetime) -> None:
    """Forget who they are; keep a row without identity so counts stay right. `now` (the bot's clock) is
    the day a later /start tells them their data went."""
    await asks.erase_member_answers(session, member)
    if member.telegram_id is not None:  # their private chat's id is their Telegram id
        await inbox.forget_chat(session, member.telegram_id)
        await leave_tombstone(session, member.telegram_id, now, reason)
    member.name = None
    member.phone = None
    member.email = None
    member.telegram_id = None
    member.member_number = None
    member.invite_token = None
    # The month they joined is kept for statistics; the exact day could single them out.
    if member.joined_on is not None:
        member.joined_on = date(member.joined_on.year, member.joined_on.month, 1)
    await session.execute(delete(BroadcastReply).where(BroadcastReply.member_id == member.id))
    await erase_answers(session, member)  # linked answers go; anonymous ones stay, unlinked
    # Out of every phone round's queue and call-back, and nothing a caller or welcomer wrote about
    # them stays; an outcome already recorded stays as a count.
    await session.execute(
        update(CallTarget).where(CallTarget.member_id == member.id)
        .values(status=CALL_DONE, outcome=func.coalesce(CallTarget.outcome, "erased"), note=None, held_by=None,
                held_until=None, reserved_for=None, next_attempt_at=None)
        .execution_options(synchronize_session=False))
    await session.execute(update(WelcomeTask).where(WelcomeTask.member_id == member.id).values(note=None)
                          .execution_options(synchronize_session=False))
    await session.execute(delete(DoorInput).where(DoorInput.member_id == member.id))
    await session.execute(update(RoundReport).where(RoundReport.filed_by == member.id).values(text="", filed_by=None))
    await session.execute(delete(OutboxMessage).where(OutboxMessage.member_id == member.id, OutboxMessage.status == PENDING))
    # Sent messages stay as counts; what they said (their name, say) goes.
    await session.execute(update(OutboxMessage).where(OutboxMessage.member_id == member.id).values(text="", chat_id=None, buttons=None))
    member.unreachable_at = None
    member.last_active_at = None
    member.roles.clear()
    member.interests.clear()
    member.wants_reminders = member.wants_nudges = member.wants_broadcasts = False
    member.status = STATUS_ERASED
    member.erased_at = now
    await session.flush()
