"""Surveys: a short list of questions, answered one at a time by a member or by a caller during a
phone round, anonymous or linked, changeable until the survey closes. Results per option and per
district; the district-chapter mapping is one kind of survey (its questions: bot/survey_messages.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import membership
from models import phonebank as pb
from models.broadcast import Audience, audience_query
from models.errors import DomainError, NotAllowed, NotFound
from models.member import DISTRICTS, Member
from models.secrets import hash_key, keyed_hash
from models.survey_spec import MAX_ANSWER, BadSurvey, QuestionSpec, SurveySpec, spec_from_data, validate
from models.survey_tables import (
    CLOSED,
    DISTRICT,
    FREE_TEXT,
    GENERAL,
    MAPPING,
    MULTI,
    OPEN,
    SINGLE,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)

__all__ = [
    "CLOSED",
    "DISTRICT",
    "FREE_TEXT",
    "GENERAL",
    "MAPPING",
    "MULTI",
    "OPEN",
    "SINGLE",
    "BadSurvey",
    "QuestionSpec",
    "Survey",
    "SurveyAnswer",
    "SurveyQuestion",
    "SurveyResponse",
    "SurveySpec",
    "spec_from_data",
]

# Where a district-chapter pilot has enough people: at least this many want to help start one…
PILOT_MIN_INTERESTED = 5
# …and at least this many of all who answered there will take a role (lead it or sit on its board).
PILOT_MIN_ROLES = 2


class SurveyError(DomainError):
    """Base of the survey errors."""


class SurveyClosed(SurveyError):
    """The survey is closed: answers can no longer be given or changed."""


class NotInvited(SurveyError):
    """The survey was not sent to this member (a forged or forwarded button)."""


class NotForCallers(SurveyError):
    """An anonymous survey cannot be filled in by a caller, who knows whom they are calling."""


async def create(session: AsyncSession, spec: SurveySpec, *, created_by: int | None, kind: str = GENERAL,
                 translated: bool = False) -> Survey:
    validate(spec)
    survey = Survey(title=spec.title, intro=spec.intro, anonymous=spec.anonymous, kind=kind, translated=translated,
                    created_by=created_by, status=OPEN)
    session.add(survey)
    await session.flush()
    for position, question in enumerate(spec.questions):
        session.add(SurveyQuestion(survey_id=survey.id, position=position, key=question.key, kind=question.kind,
                                   text=question.text, options=[{"key": k, "label": v} for k, v in question.options]))
    await session.flush()
    return survey


async def create_as_board(session: AsyncSession, spec: SurveySpec, *, actor_telegram_id: int, admins: list[int],
                          kind: str = GENERAL, translated: bool = False) -> Survey:
    """Create, reading the role in the same transaction."""
    actor = await board_member(session, actor_telegram_id, admins)
    return await create(session, spec, created_by=actor.id, kind=kind, translated=translated)


async def board_member(session: AsyncSession, telegram_id: int | None, admins: list[int]) -> Member:
    """The acting board member, read now (a role revoked a moment ago counts); NotAllowed otherwise."""
    actor = await membership.member_by_telegram(session, telegram_id or 0)
    if actor is None or not membership.has_role(actor, "board", admins):
        raise NotAllowed("board")
    return actor


async def get(session: AsyncSession, survey_id: int) -> Survey:
    survey = await session.get(Survey, survey_id)
    if survey is None:
        raise NotFound(survey_id)
    return survey


async def questions_of(session: AsyncSession, survey_id: int) -> list[SurveyQuestion]:
    return list(await session.scalars(select(SurveyQuestion).where(SurveyQuestion.survey_id == survey_id)
                                      .order_by(SurveyQuestion.position)))


async def listing(session: AsyncSession) -> list[tuple[Survey, int]]:
    """Every survey, newest first, with its number of answers."""
    counts = dict((await session.execute(select(SurveyResponse.survey_id, func.count())
                                         .group_by(SurveyResponse.survey_id))).all())
    surveys = await session.scalars(select(Survey).order_by(Survey.id.desc()))
    return [(s, int(counts.get(s.id, 0))) for s in surveys]


async def latest_mapping(session: AsyncSession) -> Survey | None:
    return await session.scalar(select(Survey).where(Survey.kind == MAPPING).order_by(Survey.id.desc()).limit(1))


async def close(session: AsyncSession, survey_id: int, now: datetime) -> Survey:
    """No more answers or changes; the keys that let anonymous respondents come back are forgotten."""
    survey = await get(session, survey_id)
    if survey.status != CLOSED:
        survey.status, survey.closed_at = CLOSED, now
        await session.execute(update(SurveyResponse).where(SurveyResponse.survey_id == survey_id)
                              .values(respondent_key=None).execution_options(synchronize_session=False))
        await session.flush()
    return survey


async def mark_sent(session: AsyncSession, survey: Survey, audience: dict[str, Any], now: datetime) -> None:
    if survey.status != OPEN:
        raise SurveyClosed(survey.id)
    survey.audience, survey.sent_at = audience, survey.sent_at or now
    await session.flush()


async def attach_to_campaign(session: AsyncSession, survey_id: int, campaign_id: int) -> pb.Campaign:
    """A phone round carries the survey: its callers fill it in from the call card."""
    survey = await get(session, survey_id)
    if survey.anonymous:
        raise NotForCallers(survey_id)
    if survey.status != OPEN:
        raise SurveyClosed(survey_id)
    campaign = await pb.get_campaign(session, campaign_id)
    campaign.survey_id = survey.id
    await session.flush()
    return campaign


async def respondent_key(session: AsyncSession, survey_id: int, member_id: int) -> str:
    return keyed_hash(await hash_key(session), "survey", f"{survey_id}:{member_id}")


async def response_of(session: AsyncSession, survey: Survey, member: Member) -> SurveyResponse | None:
    if survey.anonymous:
        key = await respondent_key(session, survey.id, member.id)
        return await session.scalar(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id,
                                                                 SurveyResponse.respondent_key == key))
    return await session.scalar(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id,
                                                             SurveyResponse.member_id == member.id))


@dataclass
class Step:
    """Where one response stands: the survey, its questions, the answers so far, the question shown."""

    survey: Survey
    response: SurveyResponse
    questions: list[SurveyQuestion]
    answers: dict[int, list[SurveyAnswer]]
    callee: Member | None = None  # the person a caller fills it in for

    @property
    def done(self) -> bool:
        return self.response.position >= len(self.questions)

    @property
    def question(self) -> SurveyQuestion | None:
        return None if self.done else self.questions[self.response.position]


async def _step(session: AsyncSession, survey: Survey, response: SurveyResponse, callee: Member | None = None) -> Step:
    answers: dict[int, list[SurveyAnswer]] = {}
    for answer in await session.scalars(select(SurveyAnswer).where(SurveyAnswer.response_id == response.id)
                                        .order_by(SurveyAnswer.id)):
        answers.setdefault(answer.question_id, []).append(answer)
    return Step(survey, response, await questions_of(session, survey.id), answers, callee)


def _open(survey: Survey) -> None:
    if survey.status != OPEN:
        raise SurveyClosed(survey.id)


async def start(session: AsyncSession, survey_id: int, member: Member, now: datetime, *, again: bool = False) -> Step:
    """The member's response (made on first open), at the first unanswered question; `again`
    goes back to the first question to change answers."""
    survey = await get(session, survey_id)
    _open(survey)
    response = await response_of(session, survey, member)
    if response is None and not await invited(session, survey, member, now):
        raise NotInvited(survey.id)
    if response is None:
        response = SurveyResponse(survey_id=survey.id, member_id=None if survey.anonymous else member.id,
                                  respondent_key=await respondent_key(session, survey.id, member.id) if survey.anonymous else None,
                                  district=member.district, position=0, started_at=now, updated_at=now)
        session.add(response)
        await session.flush()
    elif again:
        response.position = 0
    return await _step(session, survey, response)


async def invited(session: AsyncSession, survey: Survey, member: Member, now: datetime) -> bool:
    """The survey was sent to an audience this member is in (as it reads now)."""
    if survey.sent_at is None:
        return False
    query = audience_query(Audience.from_json(survey.audience), now).where(Member.id == member.id)
    return await session.scalar(query.limit(1)) is not None


async def _held_call(session: AsyncSession, caller: Member, member_id: int | None, survey_id: int) -> pb.Campaign | None:
    row = (await session.execute(select(pb.CallTarget, pb.Campaign).join(pb.Campaign, pb.Campaign.id == pb.CallTarget.campaign_id)
                                 .where(pb.CallTarget.member_id == member_id, pb.CallTarget.held_by == caller.id,
                                        pb.CallTarget.status == pb.HELD, pb.Campaign.survey_id == survey_id)
                                 .limit(1))).first()
    return None if row is None else row[1]


async def start_by_caller(session: AsyncSession, target_id: int, caller_telegram_id: int, admins: list[int],
                          now: datetime) -> Step:
    """A caller opens the phone round's survey for the person they hold on the line: linked to that
    person, recorded as filled in by the caller."""
    caller = await membership.member_by_telegram(session, caller_telegram_id)
    target = await pb.held_by(session, target_id)
    if caller is None or target is None or target.held_by != caller.id or target.status != pb.HELD:
        raise pb.NotHolding(target_id)
    campaign = await pb.get_campaign(session, target.campaign_id)
    if not pb.may_call(caller, campaign, admins):
        raise NotAllowed("caller")
    if campaign.survey_id is None:
        raise NotFound("survey")
    survey = await get(session, campaign.survey_id)
    _open(survey)
    if survey.anonymous:
        raise NotForCallers(survey.id)
    callee = await membership.member_by_id(session, target.member_id)
    response = await response_of(session, survey, callee)
    if response is None:
        response = SurveyResponse(survey_id=survey.id, member_id=callee.id, district=callee.district, started_at=now,
                                  updated_at=now)
        session.add(response)
    response.filled_by, response.position = caller.id, 0
    await session.flush()
    return await _step(session, survey, response, callee)


async def _owned(session: AsyncSession, response_id: int, actor_telegram_id: int, admins: list[int]) -> Step:
    """The response, if the one pressing may change it now: its member, the anonymous respondent
    whose key it carries, or the caller who holds that member's call. The survey must be open."""
    response = await session.get(SurveyResponse, response_id, populate_existing=True)
    actor = await membership.member_by_telegram(session, actor_telegram_id)
    if response is None or actor is None:
        raise NotFound(response_id)
    survey = await get(session, response.survey_id)
    _open(survey)
    if response.member_id is not None and response.member_id == actor.id:
        return await _step(session, survey, response)
    if response.member_id is None and response.respondent_key == await respondent_key(session, survey.id, actor.id):
        return await _step(session, survey, response)
    if response.filled_by == actor.id and response.member_id is not None:
        campaign = await _held_call(session, actor, response.member_id, survey.id)
        if campaign is not None and pb.may_call(actor, campaign, admins):
            return await _step(session, survey, response, await membership.member_by_id(session, response.member_id))
        raise pb.NotHolding(response_id)
    raise NotAllowed("survey")


