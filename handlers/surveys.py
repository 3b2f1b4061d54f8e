"""/undersokelse (/survey): members see the open surveys sent to them; the board sees every survey
with a card each — send it to an audience (through the outbox, like a broadcast), results as text,
chart and files, close it, let a phone round carry it, use its answers as an audience — and sends
the ready-made district-chapter mapping in one step."""

from __future__ import annotations

from typing import Literal

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.ext import Application, CommandHandler, filters

from bot import survey_messages
from bot.callbacks import Id, Number, callback
from bot.commands import names
from bot.reports import surveys as report
from bot.survey_buttons import NewSurvey, OpenSurvey, SurveyCard
from handlers.broadcast_audience import describe
from handlers.common import DISTRICT_LABELS, Context, answer_alert, inline, onboarded, page_buttons, page_of, pressed, reply
from handlers.presses import Press
from models import broadcast as bc
from models import phonebank as pb
from models import survey_results as results_of
from models import surveys as sv
from models.errors import NotAllowed, NotFound
from models.member import DISTRICTS, Member
from models.membership import has_role

PER_PAGE = 6
PRESET_KEY = "audience_preset"  # user_data: an audience the next /utsending, /nyringerunde or /nyttinnspill starts with
SEND_CODES = ("all", *DISTRICTS)


@callback("sv.page")
class SurveyPage:
    page: Number


@callback("sv.act")
class SurveyAction:
    survey_id: Id
    action: Literal["send", "results", "close", "calls", "audience"]


@callback("sv.to")
class SendTo:
    """Preview sending to everyone ("all") or one district; `confirm` sends."""

    survey_id: Id
    code: str
    confirm: bool


@callback("sv.nosend")
class DontSend:
    """Cancel under a survey's preview: nothing is sent, the survey stays as it was."""

    survey_id: Id


@callback("sv.attach")
class AttachCalls:
    survey_id: Id
    campaign_id: Id


@callback("sv.aud")
class AnswerAudience:
    """Members who gave one answer (option `index`, or None to choose) to the question at `position`."""

    survey_id: Id
    position: Number
    index: Number | None


@callback("sv.map")
class SendMapping:
    """The district-chapter mapping: made (or the open one reused) and previewed in one step."""


def state_of(survey: sv.Survey, context: Context) -> str:
    _ = context._
    return _("open") if survey.status == sv.OPEN else _("closed")


@onboarded
async def surveys_menu(update: Update, context: Context) -> None:
    member, runtime = context.known, context.runtime
    if not has_role(member, "board", runtime.settings.lagbot_admins):
        await member_list(update, context, member)
        return
    page = pressed(update, SurveyPage).page if update.callback_query is not None else 0
    if update.callback_query is not None:
        await update.callback_query.answer()
    _ = context._
    async with runtime.db.session() as session:
        surveys = await sv.listing(session)
    shown, page, pages = page_of(surveys, page, PER_PAGE)
    lines = [_("Surveys:") if surveys else _("No surveys yet.")]
    rows = []
    for survey, answers in shown:
        title = survey_messages.words(survey, survey.title, context.lang)
        lines.append(_("#{number} {title} — {state}, {count} answers").format(number=survey.id, title=title,
                                                                              state=state_of(survey, context), count=answers))
        rows.append([(f"📋 #{survey.id} {title[:40]}", SurveyCard(survey.id).pack())])
    if more := page_buttons(_, page, pages, lambda n: SurveyPage(n).pack()):
        rows.append(more)
    rows.append([(_("➕ New survey"), NewSurvey().pack())])
    rows.append([(_("🏘 Send the district-chapter mapping"), SendMapping().pack())])
    await reply(update, "\n".join(lines), reply_markup=inline(rows))


async def member_list(update: Update, context: Context, member: Member) -> None:
    """The open surveys sent to an audience this member is in, each with its Answer button."""
    _, runtime = context._, context.runtime
    rows = []
    async with runtime.db.session() as session:
        for survey, _count in await sv.listing(session):
            if survey.status != sv.OPEN:
                continue
            if await sv.invited(session, survey, member, runtime.now()):
                rows.append([(f"📋 {survey_messages.words(survey, survey.title, context.lang)[:50]}",
                              OpenSurvey(survey.id, False).pack())])
    if not rows:
        await reply(update, _("There is no open survey for you right now."))
        return
    await reply(update, _("Open surveys — you can answer or change your answers until they close:"),
                reply_markup=inline(rows[:20]))


