"""/nyundersokelse: the board writes a survey in the chat — title, anonymous or linked, then each
question with its kind (single choice, multiple choice, free text, district) and options — and
creates it from a summary. (From a file: `python -m bot surveys add FILE.yaml`.)"""

from __future__ import annotations

from typing import Any, Literal

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.callbacks import Id, callback
from bot.commands import names
from bot.i18n import N_
from bot.survey_buttons import NewSurvey, SurveyCard
from handlers.common import Context, buttons_expected, cancel_conversation, flow_step, inline, new_draft, reply, requires_role
from handlers.flows import Flow
from handlers.presses import Press
from models import surveys as sv
from models.errors import NotAllowed
from models.survey_spec import MAX_LABEL, MAX_OPTIONS, MAX_QUESTION, MAX_QUESTIONS, MAX_TITLE, BadSurvey, QuestionSpec, SurveySpec

TITLE, PRIVACY, QUESTION, KIND, OPTIONS, MORE = range(6)
DRAFT_KEY = "survey_draft"
KIND_LABELS = {"single": N_("One choice"), "multi": N_("Several choices"), "text": N_("Free text"),
               "district": N_("District")}


@callback("svc.anon")
class ChoosePrivacy:
    draft_id: Id
    anonymous: bool


@callback("svc.kind")
class ChooseKind:
    draft_id: Id
    kind: Literal["single", "multi", "text", "district"]


@callback("svc.more")
class Next:
    draft_id: Id
    action: Literal["add", "done", "create"]


@callback("svc.cancel")
class CancelSurvey:
    draft_id: Id


