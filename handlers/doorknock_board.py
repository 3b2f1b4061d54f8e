"""Door-knocking for leaders and the board: create, move and cancel rounds, QR codes, reports, export."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import round_messages as msgs
from bot.i18n import N_, OSLO, translator
from bot.runtime import runtime_of
from handlers.common import (
    DISTRICT_LABELS,
    Context,
    buttons_expected,
    cancel_conversation,
    current_member,
    inline,
    member_and_translator,
    reply,
    requires_role,
)
from handlers.questions import read_end, read_place, read_start
from models import membership
from models import rounds as rd
from models.errors import InvalidPhone, MemberNotFound, NotFound
from models.member import DISTRICTS, Member

TITLE, DISTRICT, START, END, PLACE, CAPACITY, LEADER, MORE_TEAMS, PARTNER, BRIEFING, CONFIRM = range(11)
MOVE_START, MOVE_END = range(11, 13)
EDIT_FIELD, EDIT_VALUE = range(17, 19)
R_DOORS, R_CONVERSATIONS, R_THEMES, R_TEXT = range(13, 17)
DRAFT = "round_draft"
REPORT = "round_report"


def draft(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data.setdefault(DRAFT, {})


def summary(data: dict[str, Any], lang: str, leaders: dict[int, str]) -> str:
    _ = translator(lang)
    start = datetime.fromisoformat(data["start"])
    end = datetime.fromisoformat(data["end"])
    fake = rd.Round(title=data["title"], district=data["district"], starts_at=start, ends_at=end,
                    meeting_point=data["place"], capacity=data["capacity"])
    teams = data.get("leaders") or [None]
    names = ", ".join(leaders.get(t, "?") if t else _("no leader yet") for t in teams)
    lines = [
        _("New door-knocking round:"),
        f"🚪 {data['title']}",
        f"🗓 {msgs.when(fake, lang)}",
        f"🏘 {_(DISTRICT_LABELS[data['district']])}",
        f"📍 {data['place']}" + (" (📌)" if data.get("lat") is not None else ""),
        "🪑 " + _("{count} seats").format(count=data["capacity"]),
        "👥 " + _("{count} team(s): {leaders}").format(count=len(teams), leaders=names),
    ]
    if data.get("partner"):
        lines.append("🤝 " + data["partner"])
    if data.get("briefing"):
        lines.append("📣 " + _("Briefing: {text}").format(text=data["briefing"][:200]))
    return "\n".join(lines)


@requires_role("leader")
async def new_round(update: Update, context: Context) -> int | None:
    """Start creating a round (board, and leaders for rounds they lead themselves)."""
    member, _ = await member_and_translator(update, context)
    assert context.user_data is not None
    context.user_data[DRAFT] = {}
    if update.callback_query is not None:
        await update.callback_query.answer()
    await reply(update, _("New door-knocking round. What should it be called? (for example “Dørbank on Lade”) — /avbryt to stop"))
    return TITLE


async def got_title(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    title = (update.message.text or "").strip()  # type: ignore[union-attr]
    if not 3 <= len(title) <= 200:
        await reply(update, _("The title must be between 3 and 200 characters. Try again."))
        return TITLE
    draft(context)["title"] = title
    buttons = [(_(DISTRICT_LABELS[d]), f"rdc:district:{d}") for d in DISTRICTS]
    await reply(update, _("Which district?"), reply_markup=inline([buttons[0:2], buttons[2:4], buttons[4:]]))
    return DISTRICT


async def got_district(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    member, _ = await member_and_translator(update, context)
    district = query.data.rsplit(":", 1)[1]
    draft(context)["district"] = district
    await query.answer()
    await query.edit_message_text(_("District: {district}").format(district=_(DISTRICT_LABELS[district])))
    await reply(update, _("When does it start? Write date and time, for example 17.04 12:00."))
    return START


async def got_start(update: Update, context: Context) -> int:
    start = await read_start(update, context)
    if start is None:
        return START
    draft(context)["start"] = start.isoformat()
    return END


async def got_end(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    data = draft(context)
    end = await read_end(update, context, datetime.fromisoformat(data["start"]))
    if end is None:
        return END
    data["end"] = end.isoformat()
    await reply(update, _("Where do you meet? Write the meeting point, or send a location pin (📎 → Location)."))
    return PLACE


async def got_place(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    data = draft(context)
    place = await read_place(update, context, data,
                             pin_saved=N_("Pin saved. Now describe the meeting point in words (for example “outside Lade church”)."),
                             too_short=N_("Write the meeting point in 2 to 300 characters."))
    if place is None:
        return PLACE
    data["place"] = place
    await reply(update, _("How many can join (seats in all)?"))
    return CAPACITY


async def got_capacity(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    text = (update.message.text or "").strip()  # type: ignore[union-attr]
    if not text.isdigit() or not 1 <= int(text) <= 500:
        await reply(update, _("Write a number from 1 to 500."))
        return CAPACITY
    data = draft(context)
    data["capacity"] = int(text)
    data["leaders"] = []
    return await ask_leader(update, context, member)


async def ask_leader(update: Update, context: Context, member: Member) -> int:
    _ = translator(member.language)
    number = len(draft(context)["leaders"]) + 1
    await reply(update, _("Who leads team {number}? Send the leader's phone number, or tap a button.").format(number=number),
                reply_markup=inline([[(_("I do"), "rdc:leader:me"), (_("Nobody yet"), "rdc:leader:none")]]))
    return LEADER


async def got_leader(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    data = draft(context)
    runtime = runtime_of(context)
    is_board = membership.has_role(member, "board", runtime.settings.lagbot_admins)
    query = update.callback_query
    if query is not None:
        await query.answer()
        choice = (query.data or "").rsplit(":", 1)[1]
        leader_id = member.id if choice == "me" else None
    else:
        try:
            async with runtime.db.session() as session:
                leader = await membership.find_member(session, phone=update.message.text or "")  # type: ignore[union-attr]
            leader_id = leader.id
        except (MemberNotFound, InvalidPhone):
            await reply(update, _("No member has that number. Check it, or tap “Nobody yet”."))
            return LEADER
    if not is_board and not data["leaders"] and leader_id != member.id:
        await reply(update, _("As a leader you can create rounds that you lead yourself. Tap “I do”."))
        return LEADER
    data["leaders"].append(leader_id)
    await reply(update, _("Another team with its own leader? The seats are shared evenly between the teams."),
                reply_markup=inline([[(_("➕ Another team"), "rdc:team:more"), (_("Continue"), "rdc:team:done")]]))
    return MORE_TEAMS


async def more_teams(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    member, _ = await member_and_translator(update, context)
    await query.answer()
    await query.edit_message_reply_markup(None)
    data = draft(context)
    if query.data == "rdc:team:more" and len(data["leaders"]) < min(10, data["capacity"]):
        return await ask_leader(update, context, member)
    await reply(update, _("Together with a partner organisation? Write its name, or skip."),
                reply_markup=inline([[(_("Skip"), "rdc:skip")]]))
    return PARTNER


async def got_partner(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
    else:
        draft(context)["partner"] = (update.message.text or "").strip()[:200]  # type: ignore[union-attr]
    await reply(update, _("A briefing for the team (talking points, candidates)? It is sent to them on the morning of the round. Write it, or skip."),
                reply_markup=inline([[(_("Skip"), "rdc:skip")]]))
    return BRIEFING


async def got_briefing(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    data = draft(context)
    if update.callback_query is not None:
        await update.callback_query.answer()
    else:
        text = (update.message.text or "").strip()  # type: ignore[union-attr]
        if len(text) > 3000:
            await reply(update, _("That is {length} characters; the limit is {limit}. Please shorten it and send it again.").format(length=len(text), limit=3000))
            return BRIEFING
        data["briefing"] = text
    names = await leader_names(context, data.get("leaders") or [])
    await reply(update, summary(data, member.language, names),
                reply_markup=inline([[(_("✅ Create"), "rdc:create"), (_("Cancel"), "rdc:cancel")]]))
    return CONFIRM


async def leader_names(context: Context, ids: list[int | None]) -> dict[int, str]:
    names: dict[int, str] = {}
    async with runtime_of(context).db.session() as session:
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
    member, _ = await member_and_translator(update, context)
    data = context.user_data.pop(DRAFT, {})
    runtime = runtime_of(context)
    leaders = data.get("leaders") or [None]
    seats = split_seats(data["capacity"], len(leaders))
    await query.answer()
    try:
        async with runtime.db.session() as session:
            round_ = await rd.create_round(
                session, title=data["title"], district=data["district"], starts_at=datetime.fromisoformat(data["start"]),
                ends_at=datetime.fromisoformat(data["end"]), meeting_point=data["place"], capacity=data["capacity"],
                now=runtime.now(), teams=list(zip(leaders, seats, strict=True)), latitude=data.get("lat"),
                longitude=data.get("lon"), partner=data.get("partner"), briefing=data.get("briefing"), created_by=member.id)
            for leader_id in {lid for lid in leaders if lid is not None}:
                await msgs.schedule_report_nudge(session, round_, await membership.member_by_id(session, leader_id))
    except rd.InPast:
        await query.edit_message_reply_markup(None)
        await reply(update, _("The start time has passed in the meantime. Start again with /nyrunde."))
        return ConversationHandler.END
    await query.edit_message_reply_markup(None)
    await reply(update, _("The round is created. Members can join under /dorbank, or with this link:\n{link}").format(
        link=round_link(context, round_.id)), reply_markup=admin_keyboard(round_.id, member.language))
    return ConversationHandler.END


def round_link(context: Context, round_id: int) -> str:
    username = context.bot.username or runtime_of(context).settings.telegram_bot_username or "lagbot"
    return f"https://t.me/{username}?start=round_{round_id}"


def admin_keyboard(round_id: int, lang: str) -> InlineKeyboardMarkup:
    _ = translator(lang)
    return inline([
        [(_("QR code"), f"rdm:qr:{round_id}"), (_("Team"), f"rdm:team:{round_id}")],
        [(_("Move"), f"rdm:move:{round_id}"), (_("Cancel round"), f"rdm:cancel:{round_id}")],
        [(_("✏️ Edit"), f"rdm:edit:{round_id}"), (_("🍻 Link a gathering afterwards"), f"rdm:debrief:{round_id}")],
    ])


async def may_manage(context: Context, member: Member, round_: rd.Round) -> bool:
    return membership.has_role(member, "board", runtime_of(context).settings.lagbot_admins) or rd.leads(round_, member.id)


@requires_role("leader")
async def manage_list(update: Update, context: Context) -> None:
    """Rounds this person may manage, each with its admin buttons."""
    member, _ = await member_and_translator(update, context)
    runtime = runtime_of(context)
    if update.callback_query is not None:
        await update.callback_query.answer()
    async with runtime.db.session() as session:
        views = await rd.upcoming(session, runtime.now(), limit=30)
    views = [v for v in views if await may_manage(context, member, v.round)]
    if not views:
        await reply(update, _("There are no upcoming rounds you can manage."))
        return
    for view in views[:6]:
        from handlers.doorknock import round_card

        text = round_card(view, member.language) + "\n" + _("Signed up: {count}").format(count=view.confirmed)
        await reply(update, text, reply_markup=admin_keyboard(view.round.id, member.language))


async def load_managed(update: Update, context: Context) -> tuple[Member, Any, rd.Round] | None:
    query = update.callback_query
    assert query is not None and query.data is not None
    member, _ = await member_and_translator(update, context)
    round_id = int(query.data.rsplit(":", 1)[1])
    async with runtime_of(context).db.session() as session:
        try:
            round_ = await rd.get_round(session, round_id)
        except NotFound:
            round_ = None
    if round_ is None or not await may_manage(context, member, round_):
        await query.answer(_("Only the board or the round's leader can do that."), show_alert=True)
        return None
    return member, _, round_


async def send_qr(update: Update, context: Context) -> None:
    """A QR code (PNG) of the round's deep link, for posters and paper forms."""
    loaded = await load_managed(update, context)
    if loaded is None:
        return
    member, _, round_ = loaded
    import segno

    link = round_link(context, round_.id)
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=10, border=3)
    buffer.seek(0)
    await update.callback_query.answer()  # type: ignore[union-attr]
    await update.effective_chat.send_photo(buffer, caption=_("Scan to join “{title}”: {link}").format(title=round_.title, link=link))  # type: ignore[union-attr]


