"""Button families of rounds and events (see bot/callbacks.py), in bot/ because outbox messages built
in bot/ carry some of them too. The prefix names the family; the fields carry what the press acts on.

Five families are also sent in messages that were built before they existed (and by bot/ modules not
yet switched to `pack()`): "rd:join:7" instead of "rd.join:7". `LEGACY` lists them, and
`accepts`/`read` take both spellings, so a button in a message already delivered keeps working.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar

from bot.callbacks import BadCallback, CallbackData, Id, Number, callback, with_prefixes

Kind = Literal["rd", "ev"]  # which activity a shared management button is about: round or event
Answer = Literal["yes", "maybe", "no"]


# Rounds: what members press.
@callback("rd.page")
class RoundPage:
    """A further page of the rounds coming up (0 is the first)."""

    page: Number


@callback("ev.page")
class EventPage:
    """A further page of the events coming up, of one kind or "all"."""

    kind: str
    page: Number


@callback("act.page")
class ManagePage:
    """A further page of the rounds or events this member may manage."""

    kind: Kind
    page: Number


@callback("rd.list")
class RoundList:
    """Show the rounds coming up."""


@callback("rd.join")
class JoinRound:
    round_id: Id


@callback("rd.leave")
class LeaveRound:
    round_id: Id


@callback("rd.unwait")
class LeaveWaitingList:
    """Leave a round's waiting list: shown only to someone on it. Pressed after they moved up to a
    seat, it gives up nothing; they are told they have a seat, with the ordinary leave button."""

    round_id: Id


@callback("rd.cant")
class CantCome:
    """"I can't after all" under the two-hour reminder: leave, and take the buttons away."""

    round_id: Id


@callback("rd.coming")
class Coming:
    round_id: Id


@callback("rd.cantat")
class CantComeAt:
    """"I can't after all" under a reminder or notice about the round starting at `at` (models.activity.minute):
    leaves only while the round still starts then; pressed after a move, it says so and leaves nothing."""

    round_id: Id
    at: Number


@callback("rd.comeat")
class ComingAt:
    """"I'm coming" under the two-hour reminder about the round starting at `at`; after a move it says so."""

    round_id: Id
    at: Number


@callback("rd.theme")
class DoorTheme:
    """A theme under the follow-up after a round: what the member heard about it comes next."""

    round_id: Id
    theme: str


@callback("rd.nothing")
class NothingToAdd:
    round_id: Id


# Rounds: what leaders and the board press.
@callback("rd.new")
class NewRound:
    pass


@callback("rd.manage")
class ManageRounds:
    pass


@callback("rd.report")
class FileReport:
    round_id: Id


@callback("rd.in")
class TeamCheckIn:
    signup_id: Id
    present: bool


@callback("rd.ltr")
class AcceptLeaderTraining:
    """"Yes, I'd like leader training" under the offer a member gets after their third round (their own answer)."""


@callback("rd.mkldr")
class MakeLeader:
    """The board gives the leader role to someone who said yes to leader training (/dorbank ledere)."""

    member_id: Id


@callback("rdc.district")
class DraftDistrict:
    district: str


@callback("rdc.leader")
class DraftLeader:
    choice: Literal["me", "none"]


@callback("rdc.team")
class DraftTeams:
    choice: Literal["more", "done"]


@callback("rdr.theme")
class ReportTheme:
    round_id: Id
    theme: str


@callback("rdr.done")
class ReportThemesDone:
    round_id: Id


@callback("rdr.skip")
class ReportSkipText:
    round_id: Id


@callback("rdr.nh")
class NotHeld:
    """"The round did not take place" in the report flow: asked ("ask"), then confirmed ("yes") or not ("no")."""

    round_id: Id
    step: Literal["ask", "yes", "no"]


@callback("rdr.team")
class ReportTeam:
    """Whose report to file, for one who files for more than one team of the round."""

    round_id: Id
    team_id: Id


@callback("rdr.replace")
class ReplaceReport:
    """A report is filed already: write a new one in its place."""

    round_id: Id


@callback("rdm.qr")
class RoundQr:
    round_id: Id


@callback("rdm.team")
class RoundTeam:
    round_id: Id


@callback("rdm.debrief")
class ChooseDebrief:
    round_id: Id


@callback("rdm.link")
class LinkDebrief:
    round_id: Id
    event_id: Id


# Events.
@callback("ev.kind")
class EventKind:
    """The event list filtered by kind ("all" for every kind)."""

    kind: str


@callback("ev.show")
class ShowEvent:
    event_id: Id


@callback("ev.rsvp")
class Rsvp:
    event_id: Id
    answer: Answer


@callback("ev.wrsvp")
class WaitingRsvp:
    """Maybe or no, on a card or list shown to someone on the event's waiting list. Pressed after they
    were given a place, it changes nothing; they are told they have a place, with the ordinary card."""

    event_id: Id
    answer: Answer


@callback("ev.cantat")
class EventCantCome:
    """"I can't after all" under a reminder about the event starting at `at` (models.activity.minute): answers
    no only while the event still starts then; pressed after a move, it says so and changes nothing."""

    event_id: Id
    at: Number


@callback("ev.ics")
class EventCalendarFile:
    event_id: Id


@callback("ev.new")
class NewEvent:
    pass


@callback("ev.manage")
class ManageEvents:
    pass


@callback("ev.in")
class EventCheckIn:
    event_id: Id
    rsvp_id: Id
    present: bool


@callback("ev.tags")
class EventTags:
    """The board's tag buttons for a stored event (handlers/event_tags.py)."""

    event_id: Id


