"""/ringerunde: callers take the next person to call, see the script, and record the outcome.
(Holds that run out are returned to the queue by bot/upkeep/calls.py.)"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot import call_messages, event_messages, round_messages
from bot.callbacks import Id, callback
from bot.commands import names
from bot.i18n import N_, fmt_day, ngettext_for, translator
from bot.member_buttons import CallStep
from bot.survey_buttons import CallSurvey
from handlers.call_notes import JUST_RECORDED, NOTE_TEXT, CallNote, ask_note, note_after_outcome, note_text, remember_for_note
from handlers.common import (
    DISTRICT_LABELS,
    INTEREST_LABELS,
    Context,
    MenuItem,
    add_menu,
    answer_alert,
    cancel_conversation,
    features,
    inline,
    onboarded,
    one_of,
    pressed,
    reply,
    role_refusal,
)
from handlers.flows import Flow
from handlers.phonebank_board import CampaignAction, NewCampaign
from handlers.presses import Press
from handlers.questions import refuse_time
from models import events as ev
from models import membership
from models import phonebank as pb
from models import rounds as rd
from models.constants import OSLO
from models.errors import NotFound
from models.member import Member
from models.phone import display_phone
from models.timeparse import BadTime, read_end

CALLBACK_TIME = 0
DAYTIME = (time(8, 0), time(21, 0))  # a call-back outside these hours (Oslo) is questioned once
HOLD = timedelta(minutes=30)
OUTCOME_LABELS: dict[str, str] = {
    "signed_up": N_("✅ Signed up"),
    "not_now": N_("🙂 Not now"),
    "will_call": N_("📞 Will phone others too"),
    "no_answer": N_("🔕 No answer"),
    "left_message": N_("💬 Left a message"),
    "call_back": N_("⏰ Call back at…"),
    "wrong_number": N_("❌ Wrong number"),
    "do_not_call": N_("⛔ Do not call again"),
}
CODES = {"su": "signed_up", "nn": "not_now", "wc": "will_call", "na": "no_answer", "lm": "left_message",
         "cb": "call_back", "wn": "wrong_number", "dn": "do_not_call"}
CALL_DRAFTS = ("callback_target", "note_target", "callback_night")
ALONE = frozenset({"not_now", "no_answer", "left_message", "wrong_number"})  # outcomes that change nothing but the call


@callback("pb.o")
class CallOutcome:
    target_id: Id
    code: Literal["su", "nn", "wc", "na", "lm", "cb", "wn", "dn"]


EMPTY_REASONS = {
    "all_done": N_("Everyone in this phone round has been called. Thank you!"),
    "cooling_down": N_("Nobody to call right now: the rest are waiting to be tried again later, at another time of day."),
    "being_called": N_("Nobody to call right now: the last ones on the list are being called by other callers. Try again in a little while."),
    "paused": N_("This phone round is paused by the board."),
    "closed": N_("This phone round is closed."),
    "over": call_messages.CLOSED_BEGUN,
    "cancelled": call_messages.CLOSED_CANCELLED,
    "only_you": N_("Nobody else to call right now: the only one left on this phone round's list is you. Thank you for calling!"),
}




def script_for(campaign: pb.Campaign | pb.CampaignView, lang: str, name: str | None = None) -> str:
    """The script in the caller's language, with {navn} ({name}) as the first name of the person called."""
    scripts = campaign.scripts or {}
    script = scripts.get(lang) or scripts.get("nb") or next(iter(scripts.values()), "")
    first = ((name or "").split() or [""])[0]
    return script.replace("{navn}", first).replace("{name}", first) if first else script


def card(held: pb.Card, last_active: str, lang: str) -> str:
    _ = translator(lang)
    interests = ", ".join(_(INTEREST_LABELS[i]) for i in sorted(held.interests)) or _("no interests given")
    district = _(DISTRICT_LABELS[held.district]) if held.district else _("not chosen")
    lines = [
        f"📞 {held.campaign.name}",
        "",
        f"👤 {held.name or '?'}",
        f"☎️ {display_phone(held.phone or '')}" + (" ✅ " + _("confirmed by the member in Telegram") if held.confirmed else ""),
        f"🏘 {district} · {interests}",
        "🕓 " + _("Last activity: {when}").format(when=last_active),
    ]
    if held.attempts:
        ngettext = ngettext_for(lang)
        lines.append(ngettext("Tried {count} time before.", "Tried {count} times before.", held.attempts).format(
            count=held.attempts))
    if held.callback_at is not None:
        lines.append("⏰ " + _("Agreed to call back {when}.").format(when=call_messages.when_text(held.callback_at, lang)))
    lines += ["", _("Script:"), script_for(held.campaign, lang, held.name)]
    return "\n".join(lines)


