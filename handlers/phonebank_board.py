"""The board's side of phone rounds: create a campaign, pause, resume, close, and follow progress."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.callbacks import Id, callback
from bot.commands import names
from bot.i18n import LANGUAGES, N_, fmt_date, translator
from bot.reports import calls as report
from bot.round_messages import when
from handlers.broadcast_audience import describe
from handlers.common import (
    DISTRICT_LABELS,
    INTEREST_LABELS,
    LANGUAGE_NAMES,
    LANGUAGE_WORDS,
    Context,
    acting,
    buttons_expected,
    cancel_conversation,
    flow_step,
    inline,
    new_draft,
    one_of,
    pressed,
    reply,
    requires_role,
    short,
)
from handlers.flows import Flow
from handlers.presses import Press
from models import broadcast as bc
from models import events as ev
from models import phonebank as pb
from models import rounds as rd
from models.errors import NotFound
from models.member import DISTRICTS, INTERESTS

NAME, PURPOSE, SCRIPT, MORE_SCRIPTS, AUDIENCE, ROUND, MODE, CONFIRM = range(20, 28)
DRAFT = "campaign_draft"


@callback("pbb")
class CampaignAction:
    """The board's controls on one running phone round."""

    action: Literal["pause", "resume", "close", "progress"]
    campaign_id: Id


@callback("pbb.new")
class NewCampaign:
    """Start creating a phone round (nothing to act on yet)."""


# The creation flow's steps; each carries the id of the draft it belongs to.
@callback("pbc.lang")
class ScriptLanguage:
    draft_id: Id
    code: Literal["nb", "nn", "en", "done"]


@callback("pbc.aud")
class AudienceToggle:
    draft_id: Id
    section: Literal["d", "i"]
    code: str


@callback("pbc.all")
class AudienceEveryone:
    draft_id: Id


@callback("pbc.next")
class AudienceDone:
    draft_id: Id


@callback("pbc.round")
class LinkRound:
    draft_id: Id
    round_id: Id | None


@callback("pbc.event")
class LinkEvent:
    """Link an event instead: "coming" answers yes to it for the person called."""

    draft_id: Id
    event_id: Id


@callback("pbc.mode")
class CallerMode:
    draft_id: Id
    mode: Literal["callers", "volunteers"]


@callback("pbc.create")
class CreateCampaign:
    draft_id: Id


@callback("pbc.cancel")
class CancelCampaign:
    draft_id: Id


