"""The welcome sequence for a new member and the escalation of welcome calls, through the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox_buttons as data
from bot.i18n import fmt_datetime, ngettext_for, translator
from bot.render import Gone, Message, renderer
from bot.render import now as render_now
from models import events as ev
from models import membership
from models import outbox as box
from models import rounds as rd
from models.member import STATUS_SUPPORTER, Member
from models.welcome import DONE, WelcomeTask

Offered = TypeVar("Offered", ev.Event, rd.Round)

STEPS = (0, 2, 7, 21)
OFFER_MARGIN = timedelta(hours=3)  # a step offers an event or round that starts at least this long after it is queued


def step_keys(member: Member, now: datetime) -> dict[int, str]:
    """The outbox key of each step whose day has come, by day."""
    assert member.onboarded_at is not None
    return {day: f"welcome:member:{member.id}:day{day}" for day in STEPS if now >= member.onboarded_at + timedelta(days=day)}


async def run_sequences(session: AsyncSession, members: list[Member], now: datetime) -> None:
    """The sequence of each member, for the steps not queued yet (looked up in one statement)."""
    due = {member.id: step_keys(member, now) for member in members}
    queued = await box.existing_keys(session, [key for keys in due.values() for key in keys.values()])
    for member in members:
        if set(due[member.id].values()) - queued:
            await run_sequence(session, member, now)


async def run_sequence(session: AsyncSession, member: Member, now: datetime) -> None:
    """Queue each step whose day has come, once; a step that no longer fits is recorded as skipped.

    What a step offers (which event, which round) is chosen now; its words when it is sent."""
    for day, key in step_keys(member, now).items():
        if await box.exists(session, key):
            continue
        if not member.wants_nudges:
            await box.skip(session, dedupe_key=key, kind="welcome", member_id=member.id, reason="turned off", now=now)
            continue
        offer = await pick(session, member, day, now)
        if offer is None:
            await box.skip(session, dedupe_key=key, kind="welcome", member_id=member.id, reason="nothing that fits", now=now)
            continue
        await box.schedule(session, dedupe_key=key, kind="welcome", member_id=member.id, due_at=now, topic="welcome",
                           subject_id=offer.get("id"), params={"day": day})


async def pick(session: AsyncSession, member: Member, day: int, now: datetime) -> dict[str, int] | None:
    """What the step of `day` offers: {} for a plain step, {"id": …} for an event or round; None = nothing fits."""
    if day in (0, 21):
        return {}
    # Not what begins within OFFER_MARGIN: "will you come?" ten minutes before the start is no invitation.
    soonest = now + OFFER_MARGIN
    if day == 2:
        for view in await ev.upcoming(session, soonest, kind="social", until=now + timedelta(days=30), limit=5):
            if view.event.contact_id != member.id and await ev.rsvp_of(session, view.event.id, member.id) is None:
                return {"id": view.event.id}
        return None
    if day == 7:
        views = await rd.upcoming(session, soonest, limit=20)
        views.sort(key=lambda v: (v.round.district != member.district, v.round.starts_at))
        for view in views:
            if view.seats_left and not rd.leads(view.round, member.id) and await rd.signup_of(session, view.round.id, member.id) is None:
                return {"id": view.round.id}
    return None


async def step(session: AsyncSession, member: Member, day: int, now: datetime) -> tuple[str, list[list[box.Button]]] | None:
    """The step's text and buttons as they would read now (None when nothing fits)."""
    offer = await pick(session, member, day, now)
    if offer is None:
        return None
    try:
        message = await words(session, member, day, offer.get("id"))
    except Gone:
        return None
    return message.text, message.buttons


