"""The welcome sequence for a new member and the escalation of welcome calls, through the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import fmt_datetime, translator
from models import events as ev
from models import membership
from models import outbox as box
from models import rounds as rd
from models.member import Member
from models.welcome import WelcomeTask

STEPS = (0, 2, 7, 21)


async def run_sequence(session: AsyncSession, member: Member, now: datetime) -> None:
    """Queue each step whose day has come, once; a step that no longer fits is recorded as skipped."""
    assert member.onboarded_at is not None
    for day in STEPS:
        if now < member.onboarded_at + timedelta(days=day):
            continue
        key = f"welcome:member:{member.id}:day{day}"
        if await box.exists(session, key):
            continue
        if not member.wants_nudges:
            await box.skip(session, dedupe_key=key, kind="welcome", member_id=member.id, reason="turned off", now=now)
            continue
        message = await step(session, member, day, now)
        if message is None:
            await box.skip(session, dedupe_key=key, kind="welcome", member_id=member.id, reason="nothing that fits", now=now)
            continue
        text, buttons = message
        await box.schedule(session, dedupe_key=key, kind="welcome", member_id=member.id, due_at=now, text=text, buttons=buttons)


async def step(session: AsyncSession, member: Member, day: int, now: datetime) -> tuple[str, list[list[box.Button]]] | None:
    _ = translator(member.language)
    if day == 0:
        return (_("Welcome to Trondheim SV, {name}! We knock on doors, meet for member meetings and pub evenings, run courses "
                  "and write the programme for the local election in 2027 together. You choose how much you join in.").format(
                    name=(member.name or "").split(" ")[0]),
                [[box.Button(_("What I'd like to help with"), data="set:int")], [box.Button(_("📅 What's coming up"), data="ev:kind:all")]])
    if day == 2:
        for view in await ev.upcoming(session, now, kind="social", until=now + timedelta(days=30), limit=5):
            if await ev.rsvp_of(session, view.event.id, member.id) is None:
                return (_("A good way to meet the others: “{title}”, {when}, at {place}. Will you come?").format(
                            title=view.event.title, when=fmt_datetime(view.event.starts_at, member.language), place=view.event.place),
                        [[box.Button(_("✅ Yes"), data=f"ev:rsvp:{view.event.id}:yes"),
                          box.Button(_("🤔 Maybe"), data=f"ev:rsvp:{view.event.id}:maybe")]])
        return None
    if day == 7:
        views = await rd.upcoming(session, now, limit=20)
        views.sort(key=lambda v: (v.round.district != member.district, v.round.starts_at))
        for view in views:
            if view.seats_left and await rd.signup_of(session, view.round.id, member.id) is None:
                return (_("Try door-knocking with us? “{title}”, {when}. We go in pairs, and you get a short introduction first.").format(
                            title=view.round.title, when=fmt_datetime(view.round.starts_at, member.language)),
                        [[box.Button(_("Join"), data=f"rd:join:{view.round.id}")]])
        return None
    if day == 21:
        return (_("You have been a member for three weeks — welcome again! Is there anything you'd like to help with? "
                  "Choose below, or just answer this message."),
                [[box.Button(_("What I'd like to help with"), data="set:int")], [box.Button(_("📅 What's coming up"), data="ev:kind:all")]])
    return None


async def escalate(session: AsyncSession, now: datetime, admins: list[int], link_for: object = None) -> None:
    from models.welcome import escalate as find

    found = await find(session, now)
    welcomers = {m.id: m for role in ("welcomer", "board") for m in await membership.members_with_role(session, role, [])}
    chairs = await membership.members_with_role(session, "admin", admins)
    for task, member in found.offer_to_all:
        for person in welcomers.values():
            _ = translator(person.language)
            await box.schedule(session, dedupe_key=f"welcome:task:{task.id}:offer:{person.id}", kind="task", member_id=person.id,
                               due_at=now, text=_("{name} joined {days} days ago, and nobody has taken the welcome call yet. Can you?").format(
                                   name=member.name or "?", days=(now - task.joined_at).days),
                               buttons=[[box.Button(_("Take it"), data=f"wl:take:{task.id}")]])
    for task, member in found.to_leader:
        taker = await membership.member_or_none(session, task.taken_by)
        for person in chairs:
            _ = translator(person.language)
            await box.schedule(session, dedupe_key=f"welcome:task:{task.id}:leader:{person.id}", kind="task", member_id=person.id,
                               due_at=now, text=_("The welcome call to {name} is still not done after 10 days (taken by: {who}). "
                                                  "See /velkomst.").format(name=member.name or "?", who=taker.name if taker else _("nobody")))


def is_late(task: WelcomeTask, now: datetime) -> bool:
    return now > task.due_at
