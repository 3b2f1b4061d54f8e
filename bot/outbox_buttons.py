"""Callback data of the buttons on proactive messages, one function per button, packed from the
same typed families the handlers parse (bot/activity_buttons.py, bot/member_buttons.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from bot.activity_buttons import (
    AcceptLeaderTraining,
    CantComeAt,
    ComingAt,
    DoorTheme,
    EventCalendarFile,
    EventCantCome,
    EventKind,
    FileReport,
    JoinRound,
    NothingToAdd,
    RoundList,
    RoundTeam,
    Rsvp,
    ShowEvent,
)
from bot.member_buttons import CallStep, NudgeControl, ReplyToBoard, WelcomeStep
from bot.round_buttons import JoinRoundAt
from models.activity import minute


def coming(round_id: int, starts_at: datetime) -> str:
    """"I'm coming", about the round as it starts at `starts_at` (a move since makes it say so)."""
    return ComingAt(round_id=round_id, at=minute(starts_at)).pack()


def cannot_come(round_id: int, starts_at: datetime) -> str:
    """"I can't after all", about the round as it starts at `starts_at`: after a move it leaves nothing."""
    return CantComeAt(round_id=round_id, at=minute(starts_at)).pack()


def cannot_come_to_event(event_id: int, starts_at: datetime) -> str:
    """"I can't after all" under an event's reminder, about the event as it starts at `starts_at`."""
    return EventCantCome(event_id=event_id, at=minute(starts_at)).pack()


def theme(round_id: int, theme: str) -> str:
    return DoorTheme(round_id=round_id, theme=theme).pack()


def nothing_to_add(round_id: int) -> str:
    return NothingToAdd(round_id=round_id).pack()


def accept_leader_training() -> str:
    return AcceptLeaderTraining().pack()


def round_team(round_id: int) -> str:
    """A leader's team list for the round (who is signed up, who has said "I'm coming")."""
    return RoundTeam(round_id=round_id).pack()


def file_report(round_id: int) -> str:
    return FileReport(round_id=round_id).pack()


def rsvp(event_id: int, answer: Literal["yes", "maybe", "no"]) -> str:
    return Rsvp(event_id=event_id, answer=answer).pack()


def calendar_file(event_id: int) -> str:
    return EventCalendarFile(event_id=event_id).pack()


def join_round(round_id: int) -> str:
    return JoinRound(round_id=round_id).pack()


def join_round_at(round_id: int, starts_at: datetime) -> str:
    """«Join» that knows the start it was offered for, so a press after a move can say the round moved."""
    return JoinRoundAt(round_id=round_id, at=minute(starts_at)).pack()


def show_event(event_id: int) -> str:
    return ShowEvent(event_id=event_id).pack()


def rounds_coming_up() -> str:
    return RoundList().pack()


def events_of_kind(kind: str) -> str:
    return EventKind(kind=kind).pack()


def next_call(campaign_id: int) -> str:
    return CallStep("next", campaign_id).pack()


def take_welcome_call(task_id: int) -> str:
    return WelcomeStep("take", task_id).pack()


def nudge_control(action: Literal["snooze", "off"], rule: str) -> str:
    return NudgeControl(action, rule).pack()


def reply_to_board(broadcast_id: int) -> str:
    return ReplyToBoard(broadcast_id=broadcast_id).pack()


# What a broadcast's one button can point to (the board picks it in /utsending).
BROADCAST_BUTTONS = {"round": join_round, "event": show_event, "calls": next_call}