def draft(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data.setdefault(DRAFT, {})


@requires_role("board")
async def new_campaign(update: Update, context: Context) -> int | None:
    """Start a phone round: name, purpose, script, audience, linked round, who may call."""
    # An audience chosen from a survey's answers (/undersokelse) is where the picker starts.
    new_draft(context, DRAFT, scripts={}, audience=(context.user_data or {}).pop("audience_preset", None) or {})
    if update.callback_query is not None:
        await update.callback_query.answer()
    await reply(update, context._("New phone round. What is it called? (/avbryt to stop)"))
    return NAME


async def got_name(update: Update, context: Context) -> int:
    _ = context._
    name = (update.message.text or "").strip()  # type: ignore[union-attr]
    if not 3 <= len(name) <= 200:
        await reply(update, _("The title must be between 3 and 200 characters. Try again."))
        return NAME
    draft(context)["name"] = name
    await reply(update, _("What is the purpose, in a sentence? (shown to the board)"))
    return PURPOSE


async def got_purpose(update: Update, context: Context) -> int:
    draft(context)["purpose"] = (update.message.text or "").strip()[:1000]  # type: ignore[union-attr]
    draft(context)["script_lang"] = context.lang
    await reply(update, context._("Write the script callers will see, in {language}.").format(
        language=context._(LANGUAGE_WORDS[context.lang])))
    return SCRIPT


async def got_script(update: Update, context: Context) -> int:
    data = draft(context)
    text = (update.message.text or "").strip()  # type: ignore[union-attr]
    if not 10 <= len(text) <= 3000:
        await reply(update, context._("The script must be between 10 and 3000 characters."))
        return SCRIPT
    data["scripts"][data["script_lang"]] = text
    _ = context._
    missing = [code for code in LANGUAGES if code not in data["scripts"]]
    rows = [[(_("Add the script in {language}").format(language=_(LANGUAGE_WORDS[code])), ScriptLanguage(data["id"], code).pack())
             for code in missing]]  # type: ignore[arg-type]
    rows.append([(_("Continue"), ScriptLanguage(data["id"], "done").pack())])
    await reply(update, _("Callers see the script in their own language when there is one."), reply_markup=inline(rows))
    return MORE_SCRIPTS


async def script_language(update: Update, context: Context) -> int | None:
    if (step := await flow_step(update, context, ScriptLanguage, DRAFT)) is None:
        return None
    press, data = step
    if press.code != "done":
        data["script_lang"] = press.code
        await reply(update, context._("Write the script callers will see, in {language}.").format(
            language=context._(LANGUAGE_WORDS[press.code])))
        return SCRIPT
    text, keyboard = audience_view(data, context.lang)
    await reply(update, text, reply_markup=keyboard)
    return AUDIENCE


def audience_view(data: dict[str, Any], lang: str) -> tuple[str, InlineKeyboardMarkup]:
    _ = translator(lang)
    audience = bc.Audience.from_json(data["audience"])
    draft_id = data["id"]
    text = _("Who should be called?\nAudience: {audience}").format(audience=describe(audience, lang))
    districts = [(("✅ " if d in audience.districts else "") + _(DISTRICT_LABELS[d]), AudienceToggle(draft_id, "d", d).pack())
                 for d in DISTRICTS]
    interests = [(("✅ " if i in audience.interests else "") + _(INTEREST_LABELS[i]), AudienceToggle(draft_id, "i", i).pack())
                 for i in INTERESTS]
    rows = [districts[0:3], districts[3:], interests[0:2], interests[2:4], interests[4:6], interests[6:],
            [(_("Everyone"), AudienceEveryone(draft_id).pack()), (_("Continue"), AudienceDone(draft_id).pack())]]
    return text, inline(rows)


def _audience_choice(data: object) -> bool:
    try:
        press = AudienceToggle.parse(data)
    except ValueError:
        return False
    return press.code in (DISTRICTS if press.section == "d" else INTERESTS)


async def audience_button(update: Update, context: Context) -> int | None:
    query = update.callback_query
    assert query is not None
    family = AudienceToggle if AudienceToggle.matches(query.data) else AudienceEveryone
    if (step := await flow_step(update, context, family, DRAFT, close=False)) is None:
        return None
    press, data = step
    audience = bc.Audience.from_json(data["audience"])
    if isinstance(press, AudienceEveryone):
        audience = bc.Audience()
    else:
        values = audience.districts if press.section == "d" else audience.interests
        values.remove(press.code) if press.code in values else values.append(press.code)
    data["audience"] = audience.to_json()
    text, keyboard = audience_view(data, context.lang)
    await query.edit_message_text(text, reply_markup=keyboard)
    return AUDIENCE


async def audience_done(update: Update, context: Context) -> int | None:
    if (step := await flow_step(update, context, AudienceDone, DRAFT)) is None:
        return None
    data, runtime, _ = step[1], context.runtime, context._
    async with runtime.db.session() as session:
        rounds = await rd.upcoming(session, runtime.now(), limit=6)
        events = await ev.upcoming(session, runtime.now(), limit=6)
    rows = [[(f"🚪 {short(v.round.title, 28)} · {fmt_date(v.round.starts_at, context.lang)}", LinkRound(data["id"], v.round.id).pack())]
            for v in rounds]
    rows += [[(f"📅 {short(v.event.title, 28)} · {fmt_date(v.event.starts_at, context.lang)}", LinkEvent(data["id"], v.event.id).pack())]
             for v in events]
    rows.append([(_("Nothing linked"), LinkRound(data["id"], None).pack())])
    await reply(update, _("Should callers sign people up for a door-knocking round or an event?"), reply_markup=inline(rows))
    return ROUND


async def got_round(update: Update, context: Context) -> int | None:
    query = update.callback_query
    assert query is not None
    family = LinkEvent if LinkEvent.matches(query.data) else LinkRound
    if (step := await flow_step(update, context, family, DRAFT)) is None:
        return None
    (press, data), _ = step, context._
    data["round"] = getattr(press, "round_id", None)
    data["event"] = getattr(press, "event_id", None)
    await reply(update, _("Who may call?"), reply_markup=inline([
        [(_("Members with the caller role"), CallerMode(data["id"], "callers").pack())],
        [(_("Any member who volunteers"), CallerMode(data["id"], "volunteers").pack())]]))
    return MODE


async def got_mode(update: Update, context: Context) -> int | None:
    if (step := await flow_step(update, context, CallerMode, DRAFT)) is None:
        return None
    (press, data), _ = step, context._
    data["mode"] = press.mode
    audience = bc.Audience.from_json(data["audience"])
    runtime = context.runtime
    async with runtime.db.session() as session:
        linked = await linked_line(session, data, context)
        count = await pb.count_targets(session, audience, runtime.now(), exclude_days=runtime.settings.call_exclude_days,
                                       round_id=data.get("round"), event_id=data.get("event"))
    lines = [_("New phone round:"), f"📞 {data['name']}", f"🎯 {data['purpose']}",
             "👥 " + describe(audience, context.lang),
             "☎️ " + context.ngettext("{count} person to call", "{count} people to call", count).format(count=count),
             "🗣 " + ", ".join(LANGUAGE_NAMES[c] for c in data["scripts"]),
             linked,
             "🙋 " + (_("Members with the caller role") if data["mode"] == "callers" else _("Any member who volunteers"))]
    await reply(update, "\n".join(lines), reply_markup=inline([[(_("✅ Start the phone round"), CreateCampaign(data["id"]).pack()),
                                                                (_("Cancel"), CancelCampaign(data["id"]).pack())]]))
    return CONFIRM


async def linked_line(session: AsyncSession, data: dict[str, Any], context: Context) -> str:
    """What "signed up" means in this phone round, by title and time."""
    _ = context._
    try:
        if data.get("round"):
            round_ = await rd.get_round(session, data["round"])
            line = "🚪 " + _("Signs people up for “{title}”, {when}").format(title=round_.title, when=when(round_, context.lang))
            return line + full_warning(round_.capacity, (await rd.counts(session, [round_.id]))[round_.id], context)
        if data.get("event"):
            event = await ev.get_event(session, data["event"])
            line = "📅 " + _("Signs people up for “{title}”, {when}").format(title=event.title, when=when(event, context.lang))
            yes, _maybe, waiting = (await ev.counts(session, [event.id]))[event.id]
            return line + full_warning(event.capacity, (yes, waiting), context)
    except NotFound:
        pass
    return "🚪 " + _("Nothing linked")


def full_warning(capacity: int | None, seats: tuple[int, int], context: Context) -> str:
    """A warning when the linked round or event has no seat left: "signed up" then means its waiting list."""
    taken, waiting = seats
    if capacity is None or taken < capacity:
        return ""
    return "\n⚠️ " + context._("It is full ({taken} of {capacity} places, {waiting} on the waiting list): people signed up "
                               "now get a place on the waiting list.").format(taken=taken, capacity=capacity, waiting=waiting)


async def create(update: Update, context: Context) -> int | None:
    if (step := await flow_step(update, context, CreateCampaign, DRAFT)) is None:
        return None
    data, runtime = step[1], context.runtime
    assert context.user_data is not None
    context.user_data.pop(DRAFT, None)
    async with runtime.db.session() as session:
        if await acting(update, context, session, "board", answered=True) is None:
            return Flow.END
        campaign, targets = await pb.create_campaign(
            session, name=data["name"], purpose=data.get("purpose", ""), scripts=data["scripts"],
            audience=bc.Audience.from_json(data["audience"]), now=runtime.now(), round_id=data.get("round"), event_id=data.get("event"),
            mode=data["mode"], exclude_days=runtime.settings.call_exclude_days, created_by=context.known.id)
    started = context.ngettext(
        "The phone round “{name}” has started with {count} person to call. Callers find it under /ringerunde.",
        "The phone round “{name}” has started with {count} people to call. Callers find it under /ringerunde.", targets)
    await reply(update, started.format(name=campaign.name, count=targets))
    return Flow.END


@requires_role("board")
async def change_status(update: Update, context: Context) -> None:
    query, press = update.callback_query, pressed(update, CampaignAction)
    assert query is not None
    _ = context._
    status = {"pause": pb.PAUSED, "resume": pb.ACTIVE, "close": pb.CLOSED}[press.action]
    try:
        async with context.runtime.db.session() as session:
            if await acting(update, context, session, "board") is None:
                return
            campaign = await pb.set_status(session, press.campaign_id, status)
    except (NotFound, pb.CampaignError):
        await query.answer(_("That phone round is closed."), show_alert=True)
        return
    await query.answer()
    text = {pb.PAUSED: _("“{name}” is paused."), pb.ACTIVE: _("“{name}” is running again."), pb.CLOSED: _("“{name}” is closed.")}[status]
    await reply(update, text.format(name=campaign.name))


@requires_role("board")
async def show_progress(update: Update, context: Context) -> None:
    """The round's figures and chart (bot/reports/calls.py)."""
    query, press = update.callback_query, pressed(update, CampaignAction)
    assert query is not None
    async with context.runtime.db.session() as session:
        try:
            campaign = await pb.get_campaign(session, press.campaign_id)
        except NotFound:
            await query.answer(context._("That phone round does not exist (any more)."), show_alert=True)
            return
        figures = await pb.progress(session, press.campaign_id)
    await query.answer()
    await reply(update, report.text(figures, context.lang, campaign.name))
    await update.effective_chat.send_photo(report.chart(figures, context.lang, campaign.name))  # type: ignore[union-attr]


cancel = cancel_conversation(N_("Cancelled. Nothing was changed."), DRAFT)


def register(application: Application) -> None:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND

    def step(callback: Any, pattern: Any) -> list[Any]:
        return [Press(callback, pattern=pattern), MessageHandler(text, buttons_expected)]

    application.add_handler(Flow(
        application, "campaign_create", title=N_("creating a phone round"), role="board", drafts=(DRAFT,),
        entry_points=[CommandHandler(names("nyringerunde", "newcalls"), new_campaign, filters.ChatType.PRIVATE),
                      Press(new_campaign, pattern=NewCampaign.filter())],
        states={
            NAME: [MessageHandler(text, got_name)],
            PURPOSE: [MessageHandler(text, got_purpose)],
            SCRIPT: [MessageHandler(text, got_script)],
            MORE_SCRIPTS: step(script_language, ScriptLanguage.filter()),
            AUDIENCE: [Press(audience_done, pattern=AudienceDone.filter()),
                       Press(audience_button, pattern=AudienceEveryone.filter()),
                       *step(audience_button, _audience_choice)],
            ROUND: [Press(got_round, pattern=LinkRound.filter()), Press(got_round, pattern=LinkEvent.filter()),
                    MessageHandler(text, buttons_expected)],
            MODE: step(got_mode, CallerMode.filter()),
            CONFIRM: step(create, CreateCampaign.filter()),
        },
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel), Press(cancel, pattern=CancelCampaign.filter())],
    ))
    application.add_handler(Press(change_status, pattern=one_of(CampaignAction, action=["pause", "resume", "close"])))
    application.add_handler(Press(show_progress, pattern=one_of(CampaignAction, action=["progress"])))