def _question_at(step: Step, position: int) -> SurveyQuestion:
    if not 0 <= position < len(step.questions):
        raise NotFound(position)
    return step.questions[position]


def options_of(question: SurveyQuestion) -> list[str]:
    return list(DISTRICTS) if question.kind == DISTRICT else [o["key"] for o in question.options or []]


def _advance(step: Step, position: int, now: datetime) -> None:
    step.response.position = position + 1
    step.response.updated_at = now
    if step.done and step.response.completed_at is None:
        step.response.completed_at = now


async def choose(session: AsyncSession, response_id: int, actor_telegram_id: int, admins: list[int], position: int,
                 index: int, now: datetime) -> Step:
    """An option pressed: single choice and district replace the answer and go on; multiple
    choice toggles the option and stays."""
    step = await _owned(session, response_id, actor_telegram_id, admins)
    question = _question_at(step, position)
    codes = options_of(question)
    if question.kind == FREE_TEXT or not 0 <= index < len(codes):
        raise NotFound(index)
    chosen = step.answers.get(question.id, [])
    if question.kind == MULTI:
        existing = next((a for a in chosen if a.option == codes[index]), None)
        if existing is not None:
            await session.delete(existing)
        else:
            session.add(SurveyAnswer(response_id=response_id, question_id=question.id, option=codes[index]))
        step.response.position, step.response.updated_at = position, now
    else:
        await session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == response_id,
                                                         SurveyAnswer.question_id == question.id))
        session.add(SurveyAnswer(response_id=response_id, question_id=question.id, option=codes[index]))
        if question.kind == DISTRICT and step.survey.anonymous:
            step.response.district = codes[index]
        _advance(step, position, now)
    await session.flush()
    return await _step(session, step.survey, step.response, step.callee)


