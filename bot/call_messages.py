"""Outbox messages for phone rounds: call-back reminders, invitations, notices of expired holds.

Rendered when sent (bot/render.py): the person to call is named as they are then, and a message
naming someone who erased their data is dropped."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import activity_messages as am
from bot import outbox_buttons as data
from bot.i18n import N_, fmt_datetime, translator
from bot.render import Gone, Message, renderer
from bot.render import now as render_now
from models import activity as act
from models import events as ev
from models import outbox as box
from models import phonebank as pb
from models import rounds as rd
from models.member import Member

# A caller's card or "next call" when the phone round's round or event has begun, or was cancelled.
CLOSED_BEGUN = N_("This phone round is closed: “{title}”, which it signs people up for, has begun. Thank you for calling!")
CLOSED_CANCELLED = N_("This phone round is closed: “{title}”, which it signs people up for, was cancelled. Thank you for calling!")


async def _callee(session: AsyncSession, target_id: int) -> int | None:
    target = await session.get(pb.CallTarget, target_id)
    return target.member_id if target is not None else None


async def call_back_reminder(session: AsyncSession, caller: Member, target_id: int, campaign_id: int, name: str,
                             at: datetime) -> None:
    """`name` is no longer stored: the reminder names the person as they are when it is sent."""
    await box.schedule(session, dedupe_key=f"call:{campaign_id}:target:{target_id}:callback:{int(at.timestamp())}",
                       kind="task", member_id=caller.id, due_at=at, topic="call.callback", subject_id=campaign_id,
                       about_member_id=await _callee(session, target_id))


async def caller_invitation(session: AsyncSession, member: Member, now: datetime) -> None:
    await box.schedule(session, dedupe_key=f"call:invite-caller:member:{member.id}", kind="notice", member_id=member.id,
                       due_at=now, topic="call.invitation")


async def signed_up_by_phone(session: AsyncSession, member: Member, title: str, when: str, now: datetime, round_id: int) -> None:
    """`title` and `when` are read from the round when the notice is sent."""
    await box.schedule(session, dedupe_key=f"call:signed-up:round:{round_id}:member:{member.id}", kind="notice",
                       member_id=member.id, due_at=now, topic="call.signed_up", subject_id=round_id)


async def signed_up_for_event_by_phone(session: AsyncSession, member: Member, event_id: int, now: datetime) -> None:
    await box.schedule(session, dedupe_key=f"call:signed-up:event:{event_id}:member:{member.id}", kind="notice",
                       member_id=member.id, due_at=now, topic="call.signed_up_event", subject_id=event_id)


async def holds_expired(session: AsyncSession, told: list[tuple[Member, pb.CallTarget]], now: datetime) -> None:
    """Each caller hears that a call they held went back to the queue (one statement for all)."""
    await box.schedule_many(session, [
        box.row(dedupe_key=f"call:target:{target.id}:expired:{int(now.timestamp())}", kind="notice", member_id=caller.id,
                due_at=now, topic="call.hold_expired", about_member_id=target.member_id)
        for caller, target in told])


async def campaign_closed(session: AsyncSession, campaign: pb.Campaign, now: datetime) -> None:
    """Whoever made a phone round hears that it closed as its round or event began (or was cancelled)."""
    if campaign.created_by is not None:
        await box.schedule(session, dedupe_key=f"call:{campaign.id}:closed", kind="notice", member_id=campaign.created_by,
                           due_at=now, topic="call.closed", subject_id=campaign.id)


def when_text(moment: datetime, language: str) -> str:
    return fmt_datetime(moment, language)


async def _name(session: AsyncSession, row: box.OutboxMessage) -> str:
    person = await session.get(Member, row.about_member_id or 0)
    return (person.name if person else None) or "?"


LATE_CALLBACK = timedelta(minutes=30)


@renderer("call.callback")
async def _callback(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    _ = translator(to.language)
    moment = render_now()
    if moment is not None and moment - row.due_at > LATE_CALLBACK:  # held up (the bot was down): not "now, as agreed"
        text = _("You agreed to call {name} back {when}. This reminder comes late; call them when you can.").format(
            name=await _name(session, row), when=when_text(row.due_at, to.language))
    else:
        text = _("Time to call {name} back, as agreed.").format(name=await _name(session, row))
    return Message(text,
                   [[box.Button(_("📞 Next call"), data=data.next_call(row.subject_id or 0))]])


@renderer("call.invitation")
async def _invitation(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    _ = translator(to.language)
    return Message(_("Thank you for offering to phone other members! Open /ringerunde when you have "
                     "a quarter of an hour — the bot gives you one person at a time, with a script."))


@renderer("call.signed_up", "call.signed_up_event")
async def _signed_up(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    """Signed up on the phone for the linked round, or (call.signed_up_event) the linked event."""
    spec = ev.SEATS if row.topic == "call.signed_up_event" else rd.SEATS
    activity = await am.subject(session, spec, row)
    _ = translator(to.language)
    holder = await session.scalar(select(spec.holder).where(spec.of(activity.id), spec.holder.member_id == to.id))
    if holder is not None and getattr(holder, spec.state_column) == act.WAITING:
        return Message(_("As agreed on the phone, you are on the waiting list for “{title}”, {when} (number {number}). "
                         "You will hear from us if a place frees up. See /mine.").format(
            title=activity.title, when=am.when(activity, to.language), number=await act.waiting_position(session, spec, holder)))
    return Message(_("As agreed on the phone, you are signed up for “{title}”, {when}. See /mine.").format(
        title=activity.title, when=am.when(activity, to.language)))


@renderer("call.hold_expired")
async def _hold_expired(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    _ = translator(to.language)
    return Message(_("The call to {name} went back to the queue after 30 minutes without an outcome.").format(
        name=await _name(session, row)))


@renderer("call.closed")
async def _closed(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    from models import phone_close

    campaign = await session.get(pb.Campaign, row.subject_id or 0)
    if campaign is None:
        raise Gone("the phone round is gone")
    activity = await phone_close.linked(session, campaign)
    figures = await pb.progress(session, campaign.id)
    calls, people = await phone_close.calls_made(session, campaign.id)
    _ = translator(to.language)
    # Calls made (a «no answer» to be tried again is one), the people they went to, those reached, and of the
    # reached who signed up, who got a place and who waits (models/phonebank.progress).
    head = (_("📞 The phone round “{name}” is closed: “{title}”, which it signed people up for, was cancelled, so no more "
              "calls are handed out.") if phone_close.was_cancelled(activity) else
            _("📞 The phone round “{name}” is closed: “{title}”, which it signed people up for, has begun, so no more calls "
              "are handed out.")).format(name=campaign.name, title=activity.title if activity is not None else "?")
    return Message(head + " " + _("Calls made: {calls}, to {people} of {total} people. Reached: {reached}. "
                                  "Signed up: {signed} ({seated} with a place, {waiting} on the waiting list).").format(
        calls=calls, people=people, total=figures.total, reached=figures.reached, signed=figures.signed_up + figures.waiting, seated=figures.signed_up,
        waiting=figures.waiting))
