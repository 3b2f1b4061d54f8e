"""The board's side of phone rounds: create a campaign, pause, resume, close, and follow progress."""

from __future__ import annotations

import io
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

from bot.i18n import LANGUAGES, N_, translator
from bot.runtime import runtime_of
from handlers.common import (
    DISTRICT_LABELS,
    INTEREST_LABELS,
    LANGUAGE_NAMES,
    Context,
    buttons_expected,
    cancel_conversation,
    inline,
    member_and_translator,
    reply,
    requires_role,
)
from models import broadcast as bc
from models import phonebank as pb
from models import rounds as rd
from models.errors import NotFound
from models.member import DISTRICTS, INTERESTS

NAME, PURPOSE, SCRIPT, MORE_SCRIPTS, AUDIENCE, ROUND, MODE, CONFIRM = range(20, 28)
DRAFT = "campaign_draft"


def draft(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data.setdefault(DRAFT, {})


@requires_role("board")
async def new_campaign(update: Update, context: Context) -> int | None:
    """Start a phone round: name, purpose, script, audience, linked round, who may call."""
    member, _ = await member_and_translator(update, context)
    assert context.user_data is not None
    context.user_data[DRAFT] = {"scripts": {}, "audience": {}}
    if update.callback_query is not None:
        await update.callback_query.answer()
    await reply(update, _("New phone round. What is it called? (/avbryt to stop)"))
    return NAME


async def got_name(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    name = (update.message.text or "").strip()  # type: ignore[union-attr]
    if not 3 <= len(name) <= 200:
        await reply(update, _("The title must be between 3 and 200 characters. Try again."))
        return NAME
    draft(context)["name"] = name
    await reply(update, _("What is the purpose, in a sentence? (shown to the board)"))
    return PURPOSE


async def got_purpose(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    draft(context)["purpose"] = (update.message.text or "").strip()[:1000]  # type: ignore[union-attr]
    draft(context)["script_lang"] = member.language
    await reply(update, _("Write the script callers will see, in {language}.").format(language=LANGUAGE_NAMES[member.language]))
    return SCRIPT


async def got_script(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    data = draft(context)
    text = (update.message.text or "").strip()  # type: ignore[union-attr]
    if not 10 <= len(text) <= 3000:
        await reply(update, _("The script must be between 10 and 3000 characters."))
        return SCRIPT
    data["scripts"][data["script_lang"]] = text
    return await offer_languages(update, context)


async def offer_languages(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    data = draft(context)
    missing = [code for code in LANGUAGES if code not in data["scripts"]]
    rows = [[(_("Add the script in {language}").format(language=LANGUAGE_NAMES[code]), f"pbc:lang:{code}") for code in missing]]
    rows.append([(_("Continue"), "pbc:lang:done")])
    await reply(update, _("Callers see the script in their own language when there is one."), reply_markup=inline(rows))
    return MORE_SCRIPTS


async def script_language(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    member, _ = await member_and_translator(update, context)
    await query.answer()
    await query.edit_message_reply_markup(None)
    choice = query.data.rsplit(":", 1)[1]
    if choice != "done":
        draft(context)["script_lang"] = choice
        await reply(update, _("Write the script callers will see, in {language}.").format(language=LANGUAGE_NAMES[choice]))
        return SCRIPT
    text, keyboard = audience_view(draft(context), member.language)
    await reply(update, text, reply_markup=keyboard)
    return AUDIENCE


def audience_view(data: dict[str, Any], lang: str) -> tuple[str, InlineKeyboardMarkup]:
    _ = translator(lang)
    audience = bc.Audience.from_json(data["audience"])
    from handlers.broadcast import describe

    text = _("Who should be called?\nAudience: {audience}").format(audience=describe(audience, lang))
    districts = [(("✅ " if d in audience.districts else "") + _(DISTRICT_LABELS[d]), f"pbc:d:{d}") for d in DISTRICTS]
    interests = [(("✅ " if i in audience.interests else "") + _(INTEREST_LABELS[i]), f"pbc:i:{i}") for i in INTERESTS]
    rows = [districts[0:3], districts[3:], interests[0:2], interests[2:4], interests[4:6], interests[6:],
            [(_("Everyone"), "pbc:all"), (_("Continue"), "pbc:audience:done")]]
    return text, inline(rows)


async def audience_button(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    member, _ = await member_and_translator(update, context)
    data = draft(context)
    audience = bc.Audience.from_json(data["audience"])
    parts = query.data.split(":")
    if parts[1] == "all":
        audience = bc.Audience()
    else:
        values = audience.districts if parts[1] == "d" else audience.interests
        values.remove(parts[2]) if parts[2] in values else values.append(parts[2])
    data["audience"] = audience.to_json()
    text, keyboard = audience_view(data, member.language)
    await query.answer()
    await query.edit_message_text(text, reply_markup=keyboard)
    return AUDIENCE


async def audience_done(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    member, _ = await member_and_translator(update, context)
    runtime = runtime_of(context)
    await query.answer()
    await query.edit_message_reply_markup(None)
    async with runtime.db.session() as session:
        upcoming = await rd.upcoming(session, runtime.now(), limit=6)
    from bot.round_messages import when

    rows = [[(f"🚪 {v.round.title[:25]} · {when(v.round, member.language)[:22]}", f"pbc:round:{v.round.id}")] for v in upcoming]
    rows.append([(_("No linked round"), "pbc:round:0")])
    await reply(update, _("Should callers sign people up for a door-knocking round?"), reply_markup=inline(rows))
    return ROUND


async def got_round(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    member, _ = await member_and_translator(update, context)
    round_id = int(query.data.rsplit(":", 1)[1])
    draft(context)["round"] = round_id or None
    await query.answer()
    await query.edit_message_reply_markup(None)
    await reply(update, _("Who may call?"), reply_markup=inline([[(_("Members with the caller role"), "pbc:mode:callers")],
                                                               [(_("Any member who volunteers"), "pbc:mode:volunteers")]]))
    return MODE


async def got_mode(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    member, _ = await member_and_translator(update, context)
    data = draft(context)
    data["mode"] = query.data.rsplit(":", 1)[1]
    await query.answer()
    await query.edit_message_reply_markup(None)
    from handlers.broadcast import describe

    audience = bc.Audience.from_json(data["audience"])
    lines = [_("New phone round:"), f"📞 {data['name']}", f"🎯 {data['purpose']}",
             "👥 " + describe(audience, member.language),
             "🗣 " + ", ".join(LANGUAGE_NAMES[c] for c in data["scripts"]),
             "🚪 " + (_("Signs people up for round #{number}").format(number=data["round"]) if data.get("round") else _("No linked round")),
             "☎️ " + (_("Members with the caller role") if data["mode"] == "callers" else _("Any member who volunteers"))]
    await reply(update, "\n".join(lines), reply_markup=inline([[(_("✅ Start the phone round"), "pbc:create"), (_("Cancel"), "pbc:cancel")]]))
    return CONFIRM


async def create(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and context.user_data is not None
    member, _ = await member_and_translator(update, context)
    data = context.user_data.pop(DRAFT, {})
    runtime = runtime_of(context)
    await query.answer()
    await query.edit_message_reply_markup(None)
    async with runtime.db.session() as session:
        campaign, targets = await pb.create_campaign(
            session, name=data["name"], purpose=data.get("purpose", ""), scripts=data["scripts"],
            audience=bc.Audience.from_json(data["audience"]), now=runtime.now(), round_id=data.get("round"),
            mode=data["mode"], exclude_days=runtime.settings.call_exclude_days, created_by=member.id)
    await reply(update, _("The phone round “{name}” has started with {count} people to call. Callers find it under /ringerunde.").format(
        name=campaign.name, count=targets))
    return ConversationHandler.END


@requires_role("board")
async def change_status(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    member, _ = await member_and_translator(update, context)
    _prefix, action, campaign_id = query.data.split(":")
    status = {"pause": pb.PAUSED, "resume": pb.ACTIVE, "close": pb.CLOSED}[action]
    try:
        async with runtime_of(context).db.session() as session:
            campaign = await pb.set_status(session, int(campaign_id), status)
    except (NotFound, pb.CampaignError):
        await query.answer(_("That phone round is closed."), show_alert=True)
        return
    await query.answer()
    text = {pb.PAUSED: _("“{name}” is paused."), pb.ACTIVE: _("“{name}” is running again."), pb.CLOSED: _("“{name}” is closed.")}[status]
    await reply(update, text.format(name=campaign.name))


@requires_role("board")
async def show_progress(update: Update, context: Context) -> None:
    """Targets total / reached / signed up / not reached / wrong number / do-not-call, and per caller."""
    query = update.callback_query
    assert query is not None and query.data is not None
    member, _ = await member_and_translator(update, context)
    campaign_id = int(query.data.rsplit(":", 1)[1])
    async with runtime_of(context).db.session() as session:
        try:
            campaign = await pb.get_campaign(session, campaign_id)
        except NotFound:
            await query.answer(_("That phone round does not exist (any more)."), show_alert=True)
            return
        figures = await pb.progress(session, campaign_id)
    await query.answer()
    lines = [
        f"📊 {campaign.name}",
        _("People to call: {count}").format(count=figures.total),
        _("Reached: {count}").format(count=figures.reached),
        _("Signed up: {count}").format(count=figures.signed_up),
        _("Will phone others: {count}").format(count=figures.will_call),
        _("Not reached: {count}").format(count=figures.not_reached),
        _("Wrong number: {count}").format(count=figures.wrong_number),
        _("Do not call: {count}").format(count=figures.do_not_call),
        _("Still to call: {count}").format(count=figures.open),
        "",
        _("Calls per caller:"),
    ]
    lines += [f"• {name}: {count}" for name, count in figures.per_caller.items()] or ["–"]
    await reply(update, "\n".join(lines))
    await update.effective_chat.send_photo(chart(figures, member.language, campaign.name))  # type: ignore[union-attr]


def chart(figures: pb.Progress, lang: str, name: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _ = translator(lang)
    labels = [_("Signed up"), _("Reached"), _("Not reached"), _("Wrong number"), _("Do not call"), _("Still to call")]
    values = [figures.signed_up, figures.reached, figures.not_reached, figures.wrong_number, figures.do_not_call, figures.open]
    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    ax.barh(labels[::-1], values[::-1], color="#c8102e")
    ax.set_title(name)
    ax.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


cancel = cancel_conversation(N_("Cancelled. Nothing was changed."), DRAFT)


def register(application: Application) -> None:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(ConversationHandler(
        entry_points=[CommandHandler(["nyringerunde", "newcalls"], new_campaign, filters.ChatType.PRIVATE),
                      CallbackQueryHandler(new_campaign, pattern=r"^pbb:new$")],
        states={
            NAME: [MessageHandler(text, got_name)],
            PURPOSE: [MessageHandler(text, got_purpose)],
            SCRIPT: [MessageHandler(text, got_script)],
            MORE_SCRIPTS: [CallbackQueryHandler(script_language, pattern=rf"^pbc:lang:({'|'.join(LANGUAGES)}|done)$"),
                           MessageHandler(text, buttons_expected)],
            AUDIENCE: [CallbackQueryHandler(audience_done, pattern=r"^pbc:audience:done$"),
                       CallbackQueryHandler(audience_button, pattern=rf"^pbc:(all|d:({'|'.join(DISTRICTS)})|i:({'|'.join(INTERESTS)}))$"),
                       MessageHandler(text, buttons_expected)],
            ROUND: [CallbackQueryHandler(got_round, pattern=r"^pbc:round:\d{1,9}$"), MessageHandler(text, buttons_expected)],
            MODE: [CallbackQueryHandler(got_mode, pattern=r"^pbc:mode:(callers|volunteers)$"), MessageHandler(text, buttons_expected)],
            CONFIRM: [CallbackQueryHandler(create, pattern=r"^pbc:create$"), MessageHandler(text, buttons_expected)],
        },
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel), CallbackQueryHandler(cancel, pattern=r"^pbc:cancel$")],
        name="campaign_create", persistent=True, allow_reentry=True,
    ))
    application.add_handler(CallbackQueryHandler(change_status, pattern=r"^pbb:(pause|resume|close):\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(show_progress, pattern=r"^pbb:progress:\d{1,9}$"))
