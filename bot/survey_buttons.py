"""The buttons of answering a survey (a member's own, or a caller's from the call card); their
callback data is packed here and parsed in handlers/survey_answer.py."""

from __future__ import annotations

from bot.callbacks import Id, Number, callback


@callback("sv.open")
class OpenSurvey:
    """Open (or resume) a survey; `again` starts from the first question to change answers."""

    survey_id: Id
    again: bool


@callback("sv.call")
class CallSurvey:
    """A caller opens the phone round's survey for the person on the call card."""

    target_id: Id


@callback("sv.pick")
class PickOption:
    """An option of the question at `position`: chosen (single, district) or toggled (multiple)."""

    response_id: Id
    position: Number
    index: Number


@callback("sv.go")
class GoOn:
    """On from the question at `position` (done with a multiple choice, or skipped), or back from it."""

    response_id: Id
    position: Number
    forward: bool


@callback("sv.new")
class NewSurvey:
    """The board's "➕ New survey" under /undersokelse."""


@callback("sv.card")
class SurveyCard:
    """The board's card of one survey: send, results, close, phone round, audience."""

    survey_id: Id
