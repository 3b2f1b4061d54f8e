"""Everything lagbot stores about one member, for /mine_data (a member's right to see their data).

Keys are stable English words; the front end shows them in the member's language. Other people's
identities are left out (who called, who took the welcome task), but what they wrote about the
member is included: a caller's or welcomer's note is the member's data too."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import asks
from models.activity import CANCELLED
from models.broadcast import BroadcastReply
from models.constants import OSLO
from models.event_tables import Event, Rsvp
from models.inbox import InboxUpdate
from models.leader_training import LeaderTraining
from models.linking import LinkRequest
from models.member import STATUS_SUPPORTER, Member
from models.nudges import NudgeState
from models.outbox import OutboxMessage
from models.persistence_store import PersistedData
from models.phonebank import CallAttempt, CallTarget, Campaign
from models.round_tables import NOT_HELD, DoorInput, Round, RoundReport, Signup, Team
from models.surveys import linked_answers
from models.welcome import WelcomeTask


def _option_label(options: list[dict[str, str]] | None, code: str | None) -> str | None:
    """The option as the member saw it (a district stays its code, shown in words by the front end)."""
    return next((o["label"] for o in options or [] if o["key"] == code), code)


def stamp(value: date | datetime | None) -> str | None:
    """A date as 2026-12-05; a moment in Oslo time with its offset (2026-12-05T12:00:00+01:00), as members read times."""
    if isinstance(value, datetime):
        return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).astimezone(OSLO).isoformat()
    return value.isoformat() if value is not None else None


def _person(member: Member) -> dict[str, Any]:
    return {
        "name": member.name, "phone": member.phone, "email": member.email, "member_number": member.member_number,
        "telegram_id": member.telegram_id, "district": member.district, "joined_on": stamp(member.joined_on),
        "language": member.language, "status": member.status, "verified": member.verified,
        "linked_at": stamp(member.linked_at), "linked_by": member.linked_by, "onboarded_at": stamp(member.onboarded_at),
        "created_at": stamp(member.created_at), "last_active_at": stamp(member.last_active_at),
        "unreachable_since": stamp(member.unreachable_at), "do_not_call": member.do_not_call,
    }


async def _activities(session: AsyncSession, member: Member) -> dict[str, Any]:
    signups = (await session.execute(select(Signup, Round).join(Round, Round.id == Signup.round_id)
                                     .where(Signup.member_id == member.id).order_by(Signup.id))).all()
    answers = (await session.execute(select(Rsvp, Event).join(Event, Event.id == Rsvp.event_id)
                                     .where(Rsvp.member_id == member.id).order_by(Rsvp.id))).all()
    led = (await session.execute(select(Round).join(Team, Team.round_id == Round.id)
                                 .where(Team.leader_id == member.id).order_by(Round.starts_at))).scalars().all()
    contact = await session.scalars(select(Event).where(Event.contact_id == member.id).order_by(Event.starts_at))
    inputs = await session.scalars(select(DoorInput).where(DoorInput.member_id == member.id).order_by(DoorInput.id))
    reports = (await session.execute(select(RoundReport, Round).join(Round, Round.id == RoundReport.round_id)
                                     .where(RoundReport.filed_by == member.id).order_by(RoundReport.id))).all()
    training = await session.scalar(select(LeaderTraining).where(LeaderTraining.member_id == member.id))
    return {
        # A cancelled round or event (or a round that never took place) says so, whatever the seat held in it said.
        "door_knocking": [{"round": r.title, "starts_at": stamp(r.starts_at), "status": r.status if r.status in (CANCELLED, NOT_HELD) else s.status,
                           "attended": s.attended, "signed_up_at": stamp(s.created_at), "said_coming_at": stamp(s.coming_at)}
                          for s, r in signups],
        "rounds_you_lead": [{"round": r.title, "starts_at": stamp(r.starts_at)} for r in led],
        "events": [{"event": e.title, "starts_at": stamp(e.starts_at), "answer": a.answer, "seat": CANCELLED if e.status == CANCELLED else a.seat,
                    "attended": a.attended, "answered_at": stamp(a.created_at)} for a, e in answers],
        "events_you_are_contact_for": [{"event": e.title, "starts_at": stamp(e.starts_at)} for e in contact],
        "input_from_the_doors": [{"round": i.round_id, "theme": i.theme, "text": i.text, "at": stamp(i.created_at)}
                                 for i in inputs],
        "round_reports_you_filed": [{"round": r.title, "doors": p.doors, "conversations": p.conversations,
                                     "themes": p.themes, "text": p.text, "at": stamp(p.filed_at)} for p, r in reports],
        "leader_training": None if training is None else {
            "offered_at": stamp(training.offered_at), "accepted_at": stamp(training.accepted_at)},
    }


async def _calls(session: AsyncSession, member: Member) -> dict[str, Any]:
    calls = (await session.execute(select(CallTarget, Campaign).join(Campaign, Campaign.id == CallTarget.campaign_id)
                                   .where(CallTarget.member_id == member.id).order_by(CallTarget.id))).all()
    attempts: dict[int, list[CallAttempt]] = {}
    if calls:
        for attempt in await session.scalars(select(CallAttempt).where(CallAttempt.target_id.in_([t.id for t, _c in calls]))
                                             .order_by(CallAttempt.id)):
            attempts.setdefault(attempt.target_id, []).append(attempt)
    made = await session.scalar(select(func.count()).select_from(CallAttempt).where(CallAttempt.caller_id == member.id))
    welcome = await session.scalar(select(WelcomeTask).where(WelcomeTask.member_id == member.id))
    welcomed = await session.scalar(select(func.count()).select_from(WelcomeTask).where(WelcomeTask.taken_by == member.id))
    return {
        "phone_rounds_about_you": [
            {"phone_round": c.name, "status": t.status, "attempts": t.attempts, "outcome": t.outcome, "note": t.note,
             "calls": [{"outcome": a.outcome, "at": stamp(a.at)} for a in attempts.get(t.id, [])]}
            for t, c in calls],
        "calls_you_made": int(made or 0),
        "welcome_call": None if welcome is None else {
            "status": welcome.status, "due_at": stamp(welcome.due_at), "taken_at": stamp(welcome.taken_at),
            "first_contact_at": stamp(welcome.first_contact_at), "outcome": welcome.outcome, "note": welcome.note,
            "late": welcome.late},
        "welcome_calls_you_took": int(welcomed or 0),
    }


async def _messages(session: AsyncSession, member: Member) -> dict[str, Any]:
    replies = await session.scalars(select(BroadcastReply).where(BroadcastReply.member_id == member.id).order_by(BroadcastReply.id))
    messages = await session.scalars(select(OutboxMessage).where(OutboxMessage.member_id == member.id).order_by(OutboxMessage.id))
    nudges = await session.scalars(select(NudgeState).where(NudgeState.member_id == member.id).order_by(NudgeState.rule))
    requests = await session.scalars(select(LinkRequest).where(
        (LinkRequest.member_id == member.id) | (LinkRequest.requester_id == member.id)).order_by(LinkRequest.id))
    return {
        "replies_to_broadcasts": [{"broadcast": r.broadcast_id, "text": r.text, "at": stamp(r.received_at)} for r in replies],
        "messages_from_lagbot": [_message(m) for m in messages],
        "suggestions": [{"rule": n.rule, "snoozed_until": stamp(n.snoozed_until), "off": n.off} for n in nudges],
        "link_requests": [{"telegram_name": r.telegram_name, "status": r.status, "at": stamp(r.created_at),
                           "decided_at": stamp(r.decided_at)} for r in requests],
    }


def _message(m: OutboxMessage) -> dict[str, Any]:
    """One message lagbot sent or meant to send; one it did not send (or rendered when sending) has no text:
    its topic says what it was about, and a suggestion also which kind (the rule, shown in words)."""
    item = {"kind": m.kind, "topic": m.topic or ("welcome" if m.kind == "welcome" else None), "status": m.status,
            "due_at": stamp(m.due_at), "sent_at": stamp(m.sent_at), "text": m.text or None}
    rule = (m.params or {}).get("rule") if isinstance(m.params, dict) else None
    if m.topic == "nudge" and rule:
        item["rule"] = rule
    return item


def _drafts(data: str | None) -> list[dict[str, Any]]:
    """Unfinished conversations: which one (its name; the handlers put it in words) and when the member's last
    step in it was. The bot's own bookkeeping in the same place (keys such as which call was just recorded)
    is not the member's data in any form they could read, and is left out."""
    try:
        stored = json.loads(data or "{}")
    except ValueError:
        return []
    steps = stored.get("flow_steps") if isinstance(stored, dict) else None
    if not isinstance(steps, dict):
        return []
    return [{"conversation": name, "last_step_at": _moment(at)} for name, at in sorted(steps.items(), key=lambda kv: str(kv[1]))]


