"""A member made a team's leader gives up their own place on the round (models.round_leaders): their
participant reminders go, the one moved up into the freed seat is told, and the new leader hears why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import activity_messages as am
from bot import round_messages as msgs
from bot.i18n import translator
from models import rounds as rd
from models.round_leaders import LeaderChange


async def place_given_up(session: AsyncSession, change: LeaderChange, now: datetime) -> None:
    round_, leader = change.round, change.leader
    if change.gave_up is None or leader is None:
        return
    await msgs.cancel_for_member(session, round_, leader.id)
    if change.promoted is not None:
        view = await rd.view(session, round_)
        await msgs.promoted(session, round_, change.promoted, view.leaders, now)
    _ = translator(leader.language)
    if change.gave_up == rd.CONFIRMED:
        text = _("You lead team {number} on “{title}” now, so your own seat on it is given up: a team's leader takes none.")
    else:
        text = _("You lead team {number} on “{title}” now, so your place on its waiting list is given up: "
                 "a team's leader takes no seat.")
    await msgs.notify(session, leader, f"notice:round:{round_.id}:member:{leader.id}:leads:{am.stamp(now)}",
                      text.format(number=change.team_number, title=round_.title), now)