def outcome_keyboard(campaign: pb.CampaignView, target_id: int, lang: str) -> InlineKeyboardMarkup:
    _ = translator(lang)
    codes = [c for c in CODES if c != "su" or campaign.round_id is not None or campaign.event_id is not None]
    buttons = [(_(OUTCOME_LABELS[CODES[c]]), CallOutcome(target_id, c).pack()) for c in codes]  # type: ignore[arg-type]
    rows = [buttons[n : n + 2] for n in range(0, len(buttons), 2)]
    if campaign.survey_id is not None:  # the round carries a survey: filled in during the call (handlers/survey_answer.py)
        rows.insert(0, [(_("📋 Survey"), CallSurvey(target_id).pack())])
    return inline([*rows, [(_("⏸ Stop calling"), CallStep("stop", campaign.id).pack())]])


@onboarded
async def calls_menu(update: Update, context: Context) -> None:
    """The phone rounds this member may work on, and the board's controls."""
    member, _, runtime = context.known, context._, context.runtime
    admins = runtime.settings.lagbot_admins
    board = membership.has_role(member, "board", admins)
    async with runtime.db.session() as session:
        campaigns = await pb.open_campaigns(session)
        figures = {c.id: await pb.progress(session, c.id) for c in campaigns}
    mine = [c for c in campaigns if pb.may_call(member, c, admins) and (c.status == pb.ACTIVE or board)]
    if not mine and not board:
        await reply(update, _("There is no phone round you can call in right now. Ask the board if you'd like to help!"))
        return
    lines = [_("Phone rounds:")] if mine else [_("No phone rounds are running.")]
    rows: list[list[tuple[str, str]]] = []
    for campaign in mine:
        progress = figures[campaign.id]
        state = "" if campaign.status == pb.ACTIVE else " (" + _("paused") + ")"
        lines.append(_("• {name}{state}: {open} left to call of {total}").format(
            name=campaign.name, state=state, open=progress.open, total=progress.total))
        if campaign.status == pb.ACTIVE:
            rows.append([(_("📞 Next call: {name}").format(name=campaign.name[:30]), CallStep("next", campaign.id).pack())])
        if board:
            toggle = ((_("⏸ Pause"), CampaignAction("pause", campaign.id).pack()) if campaign.status == pb.ACTIVE
                      else (_("▶ Resume"), CampaignAction("resume", campaign.id).pack()))
            rows.append([(_("📊 Progress"), CampaignAction("progress", campaign.id).pack()), toggle,
                         (_("✖ Close"), CampaignAction("close", campaign.id).pack())])
    if board:
        rows.append([(_("➕ New phone round"), NewCampaign().pack())])
    await reply(update, "\n".join(lines), reply_markup=inline(rows))


@onboarded
async def next_call(update: Update, context: Context) -> None:
    """Hand this caller exactly one person, locked to them, with the script."""
    query, campaign_id = update.callback_query, pressed(update, CallStep).campaign_id
    assert query is not None
    member, _, runtime = context.known, context._, context.runtime
    if context.user_data is not None:  # text from now on is not a note on the call before
        context.user_data.pop(JUST_RECORDED, None)
    async with runtime.db.single() as session:
        # One statement in the usual case (its own transaction): the campaign's state and the caller's role are read with the claim.
        try:
            claim = await pb.claim_next(session, campaign_id, member.id, runtime.now(), HOLD, admins=runtime.settings.lagbot_admins)
        except NotFound:
            claim = None
    if claim is None:
        await query.answer(_("That phone round does not exist (any more)."), show_alert=True)
        return
    if claim.reason == "refused":
        await query.answer(role_refusal(context, "caller"), show_alert=True)
        return
    if claim.already_held and claim.card is not None and claim.card.card_message_id:
        # One call, one card: a second tap points to the card that has the number.
        await query.answer(_("You have a call open already — its card is above. Record how it went there first."),
                           show_alert=True)
        return
    await query.answer()
    held = claim.card
    if held is None:
        await reply(update, _(EMPTY_REASONS[claim.reason or "all_done"]).format(title=claim.about or "?"))
        return
    last_active = fmt_day(held.last_active_at, runtime.now(), member.language) if held.last_active_at else _("none recorded")
    sent = await update.effective_chat.send_message(  # type: ignore[union-attr]
        card(held, last_active, member.language), reply_markup=outcome_keyboard(held.campaign, held.target_id, member.language))
    async with runtime.db.single() as session:  # one statement that stands alone: no BEGIN and COMMIT around it
        await pb.set_card(session, held.target_id, sent.message_id)


def redacted(name: str, label: str, lang: str) -> str:
    _ = translator(lang)
    return _("{name} — {outcome}. Thank you!").format(name=name, outcome=label)


