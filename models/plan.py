"""The work plan on one screen: each goal's held and planned dates this year and next, and the
longest stretch with nothing planned (DECISIONS "The plan on one screen"). Rendering: bot/reports/plan.py."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import held as held_
from models import leader_training as training
from models import survey_results as results
from models import surveys as sv
from models import welcome as wl
from models.activity import PLANNED
from models.asks import Ask, AskAnswer
from models.constants import COURSES_PER_YEAR_GOAL, OPEN_MEETINGS_PER_YEAR_GOAL, OSLO, ROUNDS_PER_YEAR_GOAL
from models.event_tables import Event
from models.member import STATUS_ERASED, Member
from models.round_reports import inputs_and_reports
from models.round_tables import Round, Team

PARTNER_ROUNDS_GOAL = 1  # rounds together with a partner organisation on record, a year
PILOTS_GOAL = 2  # district-chapter pilots (the work plan)
GAP_DAYS = 21  # a stretch this long with nothing planned is a gap
AHEAD_DAYS = 90  # looked at from today
PRESENCE_TAGS = ("march_8", "may_day_breakfast", "pride")  # days the chapter is present on, marked on the chart
# The (month, day) after which a presence day is past for the year: 8 March and 1 May are fixed; Pride has no
# fixed day (Trondheim Pride is held in September), so it counts as past once September is over.
PRESENCE_LAST_DAY = {"march_8": (3, 8), "may_day_breakfast": (5, 1), "pride": (9, 30)}
HELD, PLANNED_DAY, MISSED, OPEN = "held", "planned", "missed", "open"  # a presence day's state in a year


@dataclass
class Goal:
    """One goal in one year: the days it was held and the days it is planned (by Oslo date)."""

    key: str  # rounds, partner_rounds, voter_course, movements_meeting
    goal: int
    held: list[date] = field(default_factory=list)
    planned: list[date] = field(default_factory=list)


@dataclass
class Gap:
    start: date
    days: int


@dataclass
class Input:
    """What came in during the year: door input (from rounds in the year) by theme and district, answers to asks
    (given in the year) by kind and district."""

    door_by_theme: dict[str, int] = field(default_factory=dict)
    door_by_district: dict[str, int] = field(default_factory=dict)
    answers_by_kind: dict[str, int] = field(default_factory=dict)
    answers_by_district: dict[str, int] = field(default_factory=dict)


@dataclass
class Plan:
    year: int
    today: date
    goals: dict[int, list[Goal]]  # year → goals, for this year and the next
    presence: dict[str, str]  # 8 March, 1 May breakfast, Pride in `year`: held, planned, missed (past, not held) or open
    gap: Gap | None  # the longest stretch in the coming 90 days with nothing planned, if it is a gap
    next_gap: Gap | None  # the first gap in the coming 90 days
    gaps: list[Gap]  # every gap in the coming 90 days
    upcoming: list[date]  # what is planned in the coming 90 days (Oslo dates)
    welcome: wl.Report
    welcome_by_month: dict[int, tuple[int, int, int]]  # month → (in time, late, not due yet) of new members who joined then
    pilots: list[results.PilotRow] | None  # per district, from the latest mapping survey; None without one
    input: Input
    leaders: tuple[int, int] = (0, 0)  # leader training in `year`: (offered, accepted)
    most_teams: dict[int, tuple[int, date | None]] = field(default_factory=dict)  # year → most teams out on one day, that day
    marks: dict[int, list[tuple[str, date]]] = field(default_factory=dict)  # year → (tag, day) of 8 March, 1 May breakfast, Pride
    welcome_late_before: int = 0  # welcome calls still open and late of members who joined before `year`
    presence_next: dict[str, str] = field(default_factory=dict)  # the same for `year` + 1
    teams_planned: int = 0  # the most teams planned on one day from now to the end of next year (not held yet)


def _year(when: datetime) -> int:
    return when.astimezone(OSLO).year


def _span(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=OSLO), datetime(year + 2, 1, 1, tzinfo=OSLO)


async def _dated(session: AsyncSession, year: int, now: datetime) -> tuple[list[tuple[datetime, datetime, int | None]],
                                                                          list[tuple[datetime, datetime, list[str]]]]:
    """Rounds and events this year and next, each with its end, or None for its end when it is over and was not
    held (models/held.py: nobody came): it is then neither held nor planned."""
    start, end = _span(year)
    rounds = (await session.execute(select(Round.starts_at, Round.ends_at, Round.partner_id, held_.round_held(now)).where(
        Round.status == PLANNED, Round.starts_at >= start, Round.starts_at < end))).all()
    events = (await session.execute(select(Event.starts_at, Event.ends_at, Event.tags, held_.event_held(now)).where(
        Event.status == PLANNED, Event.starts_at >= start, Event.starts_at < end))).all()
    return ([(s, e, p) for s, e, p, h in rounds if h or e > now],
            [(s, e, list(t or [])) for s, e, t, h in events if h or e > now])


def _goal(key: str, goal: int, moments: list[tuple[datetime, datetime]], year: int, now: datetime) -> Goal:
    """Held (over: `_dated` keeps only held ones of those) and planned days of one goal in `year`."""
    result = Goal(key, goal)
    for starts, ends in sorted(moments):
        if _year(starts) != year:
            continue
        (result.held if ends <= now else result.planned).append(starts.astimezone(OSLO).date())
    return result


def gaps(starts: list[datetime], now: datetime, days: int = AHEAD_DAYS) -> list[Gap]:
    """The stretches of GAP_DAYS or more from now to `days` ahead without anything starting, in order."""
    until = now + timedelta(days=days)
    points = [now, *sorted(s for s in starts if now < s < until), until]
    return [Gap(a.astimezone(OSLO).date(), (b - a).days) for a, b in itertools.pairwise(points) if (b - a).days >= GAP_DAYS]


async def welcome_by_month(session: AsyncSession, year: int, now: datetime) -> dict[int, tuple[int, int, int]]:
    start, end = datetime(year, 1, 1, tzinfo=OSLO), datetime(year + 1, 1, 1, tzinfo=OSLO)
    months: dict[int, list[int]] = {}
    for task in await session.scalars(select(wl.WelcomeTask).where(wl.WelcomeTask.joined_at >= start, wl.WelcomeTask.joined_at < end)):
        row = months.setdefault(task.joined_at.astimezone(OSLO).month, [0, 0, 0])
        if task.first_contact_at is not None and task.first_contact_at <= task.due_at:
            row[0] += 1
        elif task.first_contact_at is not None or now > task.due_at:
            row[1] += 1
        else:
            row[2] += 1
    return {month: (a, b, c) for month, (a, b, c) in sorted(months.items())}


def _count(counts: dict[str, int], key: str | None) -> None:
    counts[key or "none"] = counts.get(key or "none", 0) + 1


async def year_input(session: AsyncSession, year: int) -> Input:
    start, end = datetime(year, 1, 1, tzinfo=OSLO), datetime(year + 1, 1, 1, tzinfo=OSLO)
    found = Input()
    # The door-input export's items for rounds in the year (participants' input and leaders' reports with
    # text), each under its first theme as the export's Markdown files it: the figure is its row count.
    for item in await inputs_and_reports(session, since=start, until=end):
        _count(found.door_by_theme, item["themes"][0])
        _count(found.door_by_district, item["district"])
    for kind, district in (await session.execute(select(Ask.kind, AskAnswer.district).join(Ask, Ask.id == AskAnswer.ask_id).where(
            AskAnswer.created_at >= start, AskAnswer.created_at < end))).all():
        _count(found.answers_by_kind, kind)
        _count(found.answers_by_district, district)
    return found


async def most_teams(session: AsyncSession, year: int, now: datetime, *, held: bool = True) -> tuple[int, date | None]:
    """The most teams out on one (Oslo) day in the year and the first such day: of rounds held (over by `now`,
    not cancelled), or with `held=False` of rounds still to come."""
    start, end = datetime(year, 1, 1, tzinfo=OSLO), datetime(year + 1, 1, 1, tzinfo=OSLO)
    days: dict[date, int] = {}
    when = held_.round_held(now) if held else Round.ends_at > now
    for starts, teams in (await session.execute(
            select(Round.starts_at, func.count(Team.id)).join(Team, Team.round_id == Round.id)
            .where(Round.status == PLANNED, Round.starts_at >= start, Round.starts_at < end, when)
            .group_by(Round.id, Round.starts_at))).all():
        day = starts.astimezone(OSLO).date()
        days[day] = days.get(day, 0) + int(teams)
    if not days:
        return 0, None
    best = max(days.values())
    return best, min(day for day, count in days.items() if count == best)


def presence(events: list[tuple[datetime, datetime, list[str]]], year: int, now: datetime) -> dict[str, str]:
    """Each presence day in `year`: held (an event tagged for it is over), planned (one is to come), missed (its
    day is past and none was held) or open (not planned yet, its day still to come)."""
    today = now.astimezone(OSLO).date()
    states: dict[str, str] = {}
    for tag in PRESENCE_TAGS:
        ends = [e for s, e, t in events if tag in t and _year(s) == year]
        if any(e <= now for e in ends):
            states[tag] = HELD
        elif ends:
            states[tag] = PLANNED_DAY
        else:
            states[tag] = MISSED if today > date(year, *PRESENCE_LAST_DAY[tag]) else OPEN
    return states


async def pilots(session: AsyncSession) -> list[results.PilotRow] | None:
    mapping = await sv.latest_mapping(session)
    return None if mapping is None else await results.pilot(session, mapping.id)


async def plan(session: AsyncSession, now: datetime, year: int | None = None) -> Plan:
    year = year or _year(now)
    rounds, events = await _dated(session, year, now)
    goals: dict[int, list[Goal]] = {}
    for y in (year, year + 1):
        goals[y] = [_goal("rounds", ROUNDS_PER_YEAR_GOAL, [(s, e) for s, e, _p in rounds], y, now),
                    _goal("partner_rounds", PARTNER_ROUNDS_GOAL, [(s, e) for s, e, p in rounds if p is not None], y, now),
                    _goal("voter_course", COURSES_PER_YEAR_GOAL, [(s, e) for s, e, t in events if "voter_course" in t], y, now),
                    _goal("movements_meeting", OPEN_MEETINGS_PER_YEAR_GOAL,
                          [(s, e) for s, e, t in events if "movements_meeting" in t], y, now)]
    marks: dict[int, list[tuple[str, date]]] = {year: [], year + 1: []}
    for starts, _ends, tags in sorted(events):
        for tag in (t for t in PRESENCE_TAGS if t in tags):
            marks[_year(starts)].append((tag, starts.astimezone(OSLO).date()))
    upcoming = list(await session.scalars(select(Event.starts_at).where(Event.status == PLANNED, Event.starts_at > now)))
    upcoming += list(await session.scalars(select(Round.starts_at).where(Round.status == PLANNED, Round.starts_at > now)))
    start, _end = _span(year)
    welcome = await wl.report(session, start, min(datetime(year + 1, 1, 1, tzinfo=OSLO), now), now)
    soon = sorted(s.astimezone(OSLO).date() for s in upcoming if s < now + timedelta(days=AHEAD_DAYS))
    found = gaps(upcoming, now)
    longest = max(found, key=lambda gap: gap.days, default=None)
    # Calls still to make: not of members who erased their data or were removed (/velkomst does not list them).
    late_before = int(await session.scalar(select(func.count()).select_from(wl.WelcomeTask).join(
        Member, Member.id == wl.WelcomeTask.member_id).where(
        wl.WelcomeTask.status != wl.DONE, wl.WelcomeTask.due_at < now, wl.WelcomeTask.joined_at < start,
        Member.status != STATUS_ERASED)) or 0)
    ahead = max([(await most_teams(session, y, now, held=False))[0] for y in (year, year + 1)])
    return Plan(year, now.astimezone(OSLO).date(), goals, presence(events, year, now), longest, found[0] if found else None,
                found, soon, welcome,
                await welcome_by_month(session, year, now), await pilots(session), await year_input(session, year),
                await training.counts(session, datetime(year, 1, 1, tzinfo=OSLO), datetime(year + 1, 1, 1, tzinfo=OSLO)),
                {y: await most_teams(session, y, now) for y in (year, year + 1)}, marks, late_before,
                presence(events, year + 1, now), ahead)
