"""Button families that messages from the outbox (built in bot/) and the handlers share.

Their packed form is what queued outbox rows already carry ("pb:next:7", "wl:take:3",
"ng:snooze:rounds", "set:int"), so buttons in messages sent before an upgrade keep working.
"""

from __future__ import annotations

from typing import Literal

from bot.callbacks import Id, callback


@callback("pb")
class CallStep:
    """A caller's step in a phone round: take the next call, or stop calling."""

    step: Literal["next", "stop"]
    campaign_id: Id


@callback("wl")
class WelcomeStep:
    """A welcomer's step on one welcome task: take it, add a note, finish."""

    step: Literal["take", "note", "done"]
    task_id: Id


@callback("ng")
class NudgeControl:
    """Under a suggestion: "Not now" (snooze) or "Don't ask me about this" (off) for its rule."""

    action: Literal["snooze", "off"]
    rule: str


@callback("set")
class SettingsPage:
    """A page of /innstillinger: the overview or one of its sections."""

    page: Literal["home", "lang", "district", "int", "msg"]


def next_call(campaign_id: int) -> str:
    return CallStep("next", campaign_id).pack()


def take_welcome(task_id: int) -> str:
    return WelcomeStep("take", task_id).pack()


@callback("bc.reply")
class ReplyToBoard:
    """Under a broadcast: write a reply that goes to the board."""

    broadcast_id: Id


@callback("lnk")
class DecideLink:
    """The board's answer to "link <Telegram name> to <member>?"."""

    answer: Literal["yes", "no"]
    request_id: Id