async def apply_outcome(update: Update, context: Context, target_id: int, outcome: str, callback_at: datetime | None = None) -> bool:
    """Record the outcome and its consequences; edit the card so the number is gone."""
    member, _, runtime = context.known, context._, context.runtime
    now = runtime.now()
    # An outcome with nothing to follow is one statement, its own transaction; the others write more with it.
    async with (runtime.db.single() if outcome in ALONE else runtime.db.session()) as session:
        # The role is read again in the statement that records: a caller removed mid-call stops here.
        try:
            done = await pb.record(session, target_id, member.id, outcome, now, cooldown=timedelta(hours=runtime.settings.call_cooldown_hours),
                                   tz=OSLO, callback_at=callback_at, admins=runtime.settings.lagbot_admins)
        except pb.NotAllowed:
            await pb.release(session, member.id)
            await reply(update, role_refusal(context, "caller"))
            return False
        except pb.NotHolding:
            await answer_alert(update, _("You no longer hold this call — it may have gone back to the queue."))
            return False
        person = await session.get(Member, done.member_id) if outcome in ("signed_up", "will_call") else None
        too_late, waiting, leads = False, 0, False
        if outcome == "signed_up" and done.round_id is not None and person is not None:
            try:
                position = await sign_up_for_round(session, done.round_id, person, now)
            except rd.LeadsRound:  # they lead a team of it: no seat for them, nothing else changes
                position, leads = 0, True
            too_late, waiting = position is None, position or 0
        if outcome == "signed_up" and done.event_id is not None and person is not None:
            position = await sign_up_for_event(session, done.event_id, person, now)
            too_late, waiting = position is None, position or 0
        if outcome == "will_call" and person is not None:
            await membership.grant_role(session, person, "caller")
            if person.telegram_id and person.onboarded_at:
                await call_messages.caller_invitation(session, person, now)
        if outcome == "call_back":
            await call_messages.call_back_reminder(session, member, target_id, done.campaign_id, done.name or "?", callback_at)
    label = _(OUTCOME_LABELS[outcome])
    if waiting:  # the linked round or event is full: a place on its waiting list, not a seat
        label = _("⏳ On the waiting list, number {number}").format(number=waiting)
    if done.confirmed_number:
        label = _("the number is confirmed by the member in Telegram, so it stays in the register; recorded as not answered, "
                  "to be tried again later. Check that you dialled it right")
    if outcome == "call_back":  # the button's "…" stands for the time, given now
        label = label.rstrip("… ") + " " + call_messages.when_text(callback_at, member.language)
    text = redacted(done.name or "?", label, member.language)
    if too_late:
        text += "\n" + _("The round or event this phone round is for is over or cancelled, so nobody was signed up.")
    if leads:
        text += "\n" + _("{name} leads a team on the round this phone round is for, so they were not given a seat in it.").format(
            name=done.name or "?")
    keyboard = inline([[(_("📞 Next call"), CallStep("next", done.campaign_id).pack()), (_("📝 Add a note"), CallNote(target_id).pack())],
                       [(_("⏸ Stop calling"), CallStep("stop", done.campaign_id).pack())]])
    if done.card_message_id and update.effective_chat is not None:
        try:
            await context.bot.edit_message_text(text, chat_id=update.effective_chat.id, message_id=done.card_message_id,
                                                reply_markup=keyboard)
            return True
        except TelegramError:
            pass
    await reply(update, text, reply_markup=keyboard)
    return True


async def sign_up_for_round(session: AsyncSession, round_id: int, person: Member, now: datetime) -> int | None:
    """"Signed up" on a phone round linked to a door-knocking round: a seat or a place on its waiting
    list (returned; 0: a seat), reminders, and a notice. None when the round is over or cancelled;
    rd.LeadsRound when the person leads one of its teams."""
    try:
        signed = await rd.sign_up(session, round_id, person.id, now)
    except rd.AlreadySignedUp:  # signed up before the call: their place as it is
        signup = await rd.signup_of(session, round_id, person.id)
        return await rd.waiting_position(session, signup) if signup is not None and signup.status == rd.WAITING else 0
    except (rd.RoundClosed, NotFound):
        return None
    if person.telegram_id and person.onboarded_at:
        await call_messages.signed_up_by_phone(session, person, signed.round.title,
                                               round_messages.when(signed.round, person.language), now, signed.round.id)
        if signed.position == 0:
            view = await rd.view(session, signed.round)
            await round_messages.schedule_for_member(session, signed.round, person, view.leaders, now)
    return signed.position


async def sign_up_for_event(session: AsyncSession, event_id: int, person: Member, now: datetime) -> int | None:
    """"Coming" on a phone round linked to an event: yes to it for the person, reminders, and a notice.
    The place on the waiting list (0: a seat); None when the event is over or cancelled."""
    try:
        answered = await ev.answer(session, event_id, person.id, "yes", now)
    except (ev.EventClosed, NotFound):
        return None
    if answered.promoted is not None:
        await event_messages.promoted(session, answered.event, answered.promoted, now)
    if person.telegram_id and person.onboarded_at:
        if answered.position == 0:
            await event_messages.schedule_for_member(session, answered.event, person, now)
        await call_messages.signed_up_for_event_by_phone(session, person, event_id, now)
    return answered.position


