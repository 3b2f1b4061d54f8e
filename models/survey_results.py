"""A survey's results: counts per option, by district, the free texts, and for the district-chapter
mapping where a pilot has enough people. For the board only (the handlers and the command line check)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.member import DISTRICTS, Member
from models.survey_tables import DISTRICT, FREE_TEXT, Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from models.surveys import PILOT_MIN_INTERESTED, PILOT_MIN_ROLES, get, questions_of

NO_DISTRICT = "-"


@dataclass
class QuestionResult:
    question: SurveyQuestion
    counts: Counter[str] = field(default_factory=Counter)
    by_district: dict[str, Counter[str]] = field(default_factory=dict)
    # (district, text, name or None): the name only in a linked survey
    texts: list[tuple[str, str, str | None]] = field(default_factory=list)
    answered: int = 0


@dataclass
class Results:
    survey: Survey
    responses: int
    completed: int
    by_caller: int
    questions: list[QuestionResult]

    def of(self, key: str) -> QuestionResult | None:
        return next((q for q in self.questions if q.question.key == key), None)


async def results(session: AsyncSession, survey_id: int) -> Results:
    survey = await get(session, survey_id)
    questions = await questions_of(session, survey_id)
    responses = list(await session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey_id)
                                           .order_by(SurveyResponse.id)))
    answers: dict[int, list[SurveyAnswer]] = {}
    if responses:
        for answer in await session.scalars(select(SurveyAnswer).where(SurveyAnswer.response_id.in_([r.id for r in responses]))
                                            .order_by(SurveyAnswer.id)):
            answers.setdefault(answer.response_id, []).append(answer)
    names: dict[int, str | None] = {}
    if not survey.anonymous:
        ids = [r.member_id for r in responses if r.member_id is not None]
        names = dict((await session.execute(select(Member.id, Member.name).where(Member.id.in_(ids)))).all()) if ids else {}
    district_question = next((q.id for q in questions if q.kind == DISTRICT), None)
    table = {q.id: QuestionResult(q) for q in questions}
    for response in responses:
        given = answers.get(response.id, [])
        stated = next((a.option for a in given if a.question_id == district_question and a.option), None)
        district = stated or response.district or NO_DISTRICT
        seen: set[int] = set()
        for answer in given:
            result = table.get(answer.question_id)
            if result is None:
                continue
            if answer.question_id not in seen:
                seen.add(answer.question_id)
                result.answered += 1
            if result.question.kind == FREE_TEXT and answer.text:
                result.texts.append((district, answer.text, names.get(response.member_id or 0)))
            elif answer.option:
                result.counts[answer.option] += 1
                result.by_district.setdefault(district, Counter())[answer.option] += 1
    return Results(survey, len(responses), sum(1 for r in responses if r.completed_at is not None),
                   sum(1 for r in responses if r.filled_by is not None), [table[q.id] for q in questions])


@dataclass
class PilotRow:
    district: str
    answered: int
    interested: int
    maybe: int
    roles: int

    @property
    def ready(self) -> bool:
        return self.interested >= PILOT_MIN_INTERESTED and self.roles >= PILOT_MIN_ROLES


async def pilot(session: AsyncSession, survey_id: int, role_takers: tuple[str, ...] = ("lead", "board")) -> list[PilotRow]:
    """Per district (the one each person named, else their district): how many want to help start a
    district chapter (yes / maybe) and how many will take a role in it."""
    questions = {q.key: q for q in await questions_of(session, survey_id)}
    interest, role, place = questions.get("interest"), questions.get("role"), questions.get("district")
    responses = list(await session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey_id)))
    rows = {d: PilotRow(d, 0, 0, 0, 0) for d in DISTRICTS}
    if not responses or interest is None:
        return list(rows.values())
    given: dict[int, dict[int, str]] = {}
    for answer in await session.scalars(select(SurveyAnswer).where(SurveyAnswer.response_id.in_([r.id for r in responses]))):
        if answer.option:
            given.setdefault(answer.response_id, {})[answer.question_id] = answer.option
    for response in responses:
        mine = given.get(response.id, {})
        district = (mine.get(place.id) if place else None) or response.district
        if district not in rows:
            continue
        row = rows[district]
        row.answered += 1
        row.interested += mine.get(interest.id) == "yes"
        row.maybe += mine.get(interest.id) == "maybe"
        row.roles += role is not None and mine.get(role.id) in role_takers
    return list(rows.values())