async def card_of(context: Context, survey_id: int) -> tuple[str, InlineKeyboardMarkup]:
    _, lang = context._, context.lang
    async with context.runtime.db.session() as session:
        survey = await sv.get(session, survey_id)
        questions = await sv.questions_of(session, survey_id)
        answers = {s.id: n for s, n in await sv.listing(session)}.get(survey_id, 0)
        carried = [c.name for c in await pb.open_campaigns(session) if c.survey_id == survey_id]
    lines = [f"📋 #{survey.id} {survey_messages.words(survey, survey.title, lang)} — {state_of(survey, context)}",
             _("🔒 Anonymous") if survey.anonymous else _("👤 Linked"),
             _("{questions} questions, {count} answers").format(questions=len(questions), count=answers)]
    if survey.audience is not None:
        lines.append(_("Sent to: {audience}").format(audience=describe(bc.Audience.from_json(survey.audience), lang)))
    if carried:
        lines.append(_("Carried by phone rounds: {names}").format(names=", ".join(carried)))
    def data_for(action: str) -> str:
        return SurveyAction(survey.id, action).pack()  # type: ignore[arg-type]

    rows = [[(_("📊 Results"), data_for("results"))]]
    if survey.status == sv.OPEN:
        rows.insert(0, [(_("📣 Send…"), data_for("send")), (_("📞 Phone round…"), data_for("calls"))])
        rows.append([(_("🔒 Close"), data_for("close"))])
    if not survey.anonymous:
        rows.append([(_("🎯 Use answers as an audience"), data_for("audience"))])
    return "\n".join(lines), inline(rows)


async def board_only(update: Update, context: Context) -> Member | None:
    """The acting member, read again now, if they are on the board; else a refusal (None)."""
    async with context.runtime.db.session() as session:
        try:
            return await sv.board_member(session, context.known.telegram_id, context.runtime.settings.lagbot_admins)
        except NotAllowed:
            pass
    _ = context._
    await answer_alert(update, _("Only members with the role “{role}” can do that. Ask the board if you think you should have it.").format(
        role=_("board")))
    return None


@onboarded
async def open_card(update: Update, context: Context) -> None:
    if await board_only(update, context) is None:
        return
    try:
        text, keyboard = await card_of(context, pressed(update, SurveyCard).survey_id)
    except NotFound:
        await answer_alert(update, context._("This button is no longer valid. Send /start to see the menu."))
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    await reply(update, text, reply_markup=keyboard)


@onboarded
async def act(update: Update, context: Context) -> None:
    press = pressed(update, SurveyAction)
    if await board_only(update, context) is None:
        return
    _, runtime = context._, context.runtime
    await update.callback_query.answer()  # type: ignore[union-attr]
    try:
        async with runtime.db.session() as session:
            survey = await sv.get(session, press.survey_id)
            if press.action == "close":  # the role is read again in the transaction that closes
                await sv.board_member(session, context.known.telegram_id, runtime.settings.lagbot_admins)
                await sv.close(session, survey.id, runtime.now())
            campaigns = [c for c in await pb.open_campaigns(session)] if press.action == "calls" else []
            questions = await sv.questions_of(session, survey.id)
    except NotFound:
        await reply(update, _("This button is no longer valid. Send /start to see the menu."))
        return
    except NotAllowed:
        await board_only(update, context)
        return
    if press.action == "close":
        await reply(update, _("Survey #{number} is closed. Answers can no longer be given or changed.").format(number=survey.id))
    elif press.action == "send":
        rows = [[(_("Everyone"), SendTo(survey.id, "all", False).pack())]]
        rows += [[(_(DISTRICT_LABELS[d]), SendTo(survey.id, d, False).pack())] for d in DISTRICTS]
        await reply(update, _("Who should get the survey?"), reply_markup=inline(rows))
    elif press.action == "calls":
        if not campaigns or survey.anonymous:
            await reply(update, _("An anonymous survey cannot be filled in by callers.") if survey.anonymous
                        else _("No phone rounds are running."))
            return
        await reply(update, _("Which phone round should carry the survey? Its callers get a 📋 Survey button on the call card."),
                    reply_markup=inline([[(f"📞 {c.name[:50]}", AttachCalls(survey.id, c.id).pack())] for c in campaigns]))
    elif press.action == "audience":
        choices = [q for q in questions if q.kind != sv.FREE_TEXT]
        await reply(update, _("Members who answered which question?") if choices else _("This survey has no question with options."),
                    reply_markup=inline([[(f"{q.position + 1}. {survey_messages.words(survey, q.text, context.lang)[:50]}",
                                           AnswerAudience(survey.id, q.position, None).pack())] for q in choices]))
    else:
        await send_results(update, context, survey.id)


