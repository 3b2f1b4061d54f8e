"""The board assigns, replaces and removes a round's team leaders after it is created: a picker of the
people with the leader role by name, a name search for anyone else (who is then offered the role), and
a notice to the new leader and the one replaced (bot/round_messages.leader_changed)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot import leader_seat
from bot import round_messages as msgs
from bot.callbacks import Id, Number, callback
from bot.i18n import N_
from handlers.common import (
    Context,
    answer_alert,
    cancel_conversation,
    inline,
    page_buttons,
    page_of,
    pressed,
    reply,
    requires_role,
)
from handlers.flows import Flow
from handlers.presses import Press
from models import membership
from models import round_leaders as leaders
from models import rounds as rd
from models.errors import NotFound

PEOPLE_PER_PAGE = 6
SEARCHING = 0
SEARCH_KEY = "leader_search"
REFUSED = {
    leaders.LeadsElsewhere: N_("{name} already leads a team at that time (“{round}”). Choose someone else."),
    leaders.RoundNotOpen: N_("“{title}” is over, so its team leaders can no longer be changed. Nothing was changed."),
    NotFound: N_("That person or round does not exist (any more)."),
}
CANCELLED = N_("“{title}” was cancelled, so its team leaders can no longer be changed. Nothing was changed.")


@callback("rdl.show")
class RoundLeaders:
    round_id: Id


@callback("rdl.pick")
class ChooseLeader:
    """A page of people who may lead, for one team."""

    team_id: Id
    page: Number


@callback("rdl.set")
class SetLeader:
    team_id: Id
    member_id: Id


@callback("rdl.grant")
class GrantAndLead:
    """Grant the leader role to someone without it, and make them the team's leader."""

    team_id: Id
    member_id: Id


@callback("rdl.none")
class RemoveLeader:
    team_id: Id


@callback("rdl.find")
class FindLeader:
    team_id: Id


async def leaders_text(update: Update, context: Context, round_id: int) -> None:
    """The round's teams with their leaders, and a button per team to change or remove its leader."""
    _ = context._
    try:
        async with context.runtime.db.session() as session:
            round_ = await rd.get_round(session, round_id)
            people = await membership.members_by_ids(session, [t.leader_id for t in round_.teams if t.leader_id])
    except NotFound:
        await reply(update, _("That round does not exist (any more)."))
        return
    lines, rows = [_("Leaders of “{title}”:").format(title=round_.title)], []
    for number, team in enumerate(sorted(round_.teams, key=lambda t: t.id), start=1):
        leader = people.get(team.leader_id or 0)
        name = leader.name if leader is not None and leader.name else _("not decided yet")
        lines.append(_("Team {number} ({seats} seats): {name}").format(number=number, seats=team.capacity, name=name))
        row = [(_("Team {number}: choose leader").format(number=number), ChooseLeader(team.id, 0).pack())]
        if leader is not None:
            row.append((_("Team {number}: no leader").format(number=number), RemoveLeader(team.id).pack()))
        rows.append(row)
    await reply(update, "\n".join(lines), reply_markup=inline(rows))


async def still_open(update: Update, context: Context, *, round_id: int | None = None, team_id: int | None = None) -> bool:
    """Whether the round's leaders may still be changed; if not (an old button of a round that is over
    or cancelled, or gone), the press is refused at once with the reason and nothing else happens."""
    try:
        async with context.runtime.db.read() as session:
            await leaders.open_round(session, now=context.runtime.now(), round_id=round_id, team_id=team_id)
    except (leaders.RoundNotOpen, NotFound) as error:
        await answer_alert(update, refusal(context, error))
        return False
    return True