async def team_view(update: Update, context: Context) -> None:
    loaded = await load_managed(update, context)
    if loaded is None:
        return
    member, _, round_ = loaded
    from handlers.doorknock import send_team

    await update.callback_query.answer()  # type: ignore[union-attr]
    await send_team(update, context, member, round_.id)


async def ask_edit(update: Update, context: Context) -> int | None:
    """What to change: title, meeting point or seats."""
    loaded = await load_managed(update, context)
    if loaded is None:
        return None
    member, _, round_ = loaded
    draft(context)["edit"] = round_.id
    await update.callback_query.answer()  # type: ignore[union-attr]
    await reply(update, _("What do you want to change in “{title}”?").format(title=round_.title), reply_markup=inline([
        [(_("Title"), "rde:title"), (_("Meeting point"), "rde:place"), (_("Seats"), "rde:capacity")],
        [(_("Cancel"), "rdc:cancel")]]))
    return EDIT_FIELD


async def edit_field(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    member, _ = await member_and_translator(update, context)
    field = query.data.split(":")[1]
    draft(context)["field"] = field
    await query.answer()
    await query.edit_message_reply_markup(None)
    await reply(update, {"title": _("Write the new title."), "place": _("Write the new meeting point."),
                         "capacity": _("How many seats in all?")}[field])
    return EDIT_VALUE


async def edit_value(update: Update, context: Context) -> int:
    """Save the change; a new meeting point is told to everyone, new seats go to the waiting list."""
    member, _ = await member_and_translator(update, context)
    assert context.user_data is not None
    data = draft(context)
    text = (update.message.text or "").strip()  # type: ignore[union-attr]
    runtime = runtime_of(context)
    changes: dict[str, Any] = {}
    if data["field"] == "capacity":
        if not text.isdigit():
            await reply(update, _("Write a number from 1 to 500."))
            return EDIT_VALUE
        changes["capacity"] = int(text)
    elif not 2 <= len(text) <= 300:
        await reply(update, _("Write between 2 and 300 characters."))
        return EDIT_VALUE
    else:
        changes["title" if data["field"] == "title" else "meeting_point"] = text
    now = runtime.now()
    try:
        async with runtime.db.session() as session:
            round_, promoted = await rd.edit(session, data["edit"], now=now, **changes)
            view = await rd.view(session, round_)
            for person in promoted:
                await msgs.promoted(session, round_, person, view.leaders, now)
            if "meeting_point" in changes:
                for _signup, person in await rd.participants(session, round_.id):
                    await msgs.place_changed(session, round_, person, now)
    except rd.CapacityTooSmall as exc:
        await reply(update, _("{count} people already have seats, so there must be at least that many.").format(count=exc.args[0]))
        return EDIT_VALUE
    except rd.BadCapacity:
        await reply(update, _("Write a number from 1 to 500."))
        return EDIT_VALUE
    except (rd.RoundClosed, NotFound):
        context.user_data.pop(DRAFT, None)
        await reply(update, _("That round is over or cancelled."))
        return ConversationHandler.END
    context.user_data.pop(DRAFT, None)
    await reply(update, _("Saved.") + ("\n" + _("{count} from the waiting list got a seat.").format(count=len(promoted)) if promoted else ""))
    return ConversationHandler.END


async def choose_debrief(update: Update, context: Context) -> None:
    """Pick the event after the round (a debrief or social gathering) its participants are invited to."""
    loaded = await load_managed(update, context)
    if loaded is None:
        return
    member, _, round_ = loaded
    from models import events as ev

    runtime = runtime_of(context)
    async with runtime.db.session() as session:
        views = await ev.upcoming(session, round_.starts_at, until=round_.ends_at + timedelta(days=2), limit=8)
    await update.callback_query.answer()  # type: ignore[union-attr]
    if not views:
        await reply(update, _("No event is planned right after the round. Create one with /nyttarrangement first."))
        return
    rows = [[(f"{v.event.title[:30]} · {msgs.when(v.event, member.language)[:24]}", f"rdm:link:{round_.id}:{v.event.id}")] for v in views]
    await reply(update, _("Which gathering comes after “{title}”?").format(title=round_.title), reply_markup=inline(rows))


async def link_debrief(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _prefix, _link, round_id, event_id = query.data.split(":")
    member, _ = await member_and_translator(update, context)
    runtime = runtime_of(context)
    async with runtime.db.session() as session:
        try:
            round_ = await rd.get_round(session, int(round_id))
        except NotFound:
            round_ = None
        if round_ is None or not await may_manage(context, member, round_):
            await query.answer(_("Only the board or the round's leader can do that."), show_alert=True)
            return
        from models import events as ev

        try:
            event = await ev.get_event(session, int(event_id))
        except NotFound:
            await query.answer(_("That event does not exist (any more)."), show_alert=True)
            return
        round_ = await rd.link_debrief(session, round_.id, event.id)
        invited = 0
        for _signup, person in await rd.participants(session, round_.id):
            await msgs.invite_to_debrief(session, round_, person)
            invited += 1
    await query.answer()
    await query.edit_message_text(_("“{event}” is linked to “{title}”; {count} participants are invited as the round ends.").format(
        event=event.title, title=round_.title, count=invited))


async def ask_cancel(update: Update, context: Context) -> None:
    loaded = await load_managed(update, context)
    if loaded is None:
        return
    member, _, round_ = loaded
    await update.callback_query.answer()  # type: ignore[union-attr]
    await reply(update, _("Cancel “{title}”? Everyone signed up is told at once.").format(title=round_.title),
                reply_markup=inline([[(_("Yes, cancel the round"), f"rdm:cancelyes:{round_.id}"), (_("No"), "rdm:no:0")]]))


async def do_cancel(update: Update, context: Context) -> None:
    loaded = await load_managed(update, context)
    if loaded is None:
        return
    member, _, round_ = loaded
    runtime = runtime_of(context)
    query = update.callback_query
    assert query is not None
    async with runtime.db.session() as session:
        try:
            round_ = await rd.cancel(session, round_.id)
        except rd.RoundClosed:
            await query.answer(_("That round is over or cancelled."), show_alert=True)
            return
        await msgs_cancel_all(session, round_)
        told = 0
        for status in (rd.CONFIRMED, rd.WAITING):
            for _signup, person in await rd.participants(session, round_.id, status=status):
                await msgs.cancelled(session, round_, person, runtime.now())
                told += 1
    await query.answer()
    await query.edit_message_text(_("“{title}” is cancelled; {count} people are being told.").format(title=round_.title, count=told))


async def msgs_cancel_all(session: Any, round_: rd.Round) -> None:
    from models import outbox as box

    await box.cancel(session, msgs.round_prefix(round_))


async def no_op(update: Update, context: Context) -> None:
    member, _ = await member_and_translator(update, context)
    assert update.callback_query is not None
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(_("Nothing was changed."))


async def ask_move(update: Update, context: Context) -> int | None:
    loaded = await load_managed(update, context)
    if loaded is None:
        return None
    member, _, round_ = loaded
    assert context.user_data is not None
    context.user_data[DRAFT] = {"move": round_.id}
    await update.callback_query.answer()  # type: ignore[union-attr]
    await reply(update, _("New start? Write date and time, for example 17.04 12:00. (/avbryt to stop)"))
    return MOVE_START


async def move_start(update: Update, context: Context) -> int:
    start = await read_start(update, context)
    if start is None:
        return MOVE_START
    draft(context)["start"] = start.isoformat()
    return MOVE_END


async def move_end(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    runtime = runtime_of(context)
    data = draft(context)
    start = datetime.fromisoformat(data["start"])
    end = await read_end(update, context, start)
    if end is None:
        return MOVE_END
    assert context.user_data is not None
    context.user_data.pop(DRAFT, None)
    now = runtime.now()
    async with runtime.db.session() as session:
        old = await rd.get_round(session, data["move"])
        await msgs_cancel_all(session, old)
        round_ = await rd.move(session, data["move"], starts_at=start, ends_at=end, now=now)
        view = await rd.view(session, round_)
        told = 0
        for status in (rd.CONFIRMED, rd.WAITING):
            for _signup, person in await rd.participants(session, round_.id, status=status):
                await msgs.moved(session, round_, person, now)
                if status == rd.CONFIRMED:
                    await msgs.schedule_for_member(session, round_, person, view.leaders, now)
                told += 1
        for leader in view.leaders:
            await msgs.schedule_report_nudge(session, round_, leader)
    await reply(update, _("“{title}” now starts {when}; {count} people are being told.").format(
        title=round_.title, when=msgs.when(round_, member.language), count=told))
    return ConversationHandler.END


async def start_report(update: Update, context: Context) -> int | None:
    """The leader files the round's report: doors, conversations, themes, free text."""
    query = update.callback_query
    assert query is not None and query.data is not None and context.user_data is not None
    member = await current_member(update, context)
    if member is None or not member.is_onboarded:
        await query.answer()
        return ConversationHandler.END
    _ = translator(member.language)
    round_id = int(query.data.rsplit(":", 1)[1])
    async with runtime_of(context).db.session() as session:
        try:
            round_ = await rd.get_round(session, round_id)
        except NotFound:
            round_ = None
    if round_ is None or not await may_manage(context, member, round_):
        await query.answer(_("Only the board or the round's leader can do that."), show_alert=True)
        return None
    if runtime_of(context).now() < round_.starts_at:
        await query.answer(_("The report can be filed once the round has started."), show_alert=True)
        return None
    context.user_data[REPORT] = {"round": round_id, "themes": []}
    await query.answer()
    await reply(update, _("Report for “{title}”. How many doors did you knock on? (a number; /avbryt to stop)").format(title=round_.title))
    return R_DOORS


async def report_number(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    text = (update.message.text or "").strip()  # type: ignore[union-attr]
    data = context.user_data[REPORT]  # type: ignore[index]
    if not text.isdigit() or int(text) > 100000:
        await reply(update, _("Write a number, for example 120."))
        return R_DOORS if "doors" not in data else R_CONVERSATIONS
    if "doors" not in data:
        data["doors"] = int(text)
        await reply(update, _("And how many real conversations?"))
        return R_CONVERSATIONS
    data["conversations"] = int(text)
    await reply(update, _("What did people talk about? Tap the themes, then “Done”."), reply_markup=report_themes(data, member.language))
    return R_THEMES


def report_themes(data: dict[str, Any], lang: str) -> InlineKeyboardMarkup:
    _ = translator(lang)
    buttons = [(("✅ " if t in data["themes"] else "▫️ ") + _(msgs.THEME_LABELS[t]), f"rdr:theme:{t}") for t in rd.THEMES]
    rows = [buttons[n : n + 2] for n in range(0, len(buttons), 2)]
    return inline([*rows, [(_("Done"), "rdr:done")]])


async def report_theme(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    member, _ = await member_and_translator(update, context)
    data = context.user_data[REPORT]  # type: ignore[index]
    theme = query.data.rsplit(":", 1)[1]
    data["themes"].remove(theme) if theme in data["themes"] else data["themes"].append(theme)
    await query.answer()
    await query.edit_message_reply_markup(report_themes(data, member.language))
    return R_THEMES


async def report_themes_done(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    member, _ = await member_and_translator(update, context)
    await query.answer()
    await query.edit_message_reply_markup(None)
    await reply(update, _("Anything else the programme committee should know? Write it (no names or addresses), or skip."),
                reply_markup=inline([[(_("Skip"), "rdr:skip")]]))
    return R_TEXT


async def report_save(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    assert context.user_data is not None
    data = context.user_data.pop(REPORT)
    text = "" if update.callback_query is not None else (update.message.text or "")  # type: ignore[union-attr]
    if update.callback_query is not None:
        await update.callback_query.answer()
    async with runtime_of(context).db.session() as session:
        round_ = await rd.get_round(session, data["round"])
        await rd.file_report(session, round_.id, doors=data["doors"], conversations=data["conversations"],
                             themes=data["themes"], text=text, filed_by=member.id)
        await msgs.cancel_report_nudges(session, round_)
    await reply(update, _("Thank you! The report is saved: {doors} doors, {conversations} conversations.").format(
        doors=data["doors"], conversations=data["conversations"]))
    return ConversationHandler.END


@requires_role("board")
async def year_report(update: Update, context: Context) -> None:
    """Rounds this year against the plan's goal, by district and month, as text and a chart."""
    member, _ = await member_and_translator(update, context)
    runtime = runtime_of(context)
    now = runtime.now().astimezone(OSLO)
    year_start = datetime(now.year, 1, 1, tzinfo=OSLO)
    async with runtime.db.session() as session:
        figures = await rd.year_figures(session, year_start, datetime(now.year + 1, 1, 1, tzinfo=OSLO), runtime.now(),
                                        runtime.settings.rounds_goal_per_year)
    lines = [
        _("Door-knocking {year}").format(year=now.year),
        _("Rounds held: {held} of the goal of {goal}").format(held=figures.rounds_held, goal=figures.goal),
        _("Participants: {count} (first time: {first})").format(count=figures.participants, first=figures.first_timers),
        _("Doors: {doors} · conversations: {conversations}").format(doors=figures.doors, conversations=figures.conversations),
        _("Most teams out at once: {count}").format(count=figures.max_teams_at_once),
        "",
        _("By district:"),
    ]
    lines += [f"• {_(DISTRICT_LABELS[d])}: {n}" for d, n in sorted(figures.by_district.items())] or ["–"]
    await reply(update, "\n".join(lines))
    png = chart(figures, member.language, now.year)
    await update.effective_chat.send_photo(png, caption=_("Rounds per month, {year}").format(year=now.year))  # type: ignore[union-attr]


def chart(figures: rd.YearFigures, lang: str, year: int) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from babel.dates import get_month_names

    _ = translator(lang)
    months = get_month_names("abbreviated", locale=lang)
    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    values = [figures.by_month.get(m, 0) for m in range(1, 13)]
    ax.bar([months[m] for m in range(1, 13)], values, color="#c8102e")
    ax.set_title(_("Door-knocking rounds {year}: {held} of {goal}").format(year=year, held=figures.rounds_held, goal=figures.goal))
    ax.set_ylabel(_("Rounds"))
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def input_markdown(items: list[dict[str, Any]], lang: str) -> str:
    _ = translator(lang)
    heading = _("What we heard at the doors")
    lines = [f"# {heading}", ""]
    for theme in rd.THEMES:
        chosen = [i for i in items if i["theme"] == theme]
        if not chosen:
            continue
        theme_label = _(msgs.THEME_LABELS[theme])
        lines.append(f"## {theme_label}")
        for district in DISTRICTS:
            in_district = [i for i in chosen if i["district"] == district]
            if not in_district:
                continue
            district_label = _(DISTRICT_LABELS[district])
            lines.append(f"### {district_label}")
            lines += [f"- {i['text']} ({i['round']}, {i['date'].astimezone(OSLO):%d.%m.%Y})" for i in in_district]
            lines.append("")
    return "\n".join(lines)


def input_csv(items: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["theme", "district", "round", "date", "source", "text"])
    for item in sorted(items, key=lambda i: (rd.THEMES.index(i["theme"]), i["district"], i["date"])):
        writer.writerow([item["theme"], item["district"], item["round"], f"{item['date'].astimezone(OSLO):%Y-%m-%d}",
                         item["source"], item["text"]])
    return buffer.getvalue()


@requires_role("board")
async def export_input(update: Update, context: Context) -> None:
    """For the programme committee: input grouped by theme and district, as Markdown and CSV files."""
    member, _ = await member_and_translator(update, context)
    async with runtime_of(context).db.session() as session:
        items = await rd.inputs_and_reports(session)
    if not items:
        await reply(update, _("No input from the doors yet."))
        return
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(io.BytesIO(input_markdown(items, member.language).encode("utf-8")), filename="innspill-dorbank.md",
                             caption=_("Input from the doors: {count} items, by theme and district.").format(count=len(items)))
    await chat.send_document(io.BytesIO(("\ufeff" + input_csv(items)).encode("utf-8")), filename="innspill-dorbank.csv")


cancel_draft = cancel_conversation(N_("Cancelled. Nothing was changed."), DRAFT, REPORT)


def register(application: Application) -> None:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    cancel = [CommandHandler(["avbryt", "cancel"], cancel_draft), CallbackQueryHandler(cancel_draft, pattern=r"^rdc:cancel$")]
    application.add_handler(ConversationHandler(
        entry_points=[CommandHandler(["nyrunde", "newround"], new_round, filters.ChatType.PRIVATE),
                      CallbackQueryHandler(new_round, pattern=r"^rd:new$")],
        states={
            TITLE: [MessageHandler(text, got_title)],
            DISTRICT: [CallbackQueryHandler(got_district, pattern=rf"^rdc:district:({'|'.join(DISTRICTS)})$"), MessageHandler(text, buttons_expected)],
            START: [MessageHandler(text, got_start)],
            END: [MessageHandler(text, got_end)],
            PLACE: [MessageHandler(filters.LOCATION | text, got_place)],
            CAPACITY: [MessageHandler(text, got_capacity)],
            LEADER: [CallbackQueryHandler(got_leader, pattern=r"^rdc:leader:(me|none)$"), MessageHandler(text, got_leader)],
            MORE_TEAMS: [CallbackQueryHandler(more_teams, pattern=r"^rdc:team:(more|done)$"), MessageHandler(text, buttons_expected)],
            PARTNER: [CallbackQueryHandler(got_partner, pattern=r"^rdc:skip$"), MessageHandler(text, got_partner)],
            BRIEFING: [CallbackQueryHandler(got_briefing, pattern=r"^rdc:skip$"), MessageHandler(text, got_briefing)],
            CONFIRM: [CallbackQueryHandler(create, pattern=r"^rdc:create$"), MessageHandler(text, buttons_expected)],
        },
        fallbacks=cancel,
        name="round_create", persistent=True, allow_reentry=True,
    ))
    application.add_handler(ConversationHandler(
        entry_points=[CallbackQueryHandler(ask_move, pattern=r"^rdm:move:\d{1,9}$")],
        states={MOVE_START: [MessageHandler(text, move_start)], MOVE_END: [MessageHandler(text, move_end)]},
        fallbacks=cancel, name="round_move", persistent=True, allow_reentry=True,
    ))
    application.add_handler(ConversationHandler(
        entry_points=[CallbackQueryHandler(start_report, pattern=r"^rd:report:\d{1,9}$")],
        states={
            R_DOORS: [MessageHandler(text, report_number)],
            R_CONVERSATIONS: [MessageHandler(text, report_number)],
            R_THEMES: [CallbackQueryHandler(report_theme, pattern=rf"^rdr:theme:({'|'.join(rd.THEMES)})$"),
                       CallbackQueryHandler(report_themes_done, pattern=r"^rdr:done$"), MessageHandler(text, buttons_expected)],
            R_TEXT: [CallbackQueryHandler(report_save, pattern=r"^rdr:skip$"), MessageHandler(text, report_save)],
        },
        fallbacks=cancel, name="round_report", persistent=True, allow_reentry=True,
    ))
    application.add_handler(ConversationHandler(
        entry_points=[CallbackQueryHandler(ask_edit, pattern=r"^rdm:edit:\d{1,9}$")],
        states={EDIT_FIELD: [CallbackQueryHandler(edit_field, pattern=r"^rde:(title|place|capacity)$"), MessageHandler(text, buttons_expected)],
                EDIT_VALUE: [MessageHandler(text, edit_value)]},
        fallbacks=cancel, name="round_edit", persistent=True, allow_reentry=True,
    ))
    application.add_handler(CallbackQueryHandler(manage_list, pattern=r"^rd:manage$"))
    application.add_handler(CallbackQueryHandler(send_qr, pattern=r"^rdm:qr:\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(choose_debrief, pattern=r"^rdm:debrief:\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(link_debrief, pattern=r"^rdm:link:\d{1,9}:\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(team_view, pattern=r"^rdm:team:\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(ask_cancel, pattern=r"^rdm:cancel:\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(do_cancel, pattern=r"^rdm:cancelyes:\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(no_op, pattern=r"^rdm:no:0$"))
