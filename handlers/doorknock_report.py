"""Door-knocking reports: the leader files the round's report; the board sees the year (the export of
what was heard at the doors is in handlers/doorknock_export.py)."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot import round_messages as msgs
from bot import round_not_held
from bot.activity_buttons import (
    FileReport,
    NotHeld,
    ReplaceReport,
    ReportSkipText,
    ReportTeam,
    ReportTheme,
    ReportThemesDone,
    StopFlow,
    accepts,
    read,
)
from bot.callbacks import Id, callback
from bot.i18n import N_, translator
from bot.reports import rounds as reports
from handlers.common import (
    Context,
    answer_alert,
    buttons_expected,
    cancel_conversation,
    inline,
    onboarded,
    reply,
    report_year,
    requires_role,
)
from handlers.doorknock_team import CANCELLED, NOT_ROUND_LEADER, managed_round, may_manage_round
from handlers.flows import Flow
from handlers.presses import Press
from models import rounds as rd
from models.constants import OSLO
from models.membership import has_role, member_by_telegram

R_DOORS, R_CONVERSATIONS, R_THEMES, R_TEXT, R_REPLACE, R_NOT_HELD, R_TEAM = range(13, 20)
REPORT = "round_report"
NOT_YOURS = N_("Another team's leader has filed this round's report; only they, the round's leader or the board can replace it.")
NOT_YOUR_TEAM = N_("Only the team's leader, the round's leader or the board can file this team's report.")
NOT_HELD = N_("The round did not take place")


async def may_replace(context: Context, session: AsyncSession, round_: rd.Round, filed: rd.RoundReport | None) -> bool:
    """Whether this member (read again in `session`) may file over the report already there."""
    member = await member_by_telegram(session, context.known.telegram_id or 0)
    return member is not None and (is_board(context, member) or rd.may_replace_report(round_, filed, member.id))


def is_board(context: Context, member: Any) -> bool:
    return has_role(member, "board", context.runtime.settings.lagbot_admins)


@callback("rd.rep.more")
class ConfirmConversations:
    """"Yes, that's right" to more conversations than doors."""

    round_id: Id


@onboarded
async def start_report(update: Update, context: Context) -> int | None:
    """The leader files the round's report: doors, conversations, themes, free text."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    round_ = await managed_round(update, context, read(FileReport, query.data).round_id, team=True)
    if round_ is None:
        return None
    if round_.status not in (rd.PLANNED, rd.NOT_HELD):  # a team list or nudge from before the round was cancelled
        await query.answer(context._(CANCELLED).format(title=round_.title), show_alert=True)
        return None
    if context.runtime.now() < round_.starts_at:
        await query.answer(context._("The report can be filed once the round has started."), show_alert=True)
        return None
    async with context.runtime.db.session() as session:
        member = await member_by_telegram(session, context.known.telegram_id or 0)
    if member is None:
        return None
    teams, calls_off = rd.report_teams(round_, member.id, is_board(context, member)), may_manage_round(context, member, round_)
    context.user_data[REPORT] = {"round": round_.id, "themes": [], "title": round_.title,
                                 "calls_off": calls_off and round_.status == rd.PLANNED}
    await query.answer()
    if round_.status == rd.NOT_HELD:  # recorded as not taking place: a report now says it was held after all
        await reply(update, context._("“{title}” is recorded as not taking place. If it took place after all, "
                                      "file the report now; /avbryt leaves it as it is.").format(title=round_.title))
    if len(teams) > 1:  # the round's own leader or the board, for their team or one without a leader
        buttons = [[(context._("Team {number}").format(number=rd.team_number(round_, t.id)),
                     ReportTeam(round_id=round_.id, team_id=t.id).pack())] for t in teams if t is not None]
        await reply(update, context._("Which team's report for “{title}”?").format(title=round_.title),
                    reply_markup=inline(buttons))
        return R_TEAM
    return await begin_team(update, context, round_, teams[0].id if teams and teams[0] is not None else None)


async def choose_team(update: Update, context: Context) -> int | None:
    query = update.callback_query
    assert query is not None
    pressed, data = ReportTeam.parse(query.data), report_draft(context)
    if pressed.round_id != data["round"]:
        await query.answer(context._("This button is no longer valid. Send /start to see the menu."), show_alert=True)
        return None
    round_ = await managed_round(update, context, data["round"], team=True)
    if round_ is None:
        return Flow.END
    await query.answer()
    await query.edit_message_reply_markup(None)
    return await begin_team(update, context, round_, pressed.team_id)


