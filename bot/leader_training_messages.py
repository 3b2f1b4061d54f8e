"""What the outbox carries about leader training: the board told of a candidate and of a yes, and
the member's own offer with its yes button (recorded in models/leader_training.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox_buttons as data
from bot.i18n import ngettext_for, translator
from bot.render import Gone, Message, renderer
from models import leader_training as training
from models import outbox as box
from models.member import Member


async def leader_candidate(session: AsyncSession, candidate: Member, board: list[Member], rounds: int, now: datetime) -> None:
    for person in (p for p in board if p.id != candidate.id):  # a board member who is the candidate gets the offer alone
        await box.schedule(session, dedupe_key=f"leader-candidate:member:{candidate.id}:board:{person.id}", kind="task",
                           member_id=person.id, due_at=now, topic="round.leader_candidate", about_member_id=candidate.id,
                           params={"count": rounds})


async def leader_accepted(session: AsyncSession, candidate: Member, board: list[Member], now: datetime) -> None:
    for person in board:
        await box.schedule(session, dedupe_key=f"leader-accepted:member:{candidate.id}:board:{person.id}", kind="task",
                           member_id=person.id, due_at=now, topic="round.leader_accepted", about_member_id=candidate.id)


async def leader_offer(session: AsyncSession, candidate: Member, rounds: int, now: datetime) -> bool:
    """Offer the member leader training (recorded as "offered", models/leader_training.py) with a yes button;
    False when they were offered it before."""
    if not await training.offer(session, candidate.id, rounds, now):
        return False
    await box.schedule(session, dedupe_key=f"leader-offer:member:{candidate.id}", kind="notice", member_id=candidate.id,
                       due_at=now, topic="round.leader_offer", params={"count": rounds})
    return True


async def made_leader(session: AsyncSession, member: Member, now: datetime) -> None:
    await box.schedule(session, dedupe_key=f"leader-made:member:{member.id}", kind="notice", member_id=member.id,
                       due_at=now, topic="round.leader_made")


@renderer("round.leader_made")
async def _leader_made(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    _ = translator(to.language)
    return Message(_("You are a door-knocking leader now! The board will get in touch about leader training, and can "
                     "give you a team to lead; /dorbank lag then shows your team."))


@renderer("round.leader_candidate")
async def _leader_candidate(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    candidate = await session.get(Member, row.about_member_id or 0)
    ngettext = ngettext_for(to.language)
    count = int(box.params_of(row).get("count", 0))
    return Message(ngettext("{name} has now taken part in {count} door-knocking round and could be offered "
                            "leader training. See /dorbank ledere.",
                            "{name} has now taken part in {count} door-knocking rounds and could be offered "
                            "leader training. See /dorbank ledere.", count).format(
        name=(candidate.name if candidate else None) or "?", count=count))


@renderer("round.leader_offer")
async def _leader_offer(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    record = await training.of_member(session, to.id)
    if record is None or record.accepted_at is not None:
        raise Gone("no open offer of leader training")
    _, ngettext = translator(to.language), ngettext_for(to.language)
    count = int(box.params_of(row).get("count", 0))
    return Message(ngettext("Thank you for taking part in {count} door-knocking round! Would you like leader training, "
                            "so that you can lead a team yourself? More teams can then go out at once.",
                            "Thank you for taking part in {count} door-knocking rounds! Would you like leader training, "
                            "so that you can lead a team yourself? More teams can then go out at once.", count).format(count=count),
                   [[box.Button(_("Yes, I'd like leader training"), data=data.accept_leader_training())]])


@renderer("round.leader_accepted")
async def _leader_accepted(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    candidate = await session.get(Member, row.about_member_id or 0)
    _ = translator(to.language)
    return Message(_("{name} said yes to leader training. Get in touch to plan it; see /dorbank ledere.").format(
        name=(candidate.name if candidate else None) or "?"))