def _moment(value: object) -> str | None:
    try:
        return stamp(datetime.fromisoformat(str(value)))
    except ValueError:
        return None


async def _in_transit(session: AsyncSession, member: Member) -> dict[str, Any]:
    """What the bot holds of their conversation: updates not yet handled, and drafts of a flow."""
    if member.telegram_id is None:
        return {"messages_being_handled": [], "drafts": []}
    inbox = await session.scalars(select(InboxUpdate).where(InboxUpdate.chat_id == member.telegram_id,
                                                            InboxUpdate.payload.is_not(None)).order_by(InboxUpdate.update_id))
    draft = await session.scalar(select(PersistedData.data).where(PersistedData.kind == "user",
                                                                  PersistedData.key == member.telegram_id))
    return {
        "messages_being_handled": [{"received_at": stamp(u.received_at), "text": _said(u.payload)} for u in inbox],
        "drafts": _drafts(draft),
    }


def _said(payload: str | None) -> str | None:
    """What the person sent in a stored update: their text, a shared number, or a button's data."""
    try:
        update = json.loads(payload or "{}")
    except ValueError:
        return None
    message = update.get("message") or update.get("edited_message") or {}
    contact = message.get("contact") or {}
    return message.get("text") or contact.get("phone_number") or (update.get("callback_query") or {}).get("data")


