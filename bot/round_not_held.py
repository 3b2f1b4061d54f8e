"""A round recorded as not held by its own leader (or the board): the other teams' leaders are told,
since their team's report, if they filed one, is gone with it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import activity_messages as am
from bot import round_messages as msgs
from bot.i18n import translator
from models import rounds as rd
from models.member import Member


async def recorded(session: AsyncSession, round_: rd.Round, by: Member, now: datetime) -> None:
    await msgs.cancel_report_nudges(session, round_)
    for leader in await rd.current_leaders(session, round_):
        if leader.id == by.id:
            continue
        _ = translator(leader.language)
        text = _("{name} has recorded that “{title}”, {when}, did not take place, so it counts nowhere and any report "
                 "of your team's is removed. If your team did go out, file its report again under /dorbank lag: "
                 "that records the round as held.").format(name=by.name or "?", title=round_.title,
                                                           when=msgs.when(round_, leader.language))
        await msgs.notify(session, leader, f"notice:round:{round_.id}:leader:{leader.id}:not_held:{am.stamp(now)}", text, now)