async def send_results(update: Update, context: Context, survey_id: int) -> None:
    """Counts per option and by district as text and a chart; free text as Markdown and CSV files;
    for the district-chapter mapping, where a pilot has enough people."""
    lang, chat = context.lang, update.effective_chat
    assert chat is not None
    async with context.runtime.db.session() as session:
        found = await results_of.results(session, survey_id)
        pilot = await results_of.pilot(session, survey_id, survey_messages.ROLE_TAKERS) if found.survey.kind == sv.MAPPING else None
    await reply(update, report.text(found, lang))
    if (picture := report.chart(found, lang)) is not None:
        await chat.send_photo(picture)
    if pilot is not None:
        await reply(update, report.pilot_text(pilot, lang))
        await chat.send_photo(report.pilot_chart(pilot, lang))
    if any(r.texts for r in found.questions):
        await chat.send_document(InputFile(report.free_text_markdown(found, lang).encode(), filename=f"survey-{survey_id}.md"))
        await chat.send_document(InputFile(("\ufeff" + report.free_text_csv(found, lang)).encode(), filename=f"survey-{survey_id}.csv"))


@onboarded
async def send_to(update: Update, context: Context) -> None:
    press = pressed(update, SendTo)
    _, runtime = context._, context.runtime
    if press.code not in SEND_CODES:
        await answer_alert(update, _("This button is no longer valid. Send /start to see the menu."))
        return
    if await board_only(update, context) is None:
        return
    audience = bc.Audience(districts=[] if press.code == "all" else [press.code])
    await update.callback_query.answer()  # type: ignore[union-attr]
    if press.confirm:
        try:
            reach = await survey_messages.launch(runtime.db, press.survey_id, audience, actor_telegram_id=context.known.telegram_id,
                                                 admins=runtime.settings.lagbot_admins, now=runtime.now(),
                                                 weekly_cap=runtime.settings.weekly_cap)
        except (sv.SurveyClosed, NotFound):
            await reply(update, _("This survey is closed. Answers can no longer be given or changed."))
            return
        except NotAllowed:
            await board_only(update, context)
            return
        await update.callback_query.edit_message_reply_markup(None)  # type: ignore[union-attr]
        await reply(update, context.ngettext(
            "Survey #{number} is on its way to {count} member ({audience}). Quiet hours, their choices and the weekly cap apply.",
            "Survey #{number} is on its way to {count} members ({audience}). Quiet hours, their choices and the weekly cap apply.",
            len(reach.recipients)).format(number=press.survey_id, count=len(reach.recipients), audience=describe(audience, context.lang)))
        return
    await preview(update, context, press.survey_id, press.code, audience)


async def preview(update: Update, context: Context, survey_id: int, code: str, audience: bc.Audience) -> None:
    _, runtime = context._, context.runtime
    async with runtime.db.session() as session:
        survey = await sv.get(session, survey_id)
        counted = await bc.reach(session, audience, now=runtime.now(), urgent=False, weekly_cap=runtime.settings.weekly_cap,
                                 admin_ids=runtime.settings.lagbot_admins)
    await reply(update, survey_messages.invitation(survey, context.lang))
    await reply(update, "\n".join([
        _("Preview above. Audience: {audience}").format(audience=describe(audience, context.lang)),
        _("Recipients: {count}").format(count=len(counted.recipients)),
        _("– not on Telegram: {count}").format(count=counted.not_on_telegram),
        _("– turned off messages from the board: {count}").format(count=counted.opted_out),
        _("– reached the weekly cap: {count}").format(count=counted.over_cap),
    ]), reply_markup=inline([[(_("📣 Send the survey"), SendTo(survey_id, code, True).pack()),
                               (_("Cancel"), DontSend(survey_id).pack())]]))


@onboarded
async def dont_send(update: Update, context: Context) -> None:
    """The preview's Cancel: its buttons go, and the board is told nothing was sent."""
    survey_id, _ = pressed(update, DontSend).survey_id, context._
    await update.callback_query.answer()  # type: ignore[union-attr]
    await update.callback_query.edit_message_text(  # type: ignore[union-attr]
        _("Not sent. Survey #{number} is as it was; you can send it from its card later.").format(number=survey_id),
        reply_markup=inline([[(_("📋 Open the survey"), SurveyCard(survey_id).pack())]]))


