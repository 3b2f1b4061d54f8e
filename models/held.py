"""When an activity counts as held, one rule for every figure (README "Reports"): it is over, not cancelled
nor recorded as not held, and at least one person took part — someone was checked in, or someone held a seat
(signed up, or answered yes with a place) and was not marked "didn't come". A round or an event nobody came to
(nobody signed up, or everyone marked "didn't come") is not held, whatever its leader reported: the reports, the
plan, the annual figures and the Monday digest leave it out, with its doors and conversations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists

from models import activity as act
from models import event_tables as evt
from models import round_tables as rdt


def _someone_there(spec: act.Seats, now: datetime) -> Any:
    holder = spec.holder
    return exists().where(getattr(holder, spec.activity_column) == spec.activity.id,
                          act.attended_condition(spec, spec.activity.ends_at, now))


def _held(spec: act.Seats, now: datetime) -> Any:
    activity = spec.activity
    return (activity.status == act.PLANNED) & (activity.ends_at <= now) & _someone_there(spec, now)


def round_held(now: datetime) -> Any:
    """SQL: this Round row was held by `now`."""
    return _held(rdt.SEATS, now)


def event_held(now: datetime) -> Any:
    """SQL: this Event row was held by `now`."""
    return _held(evt.SEATS, now)
