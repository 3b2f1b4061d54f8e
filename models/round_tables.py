"""The tables of door-knocking rounds and the errors their rules give (rules in models/rounds.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    case,
    func,
    null,
    select,
)
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from models import activity as act
from models.activity import PLANNED
from models.base import Base, UTCDateTime, utcnow

LEFT = "left"
# A round's status once its leader has said it never took place (rain, nobody came): not cancelled
# beforehand, not held either, so it counts nowhere a held round counts.
NOT_HELD = "not_held"
MAX_TEXT = 2000


class RoundError(act.ActivityError):
    """A round cannot be created, changed or joined as asked."""


class InPast(RoundError, act.InPast):
    """The start is in the past."""


class EndBeforeStart(RoundError, act.EndBeforeStart):
    """The end is not after the start."""


class BadCapacity(RoundError, act.BadCapacity):
    """Capacity must be at least 1 (and at most MAX_CAPACITY)."""


class UnknownLeader(RoundError):
    """The leader is not a member."""


class RoundClosed(RoundError, act.Closed):
    """The round is cancelled or has already started."""


class RoundStarted(RoundClosed, act.Started):
    """The round has begun (or is over): it can no longer be moved or cancelled."""


class RoundReported(RoundClosed):
    """The round has a report: it stays as it was held, neither moved nor cancelled."""


class RoundNotHeld(RoundClosed):
    """The round was cancelled or, by its leader's word, never took place: nothing is told about its doors."""


class MarkedAbsent(RoundError):
    """The leader marked the member as not having come: they tell nothing about the round's doors."""


class CheckInClosed(RoundError):
    """The leader's check-in no longer acts: `reason` is "cancelled", "not_held", "reported" or "over"."""

    def __init__(self, round_id: int, reason: str) -> None:
        super().__init__(round_id)
        self.reason = reason


class SeatGiven(RoundError, act.NowSeated):
    """A waiting-list button pressed after the member moved up to a seat."""


class RoundMoved(RoundError, act.Moved):
    """A button sent about the round at its old time, pressed after it moved."""


class AlreadySignedUp(RoundError, act.AlreadySignedUp):
    """The member already has a seat or a place on the waiting list."""


class LeadsRound(RoundError):
    """The member leads one of the round's teams: their place is with their team, not a seat in it."""


class NotSignedUp(RoundError, act.NotSignedUp):
    """The member is not signed up for the round."""


class CapacityTooSmall(RoundError, act.CapacityTooSmall):
    """More people already have seats than the new capacity."""


class Round(Base):
    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    meeting_point: Mapped[str] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    capacity: Mapped[int] = mapped_column(Integer)
    partner: Mapped[str | None] = mapped_column(String(200))
    # The partner record the round names (models/partners.py); `partner` keeps its name for display.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    briefing: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=PLANNED)
    # A debrief or social gathering afterwards, to which the participants are invited.
    debrief_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    # Bumped when the round moves, so that reminders for the new time get new dedupe keys.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    teams: Mapped[list[Team]] = relationship(back_populates="round", lazy="selectin", cascade="all, delete-orphan",
                                             order_by="Team.id")


class Team(Base):
    __tablename__ = "round_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    capacity: Mapped[int] = mapped_column(Integer)

    round: Mapped[Round] = relationship(back_populates="teams")


class Signup(Base):
    __tablename__ = "round_signups"
    __table_args__ = (UniqueConstraint("round_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("round_teams.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12))
    attended: Mapped[bool | None] = mapped_column(Boolean)  # None until the leader checks in
    # Place in the round's queue, drawn under the round's lock: the waiting list's order.
    queue: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "I'm coming" pressed under the reminder, for the round's time as it is (a move clears it); the leader sees it.
    coming_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DoorInput(Base):
    """What a member heard at the doors: a theme and free text; never a voter's name or address."""

    __tablename__ = "door_inputs"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    district: Mapped[str] = mapped_column(String(20))
    theme: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoundReport(Base):
    """A team's report of a round (one per team; a round without teams has one, with no team). The
    round's figures are the sum of its teams' reports."""

    __tablename__ = "round_reports"
    __table_args__ = (UniqueConstraint("round_id", "team_id", name="uq_round_reports_round_id_team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    # The team reported on; a team removed later leaves its figures counted for the round (SET NULL).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("round_teams.id", ondelete="SET NULL"), index=True)
    doors: Mapped[int] = mapped_column(Integer)
    conversations: Mapped[int] = mapped_column(Integer)
    themes: Mapped[list[str]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text, default="")
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def team_on_claim(state: Any) -> dict[str, Any]:
    """A seat goes to the team with the most room (the first team, by id, when none has any; no team
    on a round without teams or on the waiting list), as `rounds._team_with_room` chooses on promotion."""
    others = aliased(Signup, name="teammate")
    taken = (select(func.count()).select_from(others)
             .where(others.round_id == Team.round_id, others.status == act.CONFIRMED, others.team_id == Team.id)
             .scalar_subquery())
    room = Team.capacity - taken
    best = (select(Team.id).where(Team.round_id == bindparam("activity_id"))
            .order_by(case((room > 0, room), else_=0).desc(), Team.id).limit(1).scalar_subquery())
    # "Jeg kommer" was said of an earlier sign-up: one who left and comes back has not said it yet.
    return {"team_id": case((state == act.CONFIRMED, best), else_=None), "coming_at": null()}


SEATS = act.Seats(
    activity=Round, holder=Signup, activity_column="round_id", on_claim=team_on_claim,
    errors={act.InPast: InPast, act.EndBeforeStart: EndBeforeStart, act.BadCapacity: BadCapacity,
            act.Closed: RoundClosed, act.Started: RoundStarted, act.AlreadySignedUp: AlreadySignedUp, act.NotSignedUp: NotSignedUp,
            act.CapacityTooSmall: CapacityTooSmall, act.Moved: RoundMoved},
    joined=(Round.teams,),
)

