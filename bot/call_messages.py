"""Outbox messages for phone rounds: call-back reminders, invitations, notices of expired holds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import fmt_datetime, translator
from models import outbox as box
from models.member import Member


async def call_back_reminder(session: AsyncSession, caller: Member, target_id: int, campaign_id: int, name: str,
                             at: datetime) -> None:
    _ = translator(caller.language)
    await box.schedule(session, dedupe_key=f"call:{campaign_id}:target:{target_id}:callback:{int(at.timestamp())}",
                       kind="task", member_id=caller.id, due_at=at,
                       text=_("Time to call {name} back, as agreed.").format(name=name),
                       buttons=[[box.Button(_("📞 Next call"), data=f"pb:next:{campaign_id}")]])


async def caller_invitation(session: AsyncSession, member: Member, now: datetime) -> None:
    _ = translator(member.language)
    await box.schedule(session, dedupe_key=f"call:invite-caller:member:{member.id}", kind="notice", member_id=member.id,
                       due_at=now, text=_("Thank you for offering to phone other members! Open /ringerunde when you have "
                                          "a quarter of an hour — the bot gives you one person at a time, with a script."))


async def signed_up_by_phone(session: AsyncSession, member: Member, title: str, when: str, now: datetime, round_id: int) -> None:
    _ = translator(member.language)
    await box.schedule(session, dedupe_key=f"call:signed-up:round:{round_id}:member:{member.id}", kind="notice",
                       member_id=member.id, due_at=now,
                       text=_("As agreed on the phone, you are signed up for “{title}”, {when}. See /mine.").format(title=title, when=when))


async def hold_expired(session: AsyncSession, caller: Member, target_id: int, name: str, now: datetime) -> None:
    _ = translator(caller.language)
    await box.schedule(session, dedupe_key=f"call:target:{target_id}:expired:{int(now.timestamp())}", kind="notice",
                       member_id=caller.id, due_at=now,
                       text=_("The call to {name} went back to the queue after 30 minutes without an outcome.").format(name=name))


def when_text(moment: datetime, language: str) -> str:
    return fmt_datetime(moment, language)
