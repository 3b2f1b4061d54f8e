"""/nyrunde: the board, and leaders for rounds they lead themselves, create a door-knocking round."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot import round_messages as msgs
from bot.activity_buttons import CreateDraft, DraftDistrict, DraftLeader, DraftTeams, NewRound, SkipStep, StopFlow
from bot.callbacks import Id, callback
from bot.i18n import N_, ngettext_for, translator
from handlers.choice import show_choice
from handlers.common import DISTRICT_LABELS, Context, buttons_expected, cancel_conversation, inline, reply, requires_role
from handlers.doorknock_team import admin_keyboard, round_link
from handlers.flows import Flow
from handlers.presses import Press
from handlers.questions import place_step, role_gone, skip_button, skippable, title_step, too_long, when_steps
from models import membership
from models import round_leaders as leaders
from models import rounds as rd
from models.constants import DISTRICTS, MAX_CAPACITY
from models.errors import InvalidPhone, MemberNotFound

TITLE, DISTRICT, START, END, PLACE, CAPACITY, LEADER, MORE_TEAMS, PARTNER, BRIEFING, CONFIRM = range(11)
DRAFT = "round_draft"
TITLE_OF_FLOW = N_("creating a round")

LEADERS_SHOWN = 8


@callback("rdc.lead")
class DraftLeaderPick:
    """A person with the leader role, by name, as a new round's team leader."""

    member_id: Id