@onboarded
async def send_mapping(update: Update, context: Context) -> None:
    """The district-chapter mapping in one step: the open one, or a new one, previewed to everyone."""
    if await board_only(update, context) is None:
        return
    runtime = context.runtime
    await update.callback_query.answer()  # type: ignore[union-attr]
    async with runtime.db.session() as session:
        actor = await sv.board_member(session, context.known.telegram_id, runtime.settings.lagbot_admins)
        survey = await sv.latest_mapping(session)
        if survey is None or survey.status != sv.OPEN:
            survey = await sv.create(session, survey_messages.mapping_spec(), created_by=actor.id, kind=sv.MAPPING, translated=True)
        survey_id = survey.id
    await preview(update, context, survey_id, "all", bc.Audience())


@onboarded
async def attach(update: Update, context: Context) -> None:
    press = pressed(update, AttachCalls)
    if await board_only(update, context) is None:
        return
    _ = context._
    try:
        async with context.runtime.db.session() as session:
            await sv.board_member(session, context.known.telegram_id, context.runtime.settings.lagbot_admins)
            campaign = await sv.attach_to_campaign(session, press.survey_id, press.campaign_id)
            name = campaign.name
    except NotAllowed:
        await board_only(update, context)
        return
    except (sv.SurveyError, NotFound) as error:
        await answer_alert(update, _("An anonymous survey cannot be filled in by callers.") if isinstance(error, sv.NotForCallers)
                           else _("This survey is closed. Answers can no longer be given or changed."))
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    await reply(update, _("The phone round “{name}” now carries survey #{number}: callers fill it in from the call card.").format(
        name=name, number=press.survey_id))


@onboarded
async def answer_audience(update: Update, context: Context) -> None:
    """Choose a question, then an answer: the members who gave it become the audience the next
    /utsending or /nyringerunde starts with (it can be narrowed there, by district say)."""
    press = pressed(update, AnswerAudience)
    if await board_only(update, context) is None:
        return
    _, lang = context._, context.lang
    async with context.runtime.db.session() as session:
        try:
            survey: sv.Survey | None = await sv.get(session, press.survey_id)
        except NotFound:  # a forged button, or a survey erased since
            survey = None
        questions = await sv.questions_of(session, survey.id) if survey is not None else []
        question = next((q for q in questions if q.position == press.position), None)
    codes = sv.options_of(question) if question is not None else []
    if survey is None or question is None or survey.anonymous or question.kind == sv.FREE_TEXT or (press.index is not None and press.index >= len(codes)):
        await answer_alert(update, _("This button is no longer valid. Send /start to see the menu."))
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    found = results_of.QuestionResult(question)
    if press.index is None:
        rows = [[(report.option_label(survey, found, code, lang), AnswerAudience(survey.id, question.position, n).pack())]
                for n, code in enumerate(codes)]
        await reply(update, _("Which answer?"), reply_markup=inline(rows))
        return
    code = codes[press.index]
    # As written (a ready-made survey's msgids, a district's label): the description translates them for each reader.
    label = DISTRICT_LABELS.get(code, code) if question.kind == sv.DISTRICT else next(
        (o["label"] for o in question.options or [] if o["key"] == code), code)
    audience = bc.Audience(answers={"survey": survey.id, "question": question.key, "options": [code],
                                    "text": question.text, "labels": [label]})
    assert context.user_data is not None
    context.user_data[PRESET_KEY] = audience.to_json()
    await reply(update, _("Saved. The next /utsending, /nyringerunde or /nyttinnspill you start has this audience: {audience}").format(
        audience=describe(audience, lang)))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler(names("undersokelse", "survey"), surveys_menu, filters.ChatType.PRIVATE))
    application.add_handler(Press(surveys_menu, pattern=SurveyPage.filter()))
    application.add_handler(Press(open_card, pattern=SurveyCard.filter()))
    application.add_handler(Press(act, pattern=SurveyAction.filter()))
    application.add_handler(Press(send_to, pattern=SendTo.filter()))
    application.add_handler(Press(send_mapping, pattern=SendMapping.filter()))
    application.add_handler(Press(dont_send, pattern=DontSend.filter()))
    application.add_handler(Press(attach, pattern=AttachCalls.filter()))
    application.add_handler(Press(answer_audience, pattern=AnswerAudience.filter()))