@renderer("welcome")
async def _welcome(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    return await words(session, to, int(box.params_of(row).get("day", 0)), row.subject_id)


async def words(session: AsyncSession, member: Member, day: int, offer_id: int | None) -> Message:
    _ = translator(member.language)
    if day in (0, 21):
        buttons = [[box.Button(_("What I'd like to help with"), data="set:int")],
                   [box.Button(_("📅 What's coming up"), data="ev:kind:all")]]
        if day == 0:
            return Message(_("Welcome to Trondheim SV, {name}! We knock on doors, meet for member meetings and pub evenings, "
                             "run courses and write the programme for the local election in 2027 together. You choose how "
                             "much you join in.").format(name=(member.name or "").split(" ")[0]), buttons)
        # Only a reply to the board's broadcast reaches the board (DECISIONS): the step asks for buttons, not an answer.
        return Message(_("You have been a member for three weeks — welcome again! Is there anything you'd like to help with? "
                         "Choose it below."), buttons)
    if day == 2:
        event = _still_offered(await session.get(ev.Event, offer_id or 0), ev.PLANNED, "event")
        return Message(_("A good way to meet the others: “{title}”, {when}, at {place}. Will you come?").format(
            title=event.title, when=fmt_datetime(event.starts_at, member.language), place=event.place),
            [[box.Button(_("✅ Yes"), data=data.rsvp(event.id, "yes")),
              box.Button(_("🤔 Maybe"), data=data.rsvp(event.id, "maybe"))]])
    round_ = _still_offered(await session.get(rd.Round, offer_id or 0), rd.PLANNED, "round")
    return Message(_("Try door-knocking with us? “{title}”, {when}. We go in pairs, and you get a short introduction first.").format(
        title=round_.title, when=fmt_datetime(round_.starts_at, member.language)),
        [[box.Button(_("Join"), data=data.join_round(round_.id))]])


def _still_offered(activity: Offered | None, planned: str, what: str) -> Offered:
    """The event or round a welcome step offers, unless it is cancelled, gone or has begun (sending
    was held up): then the step is not sent."""
    if activity is None or activity.status != planned:
        raise Gone(f"the {what} offered is cancelled or gone")
    moment = render_now()
    if moment is not None and moment >= activity.starts_at:
        raise Gone(f"the {what} offered has begun (sending was held up)")
    return activity


async def verified(session: AsyncSession, member: Member, now: datetime) -> None:
    """Tell a supporter the board has verified them (they get the board's messages from now on)."""
    await box.schedule(session, dedupe_key=f"member:{member.id}:verified", kind="notice", member_id=member.id, due_at=now,
                       topic="member.verified", subject_id=member.id)


async def rejected(session: AsyncSession, member_id: int, telegram_id: int, language: str, now: datetime) -> None:
    """Tell a supporter the board did not confirm that their data is gone. Written now, in their language, to
    their chat: their member row is anonymous by the time it is sent, and names nobody."""
    _ = translator(language)
    await box.schedule(session, dedupe_key=f"member:{member_id}:rejected", kind="notice", chat_id=telegram_id, due_at=now,
                       text=_("The board of Trondheim SV could not confirm you as a supporter, so lagbot has deleted what "
                              "you gave it. Are you a member, or is this a mistake? Send /start and share your number."))


@renderer("member.verified")
async def _verified(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    if to.status != STATUS_SUPPORTER or not to.verified:
        raise Gone("no longer a verified supporter")
    _ = translator(to.language)
    return Message(_("Good news: the board has confirmed you as a supporter of Trondheim SV. From now on you also get "
                     "the board's messages and invitations. See what is coming up in the menu."))


async def escalate(session: AsyncSession, now: datetime, admins: list[int], link_for: object = None) -> None:
    from models.welcome import escalate as find

    found = await find(session, now)
    welcomers: dict[int, Member] = {}
    if found.offer_to_all:
        welcomers = {m.id: m for role in ("welcomer", "board") for m in await membership.members_with_role(session, role, [])}
    chairs = await membership.members_with_role(session, "admin", admins) if found.to_leader else []
    # Nobody on Telegram to tell yet (the register imported before the board started the bot): the line is
    # crossed again at a later run, when someone is there, rather than marked as told.
    for task, _member in found.offer_to_all if not welcomers else []:
        task.offered_to_all = False
    for task, _member in found.to_leader if not chairs else []:
        task.escalated = False
    for task, member in found.offer_to_all:
        for person in welcomers.values():
            await box.schedule(session, dedupe_key=f"welcome:task:{task.id}:offer:{person.id}", kind="task", member_id=person.id,
                               due_at=now, topic="welcome.offer", subject_id=task.id, about_member_id=member.id)
    for task, member in found.to_leader:
        for person in chairs:
            await box.schedule(session, dedupe_key=f"welcome:task:{task.id}:leader:{person.id}", kind="task", member_id=person.id,
                               due_at=now, topic="welcome.late", subject_id=task.id, about_member_id=member.id)


async def _task(session: AsyncSession, row: box.OutboxMessage) -> tuple[WelcomeTask, str]:
    task = await session.get(WelcomeTask, row.subject_id or 0)
    if task is None:
        raise Gone("the welcome task is gone")
    member = await session.get(Member, row.about_member_id or 0)
    return task, (member.name if member else None) or "?"


@renderer("welcome.offer")
async def _offer(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    task, name = await _task(session, row)
    if task.taken_by is not None:
        raise Gone("someone took the welcome call")
    _ = translator(to.language)
    ngettext = ngettext_for(to.language)
    days = (row.due_at - task.joined_at).days
    return Message(ngettext("{name} joined {days} day ago, and nobody has taken the welcome call yet. Can you?",
                            "{name} joined {days} days ago, and nobody has taken the welcome call yet. Can you?",
                            days).format(name=name, days=days),
        [[box.Button(_("Take it"), data=data.take_welcome_call(task.id))]])


@renderer("welcome.late")
async def _late(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    task, name = await _task(session, row)
    taker = await membership.member_or_none(session, task.taken_by)
    _ = translator(to.language)
    if task.status == DONE:
        raise Gone("the welcome call was made")
    label = _("Take it over") if task.taken_by is not None else _("Take it")
    # The days as they are when it goes out: after downtime the job runs (and this is sent) later than day 10.
    days, ngettext = ((render_now() or row.due_at) - task.joined_at).days, ngettext_for(to.language)
    return Message(ngettext(
        "The welcome call to {name} is still not done after {days} day (taken by: {who}). See /velkomst.",
        "The welcome call to {name} is still not done after {days} days (taken by: {who}). See /velkomst.",
        days).format(name=name, days=days, who=(taker.name if taker else None) or _("nobody")),
                   [[box.Button(label, data=data.take_welcome_call(task.id))]])


def is_late(task: WelcomeTask, now: datetime) -> bool:
    return now > task.due_at
