"""One activity with seats (models/activity.py): the waiting list is in the order sign-ups commit."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bot.db import Database
from models import activity as act
from models import events as ev
from models import rounds as rd
from models.base import utcnow
from models.member import Member

SEATS_ON_OFFER = 3
CROWD = 100


@asynccontextmanager
async def rush_database(db) -> AsyncIterator[Database]:
    """The test database with at most 12 connections at once on PostgreSQL (the server is shared);
    the hundred sign-ups still race each other for the round's lock."""
    if not db.url.startswith("postgresql"):
        yield db
        return
    database = Database(db.url)
    await database.engine.dispose()
    database.engine = create_async_engine(db.url, pool_size=12, max_overflow=0, pool_timeout=120)
    database.sessionmaker = async_sessionmaker(database.engine, expire_on_commit=False)
    try:
        yield database
    finally:
        await database.engine.dispose()


async def crowd(db, count: int) -> list[int]:
    async with db.session() as session:
        people = [Member(name=f"Rush {n}", telegram_id=7_300_000_000 + n, language="nb", verified=True,
                         onboarded_at=utcnow()) for n in range(count)]
        session.add_all(people)
        await session.flush()
        return [p.id for p in people]


async def test_a_hundred_joining_at_once_get_true_distinct_positions(db, clock):
    ids = await crowd(db, CROWD)
    async with db.session() as session:
        round_ = await rd.create_round(session, title="Rush", district="midtbyen", starts_at=clock() + timedelta(days=3),
                                       ends_at=clock() + timedelta(days=3, hours=2), meeting_point="Torget",
                                       capacity=SEATS_ON_OFFER, now=clock())
        round_id = round_.id

    jitter = random.Random(11)
    async with rush_database(db) as rush:
        async def join(member_id: int) -> tuple[int, int]:
            # Each press carries the moment it was read, before the lock: not the order of commits.
            pressed = clock() + timedelta(milliseconds=jitter.randrange(1000))
            async with rush.session() as session:
                result = await rd.sign_up(session, round_id, member_id, pressed)
                return member_id, result.position

        told = dict(await asyncio.gather(*(join(member_id) for member_id in ids)))
    assert sorted(told.values()) == [0] * SEATS_ON_OFFER + list(range(1, CROWD - SEATS_ON_OFFER + 1))
    async with db.session() as session:
        queue = [signup.member_id for signup, _m in await rd.participants(session, round_id, status=rd.WAITING)]
        # What each was told is where they stand now, and the list is in that order.
        assert [told[member_id] for member_id in queue] == list(range(1, CROWD - SEATS_ON_OFFER + 1))
        for signup, _member in await rd.participants(session, round_id, status=rd.WAITING):
            assert await rd.waiting_position(session, signup) == told[signup.member_id]
    # Seats freed one by one go to the waiting list in that order.
    seated = [m for m, position in told.items() if position == 0]
    promoted = []
    for member_id in seated:
        async with db.session() as session:
            promoted.append((await rd.leave(session, round_id, member_id, clock())).promoted.id)
    assert promoted == queue[:SEATS_ON_OFFER]
    async with db.session() as session:
        round_ = await rd.get_round(session, round_id)
        _grown, promoted_more = await rd.edit(session, round_id, now=clock(), capacity=SEATS_ON_OFFER + 2)
    assert [m.id for m in promoted_more] == queue[SEATS_ON_OFFER:SEATS_ON_OFFER + 2]


async def test_events_share_the_queue_rules(db, clock):
    ids = await crowd(db, 30)
    async with db.session() as session:
        event = await ev.create_event(session, kind="course", title="Kurs", starts_at=clock() + timedelta(days=3),
                                      ends_at=clock() + timedelta(days=3, hours=2), place="Tapperiet", capacity=2,
                                      now=clock())
        event_id = event.id

    async with rush_database(db) as rush:
        async def answer(member_id: int) -> int:
            async with rush.session() as session:
                return (await ev.answer(session, event_id, member_id, "yes", clock())).position

        positions = await asyncio.gather(*(answer(member_id) for member_id in ids))
    assert sorted(positions) == [0, 0, *range(1, 29)]
    async with db.session() as session:
        first_waiting = await session.scalar(select(ev.Rsvp).where(ev.Rsvp.event_id == event_id, ev.Rsvp.seat == ev.WAITING)
                                             .order_by(ev.Rsvp.queue))
        seated = await session.scalar(select(ev.Rsvp).where(ev.Rsvp.event_id == event_id, ev.Rsvp.seat == ev.CONFIRMED))
        assert await ev.waiting_position(session, first_waiting) == 1
        result = await ev.answer(session, event_id, seated.member_id, "no", clock())
        assert result.promoted is not None and result.promoted.id == first_waiting.member_id


