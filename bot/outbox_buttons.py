"""Callback data of the buttons on proactive messages, one function per button, packed from the
same typed families the handlers parse (bot/activity_buttons.py, bot/member_buttons.py)."""

from __future__ import annotations

from typing import Literal

from bot.activity_buttons import (
    AcceptLeaderTraining,
    CantCome,
    Coming,
    DoorTheme,
    EventCalendarFile,
    EventKind,
    FileReport,
    JoinRound,
    NothingToAdd,
    RoundList,
    Rsvp,
    ShowEvent,
)
from bot.member_buttons import CallStep, NudgeControl, ReplyToBoard, WelcomeStep


def coming(round_id: int) -> str:
    return Coming(round_id=round_id).pack()


def cannot_come(round_id: int) -> str:
    return CantCome(round_id=round_id).pack()


def theme(round_id: int, theme: str) -> str:
    return DoorTheme(round_id=round_id, theme=theme).pack()


def nothing_to_add(round_id: int) -> str:
    return NothingToAdd(round_id=round_id).pack()


def accept_leader_training() -> str:
    return AcceptLeaderTraining().pack()


def file_report(round_id: int) -> str:
    return FileReport(round_id=round_id).pack()


def rsvp(event_id: int, answer: Literal["yes", "maybe", "no"]) -> str:
    return Rsvp(event_id=event_id, answer=answer).pack()


def calendar_file(event_id: int) -> str:
    return EventCalendarFile(event_id=event_id).pack()


def join_round(round_id: int) -> str:
    return JoinRound(round_id=round_id).pack()


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