async def write(session: AsyncSession, response_id: int, actor_telegram_id: int, admins: list[int], position: int,
                text: str, now: datetime) -> Step:
    """A free-text answer (replacing an earlier one), then the next question."""
    step = await _owned(session, response_id, actor_telegram_id, admins)
    question = _question_at(step, position)
    if question.kind != FREE_TEXT:
        raise NotFound(position)
    text = text.strip()
    if not text or len(text) > MAX_ANSWER:
        raise BadSurvey("answer")
    await session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == response_id,
                                                     SurveyAnswer.question_id == question.id))
    session.add(SurveyAnswer(response_id=response_id, question_id=question.id, text=text))
    _advance(step, position, now)
    await session.flush()
    return await _step(session, step.survey, step.response, step.callee)


async def move(session: AsyncSession, response_id: int, actor_telegram_id: int, admins: list[int], position: int,
               now: datetime, *, forward: bool) -> Step:
    """Go on from `position` (skipping it, or done with a multiple choice), or back to the one before."""
    step = await _owned(session, response_id, actor_telegram_id, admins)
    _question_at(step, position)
    if forward:
        _advance(step, position, now)
    else:
        step.response.position = max(position - 1, 0)
    await session.flush()
    return step


async def step_of(session: AsyncSession, response_id: int, actor_telegram_id: int, admins: list[int]) -> Step:
    return await _owned(session, response_id, actor_telegram_id, admins)