@onboarded
async def outcome_pressed(update: Update, context: Context) -> int | None:
    query, press = update.callback_query, pressed(update, CallOutcome)
    assert query is not None
    outcome = CODES[press.code]
    if outcome == "call_back":
        assert context.user_data is not None
        _ = context._
        async with context.runtime.db.session() as session:
            target = await pb.held_by(session, press.target_id)
        if target is None or target.held_by != context.known.id or target.status != pb.HELD:
            await query.answer(_("You no longer hold this call — it may have gone back to the queue."), show_alert=True)
            return Flow.END
        context.user_data["callback_target"] = press.target_id
        await query.answer()
        await reply(update, _("When should they be called back? Write a time, for example 18:30 or {day} 18:30.").format(
            day=example_day(context.runtime.now())))
        return CALLBACK_TIME
    await query.answer()
    if await apply_outcome(update, context, press.target_id, outcome):
        remember_for_note(context, press.target_id)
    return Flow.END


def example_day(now: datetime) -> str:
    """Tomorrow as a call-back's example date ("29.11"): an example that is always a day to come."""
    return (now.astimezone(OSLO) + timedelta(days=1)).strftime("%d.%m")


@onboarded
async def callback_time(update: Update, context: Context) -> int:
    """"18:30" is the next such time; a date and time is that moment (Oslo)."""
    assert update.message is not None and context.user_data is not None
    _, now = context._, context.runtime.now()
    text = (update.message.text or "").strip()
    try:
        moment = read_end(text, now, now)
        if moment.at <= now and len(text) <= 5:
            moment = read_end(text, now + timedelta(days=1), now)
    except BadTime as error:
        await refuse_time(update, context, error, N_("I could not read that time. Write it like 18:30 or {day} 18:30."),
                          day=example_day(now))
        return CALLBACK_TIME
    if moment.at <= now:
        await reply(update, _("That time has passed. Choose a time in the future."))
        return CALLBACK_TIME
    if not (DAYTIME[0] <= moment.at.astimezone(OSLO).time() < DAYTIME[1]) and context.user_data.get("callback_night") != moment.at.isoformat():
        # A call-back at night is most likely a typo ("03:00" for "15:00"): ask once; the same time again confirms it.
        context.user_data["callback_night"] = moment.at.isoformat()
        await reply(update, _("{when} is at night. Is that right? Send the same time again to keep it, or write another time.").format(
            when=call_messages.when_text(moment.at, context.lang)))
        return CALLBACK_TIME
    context.user_data.pop("callback_night", None)
    target_id = context.user_data.pop("callback_target")
    if await apply_outcome(update, context, target_id, "call_back", callback_at=moment.at):
        remember_for_note(context, target_id)
    return Flow.END


@onboarded
async def stop_calling(update: Update, context: Context) -> None:
    """The caller stops; what they hold goes back to the queue and its number disappears."""
    query, campaign_id = update.callback_query, pressed(update, CallStep).campaign_id
    assert query is not None
    _ = context._
    async with context.runtime.db.session() as session:
        released = await pb.release(session, context.known.id, campaign_id)
    await query.answer()
    for target in released:
        if target.card_message_id:
            try:
                await context.bot.edit_message_text(_("Back in the queue."), chat_id=update.effective_chat.id,  # type: ignore[union-attr]
                                                    message_id=target.card_message_id)
            except TelegramError:
                pass
    await reply(update, _("Thank you for calling! Come back any time with /ringerunde."))


cancel_input = cancel_conversation(N_("OK, nothing was stored."), *CALL_DRAFTS)


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(CommandHandler(names("ringerunde", "calls"), calls_menu, private))
    application.add_handler(MessageHandler(private & filters.Regex(add_menu(application, MenuItem("calls", N_("📞 Phone round"), 30, role="caller"))), calls_menu))
    application.add_handler(Flow(
        application, "calls", title=N_("recording a call"), drafts=CALL_DRAFTS,
        entry_points=[Press(outcome_pressed, pattern=CallOutcome.filter()),
                      Press(ask_note, pattern=CallNote.filter())],
        states={CALLBACK_TIME: [MessageHandler(text, callback_time)], NOTE_TEXT: [MessageHandler(text, note_text)]},
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel_input)],
    ))
    features(application).free_text.append(note_after_outcome)
    application.add_handler(Press(next_call, pattern=one_of(CallStep, step=["next"])))
    application.add_handler(Press(stop_calling, pattern=one_of(CallStep, step=["stop"])))