def draft(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data.setdefault(DRAFT, {})


def summary(data: dict[str, Any], lang: str, leaders: dict[int, str]) -> str:
    _ = translator(lang)
    ngettext = ngettext_for(lang)
    fake = rd.Round(title=data["title"], district=data["district"], starts_at=datetime.fromisoformat(data["start"]),
                    ends_at=datetime.fromisoformat(data["end"]), meeting_point=data["place"], capacity=data["capacity"])
    teams = data.get("leaders") or [None]
    names = ", ".join(leaders.get(t, "?") if t else _("no leader yet") for t in teams)
    lines = [
        _("New door-knocking round:"),
        f"🚪 {data['title']}",
        f"🗓 {msgs.when(fake, lang)}",
        f"🏘 {_(DISTRICT_LABELS[data['district']])}",
        f"📍 {data['place']}" + (" (📌)" if data.get("lat") is not None else ""),
        "🪑 " + ngettext("{count} seat", "{count} seats", data["capacity"]).format(count=data["capacity"]),
        "👥 " + ngettext("{count} team: {leaders}", "{count} teams: {leaders}", len(teams)).format(count=len(teams), leaders=names),
    ]
    if data.get("partner"):
        lines.append("🤝 " + data["partner"])
    if data.get("briefing"):
        lines.append("📣 " + _("Briefing: {text}").format(text=data["briefing"][:200]))
    return "\n".join(lines)


@requires_role("leader")
async def new_round(update: Update, context: Context) -> int | None:
    """Start creating a round (board, and leaders for rounds they lead themselves)."""
    assert context.user_data is not None
    context.user_data[DRAFT] = {}
    if update.callback_query is not None:
        await update.callback_query.answer()
    await reply(update, context._("New door-knocking round. What should it be called? (for example “Door-knocking on Lade”) — /avbryt to stop"))
    return TITLE


async def got_title(update: Update, context: Context) -> int:
    if not await title_step(update, context, draft(context)):
        return TITLE
    _ = context._
    buttons = [(_(DISTRICT_LABELS[d]), DraftDistrict(district=d).pack()) for d in DISTRICTS]
    await reply(update, _("Which district?"), reply_markup=inline([buttons[0:2], buttons[2:4], buttons[4:]]))
    return DISTRICT


async def got_district(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    _ = context._
    district = DraftDistrict.parse(query.data).district
    if district not in DISTRICTS:
        await query.answer(_("Please use the buttons above, or /avbryt to cancel."), show_alert=True)
        return DISTRICT
    draft(context)["district"] = district
    await query.answer()
    await query.edit_message_text(_("District: {district}").format(district=_(DISTRICT_LABELS[district])))
    await reply(update, _("When does it start? Write date and time, for example 17.04 12:00."))
    return START


got_start, got_end = when_steps(DRAFT, START, END, PLACE, N_("Where do you meet? Write the meeting point, or send a location pin (📎 → Location)."))


async def got_place(update: Update, context: Context) -> int:
    if not await place_step(update, context, draft(context),
                            pin_saved=N_("Pin saved. Now describe the meeting point in words (for example “outside Lade church”)."),
                            too_short=N_("Write the meeting point in 2 to 300 characters.")):
        return PLACE
    await reply(update, context._("How many can join (seats in all)?"))
    return CAPACITY


async def got_capacity(update: Update, context: Context) -> int:
    text = (update.message.text or "").strip()  # type: ignore[union-attr]
    if not text.isdigit() or not 1 <= int(text) <= MAX_CAPACITY:
        await reply(update, context._("Write a number from 1 to {limit}.").format(limit=MAX_CAPACITY))
        return CAPACITY
    data = draft(context)
    data["capacity"] = int(text)
    data["leaders"] = []
    return await ask_leader(update, context)


async def ask_leader(update: Update, context: Context) -> int:
    """The people with the leader role by name (not those already leading a team of this round),
    "I do", "Nobody yet", or a phone number typed."""
    _, data = context._, draft(context)
    number = len(data["leaders"]) + 1
    async with context.runtime.db.session() as session:
        people = [p for p in await leaders.candidates(session) if p.id not in data["leaders"] and p.id != context.known.id]
    rows = [[(person.name or "?", DraftLeaderPick(member_id=person.id).pack())] for person in people[:LEADERS_SHOWN]]
    rows.append([(_("I do"), DraftLeader(choice="me").pack()), (_("Nobody yet"), DraftLeader(choice="none").pack())])
    await reply(update, _("Who leads team {number}? Send the leader's phone number, or tap a button.").format(number=number),
                reply_markup=inline(rows))
    return LEADER


async def got_leader(update: Update, context: Context) -> int:
    member, runtime, _ = context.known, context.runtime, context._
    data = draft(context)
    query = update.callback_query
    if query is not None:
        await query.answer()
        if DraftLeaderPick.matches(query.data):
            leader_id = DraftLeaderPick.parse(query.data).member_id
        else:
            leader_id = member.id if DraftLeader.parse(query.data).choice == "me" else None
    else:
        try:
            async with runtime.db.session() as session:
                leader = await membership.find_member(session, phone=update.message.text or "")  # type: ignore[union-attr]
            leader_id = leader.id
        except (MemberNotFound, InvalidPhone):
            await reply(update, _("No member has that number. Check it, or tap “Nobody yet”."))
            return LEADER
        found = leader.name or "?"  # a number typed: say whose it is before going on
    is_board = membership.has_role(member, "board", runtime.settings.lagbot_admins)
    if not is_board and not data["leaders"] and leader_id != member.id:
        await reply(update, _("As a leader you can create rounds that you lead yourself. Tap “I do”."))
        return LEADER
    if leader_id is not None and leader_id in data["leaders"]:
        await reply(update, _("That person already leads a team of this round. Choose someone else, or tap “Nobody yet”."))
        return LEADER
    data["leaders"].append(leader_id)
    if query is not None:
        await show_choice(update)
    echo = "👤 " + msgs.leader_line([found], context.lang) + "\n" if query is None else ""
    await reply(update, echo + _("Another team with its own leader? The seats are shared evenly between the teams."),
                reply_markup=inline([[(_("➕ Another team"), DraftTeams(choice="more").pack()), (_("Continue"), DraftTeams(choice="done").pack())]]))
    return MORE_TEAMS


async def more_teams(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await show_choice(update)
    data = draft(context)
    if DraftTeams.parse(query.data).choice == "more" and len(data["leaders"]) < min(10, data["capacity"]):
        return await ask_leader(update, context)
    _ = context._
    await reply(update, _("Together with a partner organisation? Write its name, or skip."), reply_markup=skip_button(context))
    return PARTNER


async def got_partner(update: Update, context: Context) -> int:
    partner = await skippable(update)
    if partner:
        draft(context)["partner"] = partner[:200]
    await reply(update, context._("A briefing for the team (talking points, candidates)? It is sent to them on the morning of the "
                                  "round. Write it, or skip."), reply_markup=skip_button(context))
    return BRIEFING


async def got_briefing(update: Update, context: Context) -> int:
    _ = context._
    data = draft(context)
    text = await skippable(update)
    if text is not None:
        if await too_long(update, context, text, 3000):
            return BRIEFING
        data["briefing"] = text
    names = await leader_names(context, data.get("leaders") or [])
    await reply(update, summary(data, context.lang, names),
                reply_markup=inline([[(_("✅ Create"), CreateDraft().pack()), (_("Cancel"), StopFlow().pack())]]))
    return CONFIRM


async def leader_names(context: Context, ids: list[int | None]) -> dict[int, str]:
    names: dict[int, str] = {}
    async with context.runtime.db.session() as session:
        for member_id in ids:
            if member_id is not None:
                try:
                    names[member_id] = (await membership.member_by_id(session, member_id)).name or "?"
                except MemberNotFound:
                    continue
    return names


def split_seats(capacity: int, teams: int) -> list[int]:
    base, extra = divmod(capacity, teams)
    return [base + (1 if n < extra else 0) for n in range(teams)]


async def create(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and context.user_data is not None
    member, runtime, _ = context.known, context.runtime, context._
    data = context.user_data.pop(DRAFT, {})
    leaders = data.get("leaders") or [None]
    seats = split_seats(data["capacity"], len(leaders))
    await query.answer()
    await query.edit_message_reply_markup(None)
    try:
        async with runtime.db.session() as session:
            if await role_gone(update, context, session, "leader", TITLE_OF_FLOW):
                return Flow.END
            round_ = await rd.create_round(
                session, title=data["title"], district=data["district"], starts_at=datetime.fromisoformat(data["start"]),
                ends_at=datetime.fromisoformat(data["end"]), meeting_point=data["place"], capacity=data["capacity"],
                now=runtime.now(), teams=list(zip(leaders, seats, strict=True)), latitude=data.get("lat"),
                longitude=data.get("lon"), partner=data.get("partner"), briefing=data.get("briefing"), created_by=member.id)
            await msgs.leaders_named(session, round_, runtime.now(), creator_id=member.id)
    except rd.InPast:
        await reply(update, _("The start time has passed in the meantime. Start again with /nyrunde."))
        return Flow.END
    names = await leader_names(context, leaders)
    head = f"🚪 {round_.title}\n👤 " + msgs.leader_line([names.get(t, "?") for t in leaders if t is not None], context.lang)
    await reply(update, _("The round is created. Members can join under /dorbank, or with this link:\n{link}").format(
        link=round_link(context, round_.id)) + "\n" + head, reply_markup=admin_keyboard(round_.id, member.language))
    return Flow.END


cancel_draft = cancel_conversation(N_("Cancelled. Nothing was changed."), DRAFT)


def register(application: Application) -> None:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(Flow(
        application, "round_create", title=TITLE_OF_FLOW, role="leader", drafts=(DRAFT,),
        entry_points=[CommandHandler(["nyrunde", "newround"], new_round, filters.ChatType.PRIVATE),
                      Press(new_round, pattern=NewRound.filter())],
        states={
            TITLE: [MessageHandler(text, got_title)],
            DISTRICT: [Press(got_district, pattern=DraftDistrict.filter()), MessageHandler(text, buttons_expected)],
            START: [MessageHandler(text, got_start)],
            END: [MessageHandler(text, got_end)],
            PLACE: [MessageHandler(filters.LOCATION | text, got_place)],
            CAPACITY: [MessageHandler(text, got_capacity)],
            LEADER: [Press(got_leader, pattern=DraftLeader.filter()), Press(got_leader, pattern=DraftLeaderPick.filter()),
                     MessageHandler(text, got_leader)],
            MORE_TEAMS: [Press(more_teams, pattern=DraftTeams.filter()), MessageHandler(text, buttons_expected)],
            PARTNER: [Press(got_partner, pattern=SkipStep.filter()), MessageHandler(text, got_partner)],
            BRIEFING: [Press(got_briefing, pattern=SkipStep.filter()), MessageHandler(text, got_briefing)],
            CONFIRM: [Press(create, pattern=CreateDraft.filter()), MessageHandler(text, buttons_expected)],
        },
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel_draft), Press(cancel_draft, pattern=StopFlow.filter())],
    ))