async def erase_answers(session: AsyncSession, member: Member) -> None:
    """Erasure: linked answers go; anonymous answers stay, and the key that tied them to the
    member is forgotten; what they filled in as a caller stays without their name."""
    await session.execute(delete(SurveyResponse).where(SurveyResponse.member_id == member.id))
    key = await hash_key(session)
    for survey_id in await session.scalars(select(Survey.id).where(Survey.anonymous.is_(True), Survey.status == OPEN)):
        await session.execute(update(SurveyResponse).where(
            SurveyResponse.survey_id == survey_id,
            SurveyResponse.respondent_key == keyed_hash(key, "survey", f"{survey_id}:{member.id}"))
            .values(respondent_key=None).execution_options(synchronize_session=False))
    await session.execute(update(SurveyResponse).where(SurveyResponse.filled_by == member.id).values(filled_by=None)
                          .execution_options(synchronize_session=False))


async def linked_answers(session: AsyncSession, member_id: int) -> list[tuple[Survey, SurveyQuestion, SurveyResponse, SurveyAnswer]]:
    """The member's linked answers, for their data export."""
    rows = await session.execute(
        select(Survey, SurveyQuestion, SurveyResponse, SurveyAnswer)
        .join(SurveyResponse, SurveyResponse.survey_id == Survey.id)
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .where(SurveyResponse.member_id == member_id)
        .order_by(Survey.id, SurveyQuestion.position, SurveyAnswer.id))
    return [tuple(row) for row in rows.all()]  # type: ignore[misc]
