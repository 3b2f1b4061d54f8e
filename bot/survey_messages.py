"""Surveys sent to an audience through the outbox (rendered when sent, in the reader's language),
the words of a survey for one reader, and the ready-made district-chapter mapping."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.i18n import N_, translator
from bot.render import Gone, Message, renderer
from bot.survey_buttons import OpenSurvey
from models import broadcast as bc
from models import outbox as box
from models import surveys as sv
from models.member import Member
from models.survey_spec import QuestionSpec, SurveySpec

# The district-chapter mapping (plan D3.5): English msgids, shown in each reader's language.
MAPPING_TITLE = N_("A district chapter where you live?")
MAPPING_INTRO = N_("The chapter wants to start district chapters (bydelslag) as a pilot in two districts. "
                   "Five short questions tell us where there are enough people.")
MAPPING_QUESTIONS = (
    ("district", sv.DISTRICT, N_("Which district do you live in?"), ()),
    ("interest", sv.SINGLE, N_("Would you like to help start a district chapter where you live?"),
     (("yes", N_("Yes")), ("maybe", N_("Maybe")), ("no", N_("No")))),
    ("activities", sv.MULTI, N_("What should a district chapter do? Choose all that fit."),
     (("doorknock", N_("Door-knocking")), ("social", N_("Social meetings")), ("local", N_("Local matters")),
      ("meetings", N_("Member meetings")), ("campaign", N_("Election campaign 2027")))),
    ("role", sv.SINGLE, N_("Would you take a role in it?"),
     (("lead", N_("Lead it")), ("board", N_("Sit on its board")), ("help", N_("Help now and then")),
      ("no", N_("Not now")))),
    ("comment", sv.FREE_TEXT, N_("Anything else we should know? Write a few words, or skip."), ()),
)
# Who counts as "will take a role" for a pilot (models/surveys.py PILOT_MIN_ROLES).
ROLE_TAKERS = ("lead", "board")


def mapping_spec() -> SurveySpec:
    return SurveySpec(MAPPING_TITLE, [QuestionSpec(text, kind, list(options), key) for key, kind, text, options in MAPPING_QUESTIONS],
                      MAPPING_INTRO, anonymous=False)


def words(survey: sv.Survey, text: str, lang: str) -> str:
    """A survey's own text for this reader: a ready-made survey's msgid translated, the board's as written."""
    if not survey.translated or not text:
        return text
    _ = translator(lang)
    return _(text)


def kind_note(survey: sv.Survey, lang: str) -> str:
    """Shown before the first answer: who will see the answers."""
    _ = translator(lang)
    if survey.anonymous:
        return _("🔒 Anonymous: your answers are stored without your name. The board sees the answers, not who gave them.")
    return _("👤 Linked: your answers are stored with your name and seen only by the board. You find them in /mine_data.")


def invitation(survey: sv.Survey, lang: str) -> str:
    _ = translator(lang)
    lines = [f"📋 {words(survey, survey.title, lang)}"]
    if survey.intro:
        lines.append(words(survey, survey.intro, lang))
    lines += ["", kind_note(survey, lang), "",
              _("You can change your answers until the survey closes. — The board of Trondheim SV")]
    return "\n".join(lines)


async def launch(database: Database, survey_id: int, audience: bc.Audience, *, actor_telegram_id: int | None,
                 admins: list[int], now: datetime, weekly_cap: int) -> bc.Reach:
    """Queue the survey to everyone in the audience, as a non-urgent message from the board:
    quiet hours, their choice of messages from the board and the weekly cap apply as to a broadcast.
    `actor_telegram_id` None: the command line (no role to check)."""
    async with database.session() as session:
        if actor_telegram_id is not None:
            await sv.board_member(session, actor_telegram_id, admins)
        survey = await sv.get(session, survey_id)
        await sv.mark_sent(session, survey, audience.validate().to_json(), now)
        reach = await bc.reach(session, audience, now=now, urgent=False, weekly_cap=weekly_cap, admin_ids=admins)
        await box.schedule_many(session, [
            {"dedupe_key": f"survey:{survey.id}:member:{member.id}", "member_id": member.id, "kind": "broadcast",
             "topic": "survey.invite", "subject_id": survey.id, "text": "", "due_at": now}
            for member in reach.recipients])
    return reach


@renderer("survey.invite")
async def _invite(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    survey = await session.get(sv.Survey, row.subject_id or 0)
    if survey is None or survey.status != sv.OPEN:
        raise Gone("the survey is closed")
    response = await sv.response_of(session, survey, to)
    if response is not None and response.completed_at is not None:
        raise Gone("already answered")
    _ = translator(to.language)
    return Message(invitation(survey, to.language), [[box.Button(_("📋 Answer"), data=OpenSurvey(survey.id, False).pack())]])