def draft_of(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data[DRAFT_KEY]


@requires_role("board")
async def start(update: Update, context: Context) -> int:
    if update.callback_query is not None:
        await update.callback_query.answer()
    new_draft(context, DRAFT_KEY, title="", anonymous=False, questions=[], pending=None)
    await reply(update, context._("New survey. What is its title (at most {limit} characters)? Send /avbryt to cancel.").format(
        limit=MAX_TITLE))
    return TITLE


async def _text(update: Update, context: Context, limit: int) -> str | None:
    assert update.message is not None
    text = (update.message.text or "").strip()
    if not text or len(text) > limit:
        await reply(update, context._("That is {length} characters; the limit is {limit}. Please shorten it and send it again.").format(
            length=len(text), limit=limit))
        return None
    return text


async def got_title(update: Update, context: Context) -> int:
    if (title := await _text(update, context, MAX_TITLE)) is None:
        return TITLE
    draft, _ = draft_of(context), context._
    draft["title"] = title
    await reply(update, _("Should the answers be linked to the member, or anonymous? Members are told before they answer."),
                reply_markup=inline([[(_("👤 Linked"), ChoosePrivacy(draft["id"], False).pack()),
                                      (_("🔒 Anonymous"), ChoosePrivacy(draft["id"], True).pack())],
                                     [(_("Cancel"), CancelSurvey(draft["id"]).pack())]]))
    return PRIVACY


async def got_privacy(update: Update, context: Context) -> int | None:
    if (step := await flow_step(update, context, ChoosePrivacy, DRAFT_KEY)) is None:
        return None
    step[1]["anonymous"] = step[0].anonymous
    return await ask_question(update, context, step[1])


async def ask_question(update: Update, context: Context, draft: dict[str, Any]) -> int:
    await reply(update, context._("Write question {number} (at most {limit} characters).").format(
        number=len(draft["questions"]) + 1, limit=MAX_QUESTION))
    return QUESTION


async def got_question(update: Update, context: Context) -> int:
    if (text := await _text(update, context, MAX_QUESTION)) is None:
        return QUESTION
    draft, _ = draft_of(context), context._
    draft["pending"] = {"text": text, "kind": None, "options": []}
    rows = [[(_(label), ChooseKind(draft["id"], kind).pack())] for kind, label in KIND_LABELS.items()]  # type: ignore[arg-type]
    await reply(update, _("What kind of answer?"), reply_markup=inline(rows))
    return KIND


async def got_kind(update: Update, context: Context) -> int | None:
    if (step := await flow_step(update, context, ChooseKind, DRAFT_KEY)) is None:
        return None
    press, draft = step
    draft["pending"]["kind"] = press.kind
    if press.kind in ("single", "multi"):
        await reply(update, context._("Write the options, one per line (2 to {count}, each at most {limit} characters).").format(
            count=MAX_OPTIONS, limit=MAX_LABEL))
        return OPTIONS
    return await keep_question(update, context, draft)


async def got_options(update: Update, context: Context) -> int:
    assert update.message is not None
    draft, _ = draft_of(context), context._
    lines = [line.strip() for line in (update.message.text or "").splitlines() if line.strip()]
    if not 2 <= len(lines) <= MAX_OPTIONS or any(len(line) > MAX_LABEL for line in lines) or len(set(lines)) != len(lines):
        await reply(update, _("Write 2 to {count} different options, one per line, each at most {limit} characters.").format(
            count=MAX_OPTIONS, limit=MAX_LABEL))
        return OPTIONS
    draft["pending"]["options"] = lines
    return await keep_question(update, context, draft)


async def keep_question(update: Update, context: Context, draft: dict[str, Any]) -> int:
    draft["questions"].append(draft.pop("pending"))
    draft["pending"] = None
    _ = context._
    rows = [[(_("✅ Finish"), Next(draft["id"], "done").pack())]]
    if len(draft["questions"]) < MAX_QUESTIONS:
        rows.insert(0, [(_("➕ Another question"), Next(draft["id"], "add").pack())])
    await reply(update, _("Question {number} is added.").format(number=len(draft["questions"])), reply_markup=inline(rows))
    return MORE


def spec_of(draft: dict[str, Any]) -> SurveySpec:
    questions = [QuestionSpec(q["text"], q["kind"], [(f"o{n}", label) for n, label in enumerate(q["options"], 1)], f"q{number}")
                 for number, q in enumerate(draft["questions"], 1)]
    return SurveySpec(draft["title"], questions, "", draft["anonymous"])


def summary(draft: dict[str, Any], context: Context) -> str:
    _ = context._
    lines = [f"📋 {draft['title']}", _("🔒 Anonymous") if draft["anonymous"] else _("👤 Linked"), ""]
    for number, question in enumerate(draft["questions"], 1):
        lines.append(f"{number}. {question['text']} ({_(KIND_LABELS[question['kind']])})")
        lines += [f"   • {option}" for option in question["options"]]
    return "\n".join(lines)


async def more(update: Update, context: Context) -> int | None:
    if (step := await flow_step(update, context, Next, DRAFT_KEY)) is None:
        return None
    press, draft = step
    _ = context._
    if press.action == "add":
        return await ask_question(update, context, draft)
    if press.action == "done":
        await reply(update, summary(draft, context), reply_markup=inline([
            [(_("✅ Create the survey"), Next(draft["id"], "create").pack())], [(_("Cancel"), CancelSurvey(draft["id"]).pack())]]))
        return MORE
    runtime = context.runtime
    try:
        async with runtime.db.session() as session:
            survey = await sv.create_as_board(session, spec_of(draft), actor_telegram_id=context.known.telegram_id or 0,
                                              admins=runtime.settings.lagbot_admins)
            survey_id = survey.id
    except NotAllowed:
        await reply(update, _("Only members with the role “{role}” can do that. Ask the board if you think you should have it.").format(
            role=_("board")))
        return Flow.END
    except BadSurvey:
        await reply(update, _("That survey does not hold together; please start again."))
        return Flow.END
    assert context.user_data is not None
    context.user_data.pop(DRAFT_KEY, None)
    await reply(update, _("Survey #{number} is created. Open its card to send it.").format(number=survey_id),
                reply_markup=inline([[(_("📋 Open the survey"), SurveyCard(survey_id).pack())]]))
    return Flow.END


cancel = cancel_conversation(N_("Cancelled. No survey was created."), DRAFT_KEY)


def register(application: Application) -> None:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(Flow(
        application, "survey_create", title=N_("writing a survey"), role="board", drafts=(DRAFT_KEY,),
        entry_points=[CommandHandler(names("nyundersokelse", "newsurvey"), start, filters.ChatType.PRIVATE),
                      Press(start, pattern=NewSurvey.filter())],
        states={
            TITLE: [MessageHandler(text, got_title)],
            PRIVACY: [Press(got_privacy, pattern=ChoosePrivacy.filter()), MessageHandler(text, buttons_expected)],
            QUESTION: [MessageHandler(text, got_question)],
            KIND: [Press(got_kind, pattern=ChooseKind.filter()), MessageHandler(text, buttons_expected)],
            OPTIONS: [MessageHandler(text, got_options)],
            MORE: [Press(more, pattern=Next.filter()), MessageHandler(text, buttons_expected)],
        },
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel), Press(cancel, pattern=CancelSurvey.filter())],
    ))