def _roles(member: Member) -> list[str]:
    """What the member is, then the roles granted: "member" only for one in the member register; a supporter
    is "supporter" once the board has confirmed them, "unconfirmed_supporter" before."""
    granted = sorted(member.role_names - {"member"})
    if member.status != STATUS_SUPPORTER:
        return ["member", *granted]
    return ["supporter" if member.verified else "unconfirmed_supporter", *granted]


async def export_member(session: AsyncSession, member: Member) -> dict[str, Any]:
    """Everything stored about the member, as plain JSON-ready data with stable English keys."""
    return {
        "member": _person(member),
        "consent": {"given_at": stamp(member.consent_at), "reminders": member.wants_reminders,
                    "suggestions": member.wants_nudges, "messages_from_the_board": member.wants_broadcasts},
        "roles": _roles(member),
        "interests": sorted(member.interest_names),
        **await _activities(session, member),
        **await _calls(session, member),
        **await _messages(session, member),
        "survey_answers": [{"survey": s.title, "question": q.text, "your_answer": a.text or _option_label(q.options, a.option),
                            "filled_in_by_a_caller": r.filled_by is not None, "at": stamp(r.updated_at)}
                           for s, q, r, a in await linked_answers(session, member.id)],
        **await asks.member_data(session, member),
        **await _in_transit(session, member),
    }
