"""A survey as written (in the chat or a YAML file), checked before it is stored."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from models.errors import DomainError
from models.survey_tables import MULTI, QUESTION_KINDS, SINGLE

MAX_QUESTIONS, MAX_OPTIONS = 12, 8
MAX_TITLE, MAX_INTRO, MAX_QUESTION, MAX_LABEL, MAX_ANSWER = 120, 1000, 300, 40, 1000
_KEY = re.compile(r"^[a-z0-9_]{1,32}$")


class BadSurvey(DomainError):
    """A survey as written does not hold together (the argument says where)."""


@dataclass
class QuestionSpec:
    text: str
    kind: str
    options: list[tuple[str, str]] = field(default_factory=list)
    key: str = ""


@dataclass
class SurveySpec:
    title: str
    questions: list[QuestionSpec]
    intro: str = ""
    anonymous: bool = False


def _text(value: Any, limit: int, where: str) -> str:
    text = str(value if value is not None else "").strip()
    if not text or len(text) > limit:
        raise BadSurvey(f"{where}: between 1 and {limit} characters")
    return text


def _word(value: Any) -> str:
    return ("Yes" if value else "No") if isinstance(value, bool) else str(value)


def spec_from_data(data: Any) -> SurveySpec:
    """A survey from plain data (a YAML file): title, intro, anonymous, questions with text, kind,
    options (a list of labels, or key: label) and an optional key. Raises BadSurvey saying where."""
    if not isinstance(data, dict):
        raise BadSurvey("the file must hold title, anonymous and questions")
    items = data.get("questions")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_QUESTIONS:
        raise BadSurvey(f"questions: a list of 1 to {MAX_QUESTIONS}")
    anonymous = data.get("anonymous", False)
    if not isinstance(anonymous, bool):
        raise BadSurvey("anonymous: true or false")
    questions = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise BadSurvey(f"question {number}: text and kind")
        kind = str(item.get("kind", SINGLE))
        raw = item.get("options") or []
        pairs = list(raw.items()) if isinstance(raw, dict) else [(f"o{n}", label) for n, label in enumerate(raw, 1)]
        # YAML 1.1 reads an unquoted yes/no as true/false: as an option's key or label it means the word.
        options = [(_word(key).lower(), _text(_word(label), MAX_LABEL, f"question {number}, option {key}")) for key, label in pairs]
        questions.append(QuestionSpec(_text(item.get("text"), MAX_QUESTION, f"question {number}"), kind, options,
                                      str(item.get("key") or f"q{number}")))
    spec = SurveySpec(_text(data.get("title"), MAX_TITLE, "title"), questions,
                      str(data.get("intro") or "").strip(), anonymous)
    validate(spec)
    return spec


def validate(spec: SurveySpec) -> SurveySpec:
    _text(spec.title, MAX_TITLE, "title")
    if len(spec.intro) > MAX_INTRO:
        raise BadSurvey(f"intro: at most {MAX_INTRO} characters")
    if not 1 <= len(spec.questions) <= MAX_QUESTIONS:
        raise BadSurvey(f"between 1 and {MAX_QUESTIONS} questions")
    keys = [q.key for q in spec.questions]
    for number, question in enumerate(spec.questions, 1):
        where = f"question {number}"
        if question.kind not in QUESTION_KINDS:
            raise BadSurvey(f"{where}: kind is one of {', '.join(QUESTION_KINDS)}")
        if not _KEY.match(question.key) or keys.count(question.key) > 1:
            raise BadSurvey(f"{where}: key {question.key!r} must be unique, lowercase letters, digits or _")
        _text(question.text, MAX_QUESTION, where)
        if question.kind in (SINGLE, MULTI):
            codes = [key for key, _label in question.options]
            if not 2 <= len(codes) <= MAX_OPTIONS:
                raise BadSurvey(f"{where}: 2 to {MAX_OPTIONS} options")
            if len(set(codes)) != len(codes) or not all(_KEY.match(c) for c in codes):
                raise BadSurvey(f"{where}: option keys must be unique, lowercase letters, digits or _")
            for _key, label in question.options:
                _text(label, MAX_LABEL, f"{where}, option")
        elif question.options:
            raise BadSurvey(f"{where}: only single and multiple choice have options")
    return spec
