"""The tables of events and recurring series, and the errors their rules give (rules in models/events.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint, literal
from sqlalchemy.orm import Mapped, mapped_column

from models import activity as act
from models.activity import PLANNED
from models.base import Base, UTCDateTime, utcnow
from models.constants import EVENT_KINDS, EVENT_TAGS

KINDS: tuple[str, ...] = EVENT_KINDS
TAGS: tuple[str, ...] = EVENT_TAGS
ANSWERS: tuple[str, ...] = ("yes", "maybe", "no")
NONE = "none"


class EventError(act.ActivityError):
    """An event cannot be created, changed or answered as asked."""


class InPast(EventError, act.InPast):
    """The start is in the past."""


class EndBeforeStart(EventError, act.EndBeforeStart):
    """The end is not after the start."""


class EventClosed(EventError, act.Closed):
    """The event is cancelled or has started."""


class EventStarted(EventClosed, act.Started):
    """The event has begun (or is over): it can no longer be moved or cancelled."""


class PlaceGiven(EventError, act.NowSeated):
    """A waiting-list button pressed after the member moved up to a place."""


class CheckInNotOpen(EventError):
    """Check-in opens CHECK_IN_OPENS before the start (models/events.py)."""


class CheckInClosed(EventError):
    """Check-in closed CHECK_IN_CLOSES after the end (models/events.py)."""


class NotBegun(EventError):
    """"Didn't come" before the event has begun: nobody is missing yet."""


class EventFull(EventError):
    """Someone without a place turned up and every place is held by someone not marked "didn't come"."""


class EventMoved(EventError, act.Moved):
    """A button sent about the event at its old time, pressed after it moved."""


class BadCapacity(EventError, act.BadCapacity):
    """Capacity must be between 1 and MAX_CAPACITY."""


class CapacityTooSmall(EventError, act.CapacityTooSmall):
    """More people already have places than the new capacity."""


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("series_id", "occurrence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    capacity: Mapped[int | None] = mapped_column(Integer)
    partners: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")  # models/constants.EVENT_TAGS
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default=PLANNED)
    version: Mapped[int] = mapped_column(Integer, default=1)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("event_series.id", ondelete="SET NULL"), index=True)
    occurrence: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Series(Base):
    """A recurring event entered once: an RFC 5545 rule in Oslo time, materialised a year ahead."""

    __tablename__ = "event_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(300))
    rule: Mapped[str] = mapped_column(String(200))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    first_local: Mapped[str] = mapped_column(String(16))  # "2027-05-01T08:00", Oslo wall-clock time
    minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int | None] = mapped_column(Integer)
    partners: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Rsvp(Base):
    __tablename__ = "event_rsvps"
    __table_args__ = (UniqueConstraint("event_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(8))
    seat: Mapped[str] = mapped_column(String(12), default=NONE)  # confirmed / waiting / none
    attended: Mapped[bool | None] = mapped_column(Boolean)
    # Place in the event's queue, drawn under the event's lock: the waiting list's order.
    queue: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


SEATS = act.Seats(
    activity=Event, holder=Rsvp, activity_column="event_id", state_column="seat",
    on_claim=lambda _state: {"answer": literal("yes")},  # a seat (or the waiting list) is taken by a yes
    errors={act.InPast: InPast, act.EndBeforeStart: EndBeforeStart, act.BadCapacity: BadCapacity,
            act.Closed: EventClosed, act.Started: EventStarted, act.CapacityTooSmall: CapacityTooSmall,
            act.Moved: EventMoved},
)


