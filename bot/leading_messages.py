"""A team leader named by the board before they were on lagbot (by phone number) is told, once they
link their membership, which rounds they lead and what a leader does in the bot."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import activity_messages as am
from bot.i18n import translator
from bot.render import Gone, Message, renderer
from bot.render import now as render_now
from models import outbox as box
from models import rounds as rd
from models.member import Member


async def tell_if_leading(session: AsyncSession, member: Member, now: datetime) -> bool:
    """Schedule the notice when the member leads a team of a round to come (once for their account);
    whether they do."""
    if not await rd.rounds_led(session, member.id, now):
        return False
    await box.schedule(session, dedupe_key=f"notice:leading:member:{member.id}:telegram:{member.telegram_id}", kind="notice",
                       member_id=member.id, due_at=now, topic="round.leading_on_link")
    return True


def leader_commands(lang: str, *, creates: bool) -> list[str]:
    """What a team leader does in lagbot (and, with `creates`, a holder of the leader role)."""
    _ = translator(lang)
    english = lang == "en"
    lines = [_("{command} — your team on the day: the list, and check-in from two hours before").format(
        command="/doorknock team" if english else "/dorbank lag")]
    if creates:
        lines.append(_("{command} — create a door-knocking round that you lead").format(
            command="/newround" if english else "/nyrunde"))
    lines.append(_("After the round you get a button to file the round's report (doors, conversations, themes)."))
    return lines


@renderer("round.leading_on_link")
async def _leading(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    led = await rd.rounds_led(session, to.id, render_now() or row.due_at)
    if not led:
        raise Gone("leads no round to come any more")
    _ = translator(to.language)
    lines = [_("Welcome! The board has made you a team leader:")]
    lines += ["• " + _("team {number} on “{title}”, {when}. Meeting point: {place}").format(
        number=number, title=round_.title, when=am.when(round_, to.language), place=round_.meeting_point) for round_, number in led]
    lines += ["", _("As a team leader:"), *leader_commands(to.language, creates=False)]
    return Message("\n".join(lines))
