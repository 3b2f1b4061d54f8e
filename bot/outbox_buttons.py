"""Callback data of the buttons on proactive messages, one function per button.

The handlers that answer these presses own the format; when they switch to typed callback
families (bot/callbacks.py), only these functions change.
"""

from __future__ import annotations


def coming(round_id: int) -> str:
    return f"rd:coming:{round_id}"


def cannot_come(round_id: int) -> str:
    return f"rd:cant:{round_id}"


def theme(round_id: int, theme: str) -> str:
    return f"rd:theme:{round_id}:{theme}"


def nothing_to_add(round_id: int) -> str:
    return f"rd:nothing:{round_id}"


def file_report(round_id: int) -> str:
    return f"rd:report:{round_id}"


def rsvp(event_id: int, answer: str) -> str:
    return f"ev:rsvp:{event_id}:{answer}"


def join_round(round_id: int) -> str:
    return f"rd:join:{round_id}"


def next_call(campaign_id: int) -> str:
    return f"pb:next:{campaign_id}"


def take_welcome_call(task_id: int) -> str:
    return f"wl:take:{task_id}"