async def test_one_capacity_limit_and_shared_errors(db, clock):
    from models.constants import MAX_CAPACITY

    start = clock() + timedelta(days=1)
    async with db.session() as session:
        round_ = await rd.create_round(session, title="Stor", district="midtbyen", starts_at=start,
                                       ends_at=start + timedelta(hours=2), meeting_point="Torget", capacity=MAX_CAPACITY,
                                       now=clock())
        for module, make in ((rd, lambda: rd.validate(starts_at=start, ends_at=start + timedelta(hours=1),
                                                      capacity=MAX_CAPACITY + 1, now=clock(), district="midtbyen")),
                             (ev, lambda: ev.validate("social", start, start + timedelta(hours=1), MAX_CAPACITY + 1, clock()))):
            try:
                make()
            except act.BadCapacity as exc:
                assert isinstance(exc, module.BadCapacity)
            else:
                raise AssertionError("capacity above the limit accepted")
        version = round_.version
        moved = await rd.move(session, round_.id, starts_at=start + timedelta(hours=1), ends_at=start + timedelta(hours=3),
                              now=clock())
        assert moved.version == version + 1
        edited, _ = await rd.edit(session, round_.id, now=clock(), meeting_point="Lade")
        assert edited.version == version + 2
        await rd.cancel(session, round_.id)
        try:
            await rd.cancel(session, round_.id)
        except act.Closed as exc:
            assert isinstance(exc, rd.RoundClosed)
        else:
            raise AssertionError("cancelled twice")


async def test_a_seat_goes_to_the_team_with_most_room_and_a_comeback_keeps_the_rules(db, clock):
    """The seat's one statement chooses its team as promotion does: most room first, the first team on a
    tie or when all are full; nobody on the waiting list has a team. One who left and comes back reuses
    their row with a new place in the queue."""
    ids = await crowd(db, 6)
    async with db.session() as session:
        round_ = await rd.create_round(session, title="Lag", district="ostbyen", starts_at=clock() + timedelta(days=2),
                                       ends_at=clock() + timedelta(days=2, hours=2), meeting_point="Torget",
                                       capacity=4, now=clock(), teams=[(None, 2), (None, 1)])
        first_team, second_team = (t.id for t in round_.teams)
        round_id = round_.id
    teams, positions = [], []
    for member_id in ids[:5]:
        async with db.session() as session:
            result = await rd.sign_up(session, round_id, member_id, clock())
            teams.append(result.signup.team_id)
            positions.append(result.position)
    # 2 free vs 1: the first; 1 vs 1: the first; 0 vs 1: the second; none free: the first; then the waiting list.
    assert teams == [first_team, first_team, second_team, first_team, None]
    assert positions == [0, 0, 0, 0, 1]
    async with db.session() as session:
        with pytest.raises(rd.AlreadySignedUp):
            await rd.sign_up(session, round_id, ids[4], clock())
        left = await rd.leave(session, round_id, ids[1], clock())
        assert left.promoted is not None and left.promoted.id == ids[4]
    async with db.session() as session:
        back = await rd.sign_up(session, round_id, ids[1], clock())
        assert back.position == 1 and back.signup.team_id is None and back.signup.status == rd.WAITING
        rows = (await session.execute(select(rd.Signup.member_id, rd.Signup.status, rd.Signup.queue)
                                      .where(rd.Signup.round_id == round_id).order_by(rd.Signup.queue))).all()
    assert [(m, s) for m, s, _q in rows] == [(ids[0], "confirmed"), (ids[2], "confirmed"), (ids[3], "confirmed"),
                                            (ids[4], "confirmed"), (ids[1], "waiting")]
    assert len({q for _m, _s, q in rows}) == 5