@callback("ev.tag")
class EventTag:
    """Toggle one of the plan's tags on a stored event."""

    event_id: Id
    tag: str


@callback("ev.stags")
class EventSeriesTags:
    """Give this occurrence's tags to every later one of its series, and to the series (as moving a series)."""

    event_id: Id


@callback("evc.kind")
class DraftKind:
    kind: str


@callback("evc.me")
class DraftContactMe:
    pass


@callback("evc.tag")
class DraftTag:
    """Toggle one of the plan's tags (models/constants.EVENT_TAGS) on the event being created."""

    tag: str


@callback("evc.tagsdone")
class DraftTagsDone:
    pass


@callback("evc.repeat")
class DraftRepeat:
    repeat: Literal["none", "monthly", "yearly"]


# Shared by the creation flows (nothing stored yet, so nothing to carry).
@callback("draft.skip")
class SkipStep:
    pass


@callback("draft.create")
class CreateDraft:
    pass


@callback("draft.stop")
class StopFlow:
    pass


# One manage/edit/move/cancel flow for rounds and events (handlers/activity_manage.py).
@callback("act.do")
class ActivityAction:
    kind: Kind
    action: Literal["move", "edit", "cancel", "people"]
    activity_id: Id


@callback("act.field")
class EditField:
    kind: Kind
    activity_id: Id
    field: Literal["title", "place", "capacity", "description", "briefing", "partner", "district"]


@callback("act.cancel")
class ConfirmCancel:
    kind: Kind
    activity_id: Id


@callback("act.keep")
class KeepActivity:
    kind: Kind
    activity_id: Id


LEGACY: tuple[type[CallbackData], ...] = (RoundList, JoinRound, CantCome, Coming, DoorTheme, NothingToAdd,
                                          FileReport, EventKind, ShowEvent, Rsvp)
Family = TypeVar("Family", bound=CallbackData)


def _modern(family: type[CallbackData], data: object) -> object:
    """'rd:join:7' → 'rd.join:7' for the families that were sent with the old spelling."""
    if family not in LEGACY or not isinstance(data, str):
        return data
    old = family.prefix.replace(".", ":", 1)
    if data == old or data.startswith(old + ":"):
        return family.prefix + data[len(old):]
    return data


def accepts(family: type[CallbackData]) -> Callable[[object], bool]:
    """A `pattern=` for presses of `family`, in either spelling."""
    if family not in LEGACY:
        return family.matches
    legacy = family.prefix.split(".", 1)[0]  # "rd:join:7" reaches a handler as prefix "rd"
    return with_prefixes(lambda data: family.matches(data) or family.matches(_modern(family, data)),
                         family, extra=(legacy,))


def read(family: type[Family], data: object) -> Family:
    try:
        return family.parse(data)
    except BadCallback:
        return family.parse(_modern(family, data))