async def may_report(context: Context, session: AsyncSession, round_: rd.Round, team_id: int | None) -> bool:
    """Whether the one pressing may file this team's report (its leader, the round's leader, the board)."""
    member = await member_by_telegram(session, context.known.telegram_id or 0)
    return member is not None and (team_id is None and not round_.teams or any(
        t is not None and t.id == team_id for t in rd.report_teams(round_, member.id, is_board(context, member))))


async def begin_team(update: Update, context: Context, round_: rd.Round, team_id: int | None) -> int | None:
    data = report_draft(context)  # the report of this team: asked before it replaces one filed already, else begun
    async with context.runtime.db.session() as session:
        allowed = await may_report(context, session, round_, team_id)
        filed = await rd.team_report(session, round_.id, team_id)
        if not allowed or not await may_replace(context, session, round_, filed):
            await reply(update, context._(NOT_YOUR_TEAM if not allowed else NOT_YOURS))
            context.user_data.pop(REPORT, None)  # type: ignore[union-attr]
            return Flow.END
    number = rd.team_number(round_, team_id) if len(round_.teams) > 1 else None  # "Lade, team 2": whose report it is
    data.update(team=team_id, earlier_text=filed.text if filed is not None else "", heading=round_.title if number is None
                else context._("{title}, team {number}").format(title=round_.title, number=number))
    if filed is not None:  # ask before a second report of the same team replaces the first
        doors = context.ngettext("{count} door", "{count} doors", filed.doors).format(count=filed.doors)
        talks = context.ngettext("{count} conversation", "{count} conversations", filed.conversations).format(
            count=filed.conversations)
        await reply(update, context._("A report for “{title}” is filed already: {doors}, {conversations}. "
                                      "Write a new one in its place?").format(title=data["heading"], doors=doors, conversations=talks),
                    reply_markup=inline([[(context._("Yes, replace it"), ReplaceReport(round_id=round_.id).pack()),
                                          (context._("No, keep the first"), StopFlow().pack())],
                                         *not_held_row(context)]))
        return R_REPLACE
    await ask_doors(update, context)
    return R_DOORS


def not_held_row(context: Context) -> list[list[tuple[str, str]]]:
    """“The round did not take place”, for the board and the round's own leader (a team's leader reports
    their team; whether the whole round took place is not theirs to say)."""
    data = report_draft(context)
    return [[("🌧 " + context._(NOT_HELD), NotHeld(round_id=data["round"], step="ask").pack())]] if data.get("calls_off") else []


async def ask_doors(update: Update, context: Context) -> None:
    rows = not_held_row(context)
    await reply(update, context._("Report for “{title}”. How many doors did you knock on? (a number; /avbryt to stop)").format(
        title=report_draft(context).get("heading")), reply_markup=inline(rows) if rows else None)


async def not_held(update: Update, context: Context) -> int | None:
    """The round never took place (rain, nobody came): asked once more, then recorded as not held."""
    query = update.callback_query
    assert query is not None
    _, data, pressed = context._, report_draft(context), NotHeld.parse(query.data)
    step = pressed.step
    if pressed.round_id != data["round"]:  # a button from another round's report
        await query.answer(_("This button is no longer valid. Send /start to see the menu."), show_alert=True)
        return None
    if not data.get("calls_off"):  # a team's leader: whether the whole round took place is not theirs to say
        await query.answer(_(NOT_ROUND_LEADER), show_alert=True)
        return None  # the flow stays where it was
    await query.answer()
    await query.edit_message_reply_markup(None)
    if step == "ask":
        await reply(update, _("Record that “{title}” did not take place? It will not count as a round held, and those "
                              "signed up are not asked how it went.").format(title=data["title"]),
                    reply_markup=inline([[(_("Yes, it did not take place"), NotHeld(round_id=data["round"], step="yes").pack())],
                                         [(_("No, it took place"), NotHeld(round_id=data["round"], step="no").pack())]]))
        return R_NOT_HELD
    if step == "no":  # from the start: the figures, as asked anew
        for key in ("doors", "conversations", "more_conversations"):
            data.pop(key, None)
        data["themes"] = []
        await ask_doors(update, context)
        return R_DOORS
    assert context.user_data is not None
    context.user_data.pop(REPORT, None)
    async with context.runtime.db.session() as session:
        round_ = await managed_round(update, context, data["round"], session)  # the round's own leader or the board, read again
        if round_ is None:
            return Flow.END
        try:
            round_ = await rd.mark_not_held(session, round_.id, context.runtime.now())
        except rd.RoundClosed:
            await reply(update, _(CANCELLED).format(title=round_.title))
            return Flow.END
        await round_not_held.recorded(session, round_, context.known, context.runtime.now())
    await reply(update, _("Recorded: “{title}” did not take place. It does not count as a round held, and nobody "
                          "signed up is asked how it went.").format(title=round_.title))
    return Flow.END