@requires_role("board")
async def show(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    round_id = pressed(update, RoundLeaders).round_id
    if not await still_open(update, context, round_id=round_id):
        return
    await update.callback_query.answer()
    await leaders_text(update, context, round_id)


@requires_role("board")
async def choose(update: Update, context: Context) -> None:
    """People with the leader role (and the board), by name, a page at a time; or search for anyone."""
    press, _ = pressed(update, ChooseLeader), context._
    assert update.callback_query is not None
    if not await still_open(update, context, team_id=press.team_id):
        return
    await update.callback_query.answer()
    async with context.runtime.db.session() as session:
        people = await leaders.candidates(session, team_id=press.team_id)
    shown, page, pages = page_of(people, press.page, PEOPLE_PER_PAGE)
    rows = [[(person.name or "?", SetLeader(press.team_id, person.id).pack())] for person in shown]
    if more := page_buttons(_, page, pages, lambda n: ChooseLeader(press.team_id, n).pack()):
        rows.append(more)
    rows.append([(_("🔎 Someone else (search by name)"), FindLeader(press.team_id).pack())])
    text = _("Who should lead the team?") if people else _("Nobody has the leader role yet. Search for the person by name.")
    await reply(update, text, reply_markup=inline(rows))


@requires_role("board")
async def set_leader(update: Update, context: Context) -> None:
    """Assign (or with GrantAndLead: grant the role and assign), or remove with RemoveLeader."""
    query = update.callback_query
    assert query is not None
    _ = context._
    if RemoveLeader.matches(query.data):
        team_id, member_id, grant = RemoveLeader.parse(query.data).team_id, None, False
    else:
        press = SetLeader.parse(query.data) if SetLeader.matches(query.data) else GrantAndLead.parse(query.data)
        team_id, member_id, grant = press.team_id, press.member_id, isinstance(press, GrantAndLead)
    now = context.runtime.now()
    try:
        async with context.runtime.db.session() as session:
            # The board role is read again in the transaction of the change (a revoked role counts at once).
            actor = await membership.member_by_telegram(session, context.known.telegram_id)
            if not membership.has_role(actor, "board", context.runtime.settings.lagbot_admins):
                await query.answer(_("Only the board can change a round's leaders."), show_alert=True)
                return
            change = await leaders.set_leader(session, team_id, member_id, now=now, grant=grant)
            await msgs.leader_changed(session, change, now)
            await leader_seat.place_given_up(session, change, now)
    except leaders.NeedsRole:
        await ask_to_grant(update, context, team_id, member_id or 0)
        return
    except (leaders.LeadsElsewhere, leaders.RoundNotOpen, NotFound) as error:
        await query.answer(refusal(context, error), show_alert=True)
        return
    await query.answer()
    if change.leader is None:
        done = _("Team {number} has no leader now.").format(number=change.team_number)
    else:
        done = _("{name} now leads team {number}.").format(name=change.leader.name or "?", number=change.team_number)
        if change.granted:
            done += " " + _("They have the leader role now.")
        if change.gave_up == rd.CONFIRMED:
            done += " " + (_("Their seat on the round went to {name} from the waiting list.").format(name=change.promoted.name or "?")
                           if change.promoted is not None else _("Their seat on the round is free again: a team's leader takes none."))
        elif change.gave_up is not None:
            done += " " + _("Their place on the round's waiting list is given up: a team's leader takes no seat.")
    await reply(update, done)
    await leaders_text(update, context, change.round.id)


def refusal(context: Context, error: Exception) -> str:
    msgid = next(text for kind, text in REFUSED.items() if isinstance(error, kind))
    if isinstance(error, leaders.LeadsElsewhere):
        name, other = error.args
        return context._(msgid).format(name=name, round=other)
    if isinstance(error, leaders.RoundNotOpen):
        return context._(CANCELLED if error.cancelled else msgid).format(title=error.title)
    return context._(msgid)


async def ask_to_grant(update: Update, context: Context, team_id: int, member_id: int) -> None:
    query = update.callback_query
    assert query is not None
    async with context.runtime.db.session() as session:
        person = await membership.member_or_none(session, member_id)
    await query.answer()
    name = (person.name if person else None) or "?"
    await reply(update, context._("{name} does not have the leader role. Give them the role and make them the team's leader?").format(
        name=name), reply_markup=inline([[(context._("Yes, give the role"), GrantAndLead(team_id, member_id).pack())]]))


@requires_role("board")
async def ask_name(update: Update, context: Context) -> int | None:
    assert update.callback_query is not None and context.user_data is not None
    team_id = pressed(update, FindLeader).team_id
    if not await still_open(update, context, team_id=team_id):
        return Flow.END
    await update.callback_query.answer()
    context.user_data[SEARCH_KEY] = {"team": team_id}
    await reply(update, context._("Write part of the person's name or their member number (or /avbryt)."))
    return SEARCHING


async def found(update: Update, context: Context) -> int:
    assert update.message is not None and update.message.text is not None and context.user_data is not None
    team_id = context.user_data.pop(SEARCH_KEY, {}).get("team", 0)
    if not await still_open(update, context, team_id=team_id):  # it ended while the name was being typed
        return Flow.END
    async with context.runtime.db.session() as session:
        people = [p for p in await membership.search_members(session, update.message.text[:100]) if p.is_onboarded]
    if not people:
        await reply(update, context._("Nobody on lagbot matches that. Only people who have started lagbot can lead a team."))
        return Flow.END
    await reply(update, context._("Who should lead the team?"),
                reply_markup=inline([[(person.name or "?", SetLeader(team_id, person.id).pack())] for person in people]))
    return Flow.END


cancel = cancel_conversation(N_("Cancelled. Nothing was changed."), SEARCH_KEY)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(Press(show, pattern=RoundLeaders.filter()))
    application.add_handler(Press(choose, pattern=ChooseLeader.filter()))
    for family in (SetLeader, GrantAndLead, RemoveLeader):
        application.add_handler(Press(set_leader, pattern=family.filter()))
    application.add_handler(Flow(
        application, "leader_search", title=N_("choosing a team leader"), role="board", drafts=(SEARCH_KEY,),
        entry_points=[Press(ask_name, pattern=FindLeader.filter())],
        states={SEARCHING: [MessageHandler(filters.TEXT & ~filters.COMMAND, found)]},
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel)],
    ))
