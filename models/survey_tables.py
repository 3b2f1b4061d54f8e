"""The tables of surveys: a survey, its questions, one response per person, and the answers in it.

Kept apart from the operations (models/surveys.py) so that an audience built from answers
(models/broadcast.py) can read them without importing phone rounds and the rest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

OPEN, CLOSED = "open", "closed"
SINGLE, MULTI, FREE_TEXT, DISTRICT = "single", "multi", "text", "district"
QUESTION_KINDS: tuple[str, ...] = (SINGLE, MULTI, FREE_TEXT, DISTRICT)
GENERAL, MAPPING = "general", "district_chapter"


class Survey(Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(Text, default="")
    # Anonymous: answers are stored without the member; linked: with them. Chosen when created.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(20), default=GENERAL)
    # A ready-made survey (the district-chapter mapping) keeps English msgids, shown in each reader's language.
    translated: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    audience: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SurveyQuestion(Base):
    __tablename__ = "survey_questions"
    __table_args__ = (UniqueConstraint("survey_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    # [{"key": "yes", "label": "Ja"}, …] for single and multiple choice; empty otherwise.
    options: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class SurveyResponse(Base):
    """One person's answers to one survey. Linked: `member_id`. Anonymous: no member, only a keyed
    hash (`respondent_key`) so the member can resume and change it while the survey is open; it is
    cleared when the survey closes or the member erases their data."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("survey_id", "member_id", name="uq_survey_responses_member"),
                      UniqueConstraint("survey_id", "respondent_key", name="uq_survey_responses_respondent"))

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    respondent_key: Mapped[str | None] = mapped_column(String(64))
    # A caller who filled it in during a phone round (None: the member did).
    filled_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    # The member's district when they answered (results by district also for anonymous surveys).
    district: Mapped[str | None] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SurveyAnswer(Base):
    """One chosen option (several rows for multiple choice), or one free text."""

    __tablename__ = "survey_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True)
    option: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)
