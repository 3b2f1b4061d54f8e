"""Answering a survey in the chat, one question at a time with buttons: a member their own (from the
invitation or /undersokelse), or a caller for the person on the call card. Where a response stands is
in the database, so it resumes after a restart or a closed conversation; answers can be changed
until the survey closes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.i18n import N_, translator
from bot.survey_buttons import CallSurvey, GoOn, OpenSurvey, PickOption
from bot.survey_messages import kind_note, words
from handlers.common import DISTRICT_LABELS, Context, answer_alert, cancel_conversation, inline, onboarded, pressed, reply
from handlers.flows import Flow
from handlers.presses import Press
from handlers.questions import too_long
from models import phonebank as pb
from models import surveys as sv
from models.errors import NotAllowed, NotFound

ANSWERING = 0
RESPONSE_KEY = "survey_response"  # user_data: the response this chat is answering (its place is in the database)

REFUSALS = {
    sv.SurveyClosed: N_("This survey is closed. Answers can no longer be given or changed."),
    sv.NotForCallers: N_("This survey is anonymous, so a caller cannot fill it in."),
    sv.NotInvited: N_("This survey was not sent to you."),
    pb.NotHolding: N_("You no longer hold this call — it may have gone back to the queue."),
}


def label_of(step: sv.Step, question: sv.SurveyQuestion, code: str, lang: str) -> str:
    _ = translator(lang)
    if question.kind == sv.DISTRICT:
        return _(DISTRICT_LABELS[code]) if code in DISTRICT_LABELS else code
    label = next((o["label"] for o in question.options or [] if o["key"] == code), code)
    return words(step.survey, label, lang)


def question_view(step: sv.Step, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    _ = translator(lang)
    question = step.question
    assert question is not None
    position, total, rid = step.response.position, len(step.questions), step.response.id
    lines = [_("📋 {title} — question {number} of {total}").format(title=words(step.survey, step.survey.title, lang),
                                                                    number=position + 1, total=total)]
    if step.callee is not None:
        lines.append(_("Filling in for {name}, during the call.").format(name=step.callee.name or "?"))
    elif position == 0:
        lines.append(kind_note(step.survey, lang))
    lines += ["", words(step.survey, question.text, lang)]
    chosen = {a.option for a in step.answers.get(question.id, [])}
    rows: list[list[tuple[str, str]]] = []
    if question.kind == sv.FREE_TEXT:
        written = next((a.text for a in step.answers.get(question.id, []) if a.text), None)
        if written:
            lines += ["", _("Your answer now: {text}").format(text=written[:500])]
        lines.append(_("Write the answer (at most {limit} characters).").format(limit=sv.MAX_ANSWER))
        rows.append([(_("Keep this answer ▸") if written else _("Skip ▸"), GoOn(rid, position, True).pack())])
    else:
        for index, code in enumerate(sv.options_of(question)):
            mark = ("✅ " if code in chosen else "▫️ ") if question.kind == sv.MULTI else ("✅ " if code in chosen else "")
            rows.append([(mark + label_of(step, question, code, lang), PickOption(rid, position, index).pack())])
        if question.kind == sv.MULTI:
            rows.append([(_("Done ▸"), GoOn(rid, position, True).pack())])
    if position > 0:
        rows.append([(_("◀ Back"), GoOn(rid, position, False).pack())])
    return "\n".join(lines), inline(rows)


def done_view(step: sv.Step, lang: str) -> tuple[str, InlineKeyboardMarkup | None]:
    _ = translator(lang)
    if step.callee is not None:
        return _("📋 Saved for {name}. Record how the call went on its card.").format(name=step.callee.name or "?"), None
    return (_("Thank you! Your answers are saved. You can change them until the survey closes."),
            inline([[(_("✏️ Change my answers"), OpenSurvey(step.survey.id, True).pack())]]))


async def show(update: Update, context: Context, step: sv.Step, *, edit: bool) -> int:
    """The question the response stands at (or the thank-you), editing the pressed message if asked."""
    assert context.user_data is not None
    text, keyboard = question_view(step, context.lang) if not step.done else done_view(step, context.lang)
    query = update.callback_query
    if edit and query is not None:
        try:
            await query.edit_message_text(text, reply_markup=keyboard)
        except TelegramError:
            await reply(update, text, reply_markup=keyboard)
    else:
        await reply(update, text, reply_markup=keyboard)
    if step.done or step.question is None or step.question.kind != sv.FREE_TEXT:
        # Buttons need no conversation: typed words ("stopp", "hjelp") keep their usual meaning.
        context.user_data.pop(RESPONSE_KEY, None)
        return Flow.END
    context.user_data[RESPONSE_KEY] = step.response.id
    return ANSWERING


async def refuse(update: Update, context: Context, error: Exception) -> int:
    message = next((text for kind, text in REFUSALS.items() if isinstance(error, kind)),
                   N_("This button is no longer valid. Send /start to see the menu."))
    await answer_alert(update, context._(message))
    return Flow.END


def _telegram_id(context: Context) -> int:
    return context.known.telegram_id or 0


REFUSED = (sv.SurveyError, pb.NotHolding, NotFound, NotAllowed)


async def advance(update: Update, context: Context, act: Callable[[AsyncSession], Awaitable[sv.Step]], *,
                  edit: bool) -> int:
    """Run one step of the survey in its own transaction, then show where it stands (or why not)."""
    try:
        async with context.runtime.db.session() as session:
            step = await act(session)
    except REFUSED as error:
        return await refuse(update, context, error)
    await update.callback_query.answer()  # type: ignore[union-attr]
    return await show(update, context, step, edit=edit)


@onboarded
async def open_survey(update: Update, context: Context) -> int:
    press, runtime = pressed(update, OpenSurvey), context.runtime
    return await advance(update, context, lambda session: sv.start(
        session, press.survey_id, context.known, runtime.now(), again=press.again), edit=False)


@onboarded
async def caller_opens(update: Update, context: Context) -> int:
    press, runtime = pressed(update, CallSurvey), context.runtime
    return await advance(update, context, lambda session: sv.start_by_caller(
        session, press.target_id, _telegram_id(context), runtime.settings.lagbot_admins, runtime.now()), edit=False)


@onboarded
async def pick(update: Update, context: Context) -> int:
    press, runtime = pressed(update, PickOption), context.runtime
    return await advance(update, context, lambda session: sv.choose(
        session, press.response_id, _telegram_id(context), runtime.settings.lagbot_admins, press.position,
        press.index, runtime.now()), edit=True)


@onboarded
async def go_on(update: Update, context: Context) -> int:
    press, runtime = pressed(update, GoOn), context.runtime
    return await advance(update, context, lambda session: sv.move(
        session, press.response_id, _telegram_id(context), runtime.settings.lagbot_admins, press.position,
        runtime.now(), forward=press.forward), edit=True)


@onboarded
async def got_text(update: Update, context: Context) -> int:
    """A free-text answer to the question the response stands at; elsewhere, the buttons are meant."""
    assert update.message is not None and context.user_data is not None
    _, runtime = context._, context.runtime
    response_id = context.user_data.get(RESPONSE_KEY)
    text = (update.message.text or "").strip()
    if response_id is None:
        return Flow.END
    try:
        async with runtime.db.session() as session:
            step = await sv.step_of(session, response_id, _telegram_id(context), runtime.settings.lagbot_admins)
            if step.question is None or step.question.kind != sv.FREE_TEXT:
                await reply(update, _("Please use the buttons above, or /avbryt to cancel."))
                return ANSWERING
            if await too_long(update, context, text, sv.MAX_ANSWER):
                return ANSWERING
            step = await sv.write(session, response_id, _telegram_id(context), runtime.settings.lagbot_admins,
                                  step.response.position, text, runtime.now())
    except REFUSED as error:
        return await refuse(update, context, error)
    return await show(update, context, step, edit=False)


cancel = cancel_conversation(N_("OK. What you answered so far is saved; open the survey again to go on."), RESPONSE_KEY)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(Flow(
        application, "survey", title=N_("answering a survey"), drafts=(RESPONSE_KEY,),
        entry_points=[Press(open_survey, pattern=OpenSurvey.filter()),
                      Press(caller_opens, pattern=CallSurvey.filter()),
                      Press(pick, pattern=PickOption.filter()),
                      Press(go_on, pattern=GoOn.filter())],
        states={ANSWERING: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_text)]},
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel)],
    ))