async def replace_report(update: Update, context: Context) -> int:
    assert update.callback_query is not None
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(None)
    await ask_doors(update, context)
    return R_DOORS


def report_draft(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data[REPORT]


async def report_number(update: Update, context: Context) -> int:
    _ = context._
    text = (update.message.text or "").strip()  # type: ignore[union-attr]
    data = report_draft(context)
    if not text.isdigit() or int(text) > 100000:
        await reply(update, _("Write a number, for example 120."))
        return R_DOORS if "doors" not in data else R_CONVERSATIONS
    if "doors" not in data:
        data["doors"] = int(text)
        rows = not_held_row(context) if data["doors"] == 0 else []  # no doors at all: perhaps it never took place
        await reply(update, _("And how many real conversations?"), reply_markup=inline(rows) if rows else None)
        return R_CONVERSATIONS
    if int(text) > data["doors"]:  # a typo as often as not: ask, and take a corrected number as well
        data["more_conversations"] = int(text)
        await reply(update, _("{conversations} conversations at {doors} doors — more conversations than doors. Is that right? "
                              "If not, send the right number.").format(conversations=int(text), doors=data["doors"]),
                    reply_markup=inline([[(_("Yes, that's right"), ConfirmConversations(round_id=data["round"]).pack())]]))
        return R_CONVERSATIONS
    data["conversations"] = int(text)
    return await ask_themes(update, context)


async def confirm_conversations(update: Update, context: Context) -> int:
    assert update.callback_query is not None
    data = report_draft(context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(None)
    if "more_conversations" not in data:
        return R_CONVERSATIONS
    data["conversations"] = data.pop("more_conversations")
    return await ask_themes(update, context)


THEMES_ASKED = N_("What did people talk about? Tap the themes you heard, then “Done”. Nothing to tell: “Skip”.")


async def ask_themes(update: Update, context: Context) -> int:
    data = report_draft(context)
    await reply(update, context._(THEMES_ASKED), reply_markup=report_themes(data, context.lang))
    return R_THEMES


def chosen_themes(data: dict[str, Any], lang: str) -> str:
    """The themes ticked so far, in the order of the buttons ("" when none)."""
    _ = translator(lang)
    return ", ".join(_(msgs.THEME_LABELS[t]) for t in rd.THEMES if t in data["themes"])


def themes_text(data: dict[str, Any], lang: str) -> str:
    """The question, with what is chosen so far under it."""
    _ = translator(lang)
    chosen = chosen_themes(data, lang)
    return _(THEMES_ASKED) + ("\n\n" + _("Chosen: {themes}").format(themes=chosen) if chosen else "")


def report_themes(data: dict[str, Any], lang: str) -> InlineKeyboardMarkup:
    """The themes to tick; the last button skips the step until something is ticked, then closes it."""
    _ = translator(lang)
    round_id = data["round"]
    buttons = [(("✅ " if t in data["themes"] else "▫️ ") + _(msgs.THEME_LABELS[t]), ReportTheme(round_id=round_id, theme=t).pack())
               for t in rd.THEMES]
    rows = [buttons[n : n + 2] for n in range(0, len(buttons), 2)]
    close = _("Done") if data["themes"] else _("Skip")
    return inline([*rows, [(close, ReportThemesDone(round_id=round_id).pack())]])


async def report_theme(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    data = report_draft(context)
    theme = ReportTheme.parse(query.data).theme
    if theme in rd.THEMES:
        data["themes"].remove(theme) if theme in data["themes"] else data["themes"].append(theme)
    await query.answer()
    await query.edit_message_text(themes_text(data, context.lang), reply_markup=report_themes(data, context.lang))
    return R_THEMES


async def report_themes_done(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    _, data = context._, report_draft(context)
    await query.answer()
    chosen = chosen_themes(data, context.lang) or _("none")
    await query.edit_message_text(_(THEMES_ASKED) + "\n\n✅ " + _("Themes: {themes}").format(themes=chosen))
    assert update.effective_chat is not None
    asked = await update.effective_chat.send_message(
        _("Anything else the programme committee should know? Write it (no names or addresses), or skip."),
        reply_markup=inline([[(_("Skip"), ReportSkipText(round_id=data["round"]).pack())]]))
    data["skip_message"] = asked.message_id  # its Skip goes once the text is written
    return R_TEXT


async def report_save(update: Update, context: Context) -> int:
    assert context.user_data is not None
    data = context.user_data.pop(REPORT)
    text = "" if update.callback_query is not None else (update.message.text or "")  # type: ignore[union-attr]
    text = text or data.get("earlier_text", "")  # what was written for the programme committee is never lost
    if update.callback_query is None and data.get("skip_message") and update.effective_chat is not None:
        with suppress(BadRequest):  # the message may be gone; its button does nothing then anyway
            await update.get_bot().edit_message_reply_markup(update.effective_chat.id, data["skip_message"], reply_markup=None)
    async with context.runtime.db.session() as session:
        round_ = await managed_round(update, context, data["round"], session, team=True)  # the right, read with the change
        if round_ is None:
            return Flow.END
        if not await may_report(context, session, round_, data.get("team")):  # the team may have a new leader by now
            await answer_alert(update, context._(NOT_YOUR_TEAM))
            return Flow.END
        if not await may_replace(context, session, round_, await rd.team_report(session, round_.id, data.get("team"))):
            await answer_alert(update, context._(NOT_YOURS))
            return Flow.END
        try:
            await rd.file_report(session, round_.id, doors=data["doors"], conversations=data["conversations"],
                                 themes=data["themes"], text=text, filed_by=context.known.id, team_id=data.get("team"),
                                 now=context.runtime.now())
        except rd.RoundError:  # the team was taken off the round meanwhile
            await answer_alert(update, context._("This button is no longer valid. Send /start to see the menu."))
            return Flow.END
        await msgs.cancel_report_nudges(session, round_, data.get("team"))
    if update.callback_query is not None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_reply_markup(None)
    doors = context.ngettext("{count} door", "{count} doors", data["doors"]).format(count=data["doors"])
    talks = context.ngettext("{count} conversation", "{count} conversations", data["conversations"]).format(count=data["conversations"])
    await reply(update, context._("Thank you! The report is saved: {doors}, {conversations}.").format(doors=doors, conversations=talks))
    return Flow.END


@requires_role("board")
async def year_report(update: Update, context: Context) -> None:
    """Rounds this year against the plan's goal, by district and month, as text and a chart."""
    runtime = context.runtime
    if (year := report_year(context, runtime.now().astimezone(OSLO).year)) is None:
        await reply(update, context._("Write the year as four digits, for example: /dorbank rapport 2026"))
        return
    async with runtime.db.session() as session:
        figures = await rd.year_figures(session, datetime(year, 1, 1, tzinfo=OSLO), datetime(year + 1, 1, 1, tzinfo=OSLO),
                                        runtime.now())
    await reply(update, reports.year_text(figures, context.lang, year))
    png = reports.chart(figures, context.lang, year)
    await update.effective_chat.send_photo(png, caption=context._("Rounds per month, {year}").format(year=year))  # type: ignore[union-attr]


cancel_report = cancel_conversation(N_("Cancelled. Nothing was changed."), REPORT)


def register(application: Application) -> None:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(Flow(
        application, "round_report", title=N_("filing a round report"),
        entry_points=[Press(start_report, pattern=accepts(FileReport))],
        states={
            R_DOORS: [MessageHandler(text, report_number), Press(not_held, pattern=NotHeld.filter())],
            R_CONVERSATIONS: [MessageHandler(text, report_number), Press(confirm_conversations, pattern=ConfirmConversations.filter()),
                              Press(not_held, pattern=NotHeld.filter())],
            R_THEMES: [Press(report_theme, pattern=ReportTheme.filter()), Press(not_held, pattern=NotHeld.filter()),
                       Press(report_themes_done, pattern=ReportThemesDone.filter()), MessageHandler(text, buttons_expected)],
            R_TEXT: [Press(report_save, pattern=ReportSkipText.filter()), Press(not_held, pattern=NotHeld.filter()),
                     MessageHandler(text, report_save)],
            R_REPLACE: [Press(replace_report, pattern=ReplaceReport.filter()), Press(not_held, pattern=NotHeld.filter()),
                        MessageHandler(text, buttons_expected)],
            R_NOT_HELD: [Press(not_held, pattern=NotHeld.filter()), MessageHandler(text, buttons_expected)],
            R_TEAM: [Press(choose_team, pattern=ReportTeam.filter()), MessageHandler(text, buttons_expected)],
        },
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel_report), Press(cancel_report, pattern=StopFlow.filter())],
        drafts=(REPORT,),
    ))
