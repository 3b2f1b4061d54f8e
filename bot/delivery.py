"""The dispatcher: sends due outbox rows within Telegram's limits, and records each outcome.

Driven by the JobQueue (APScheduler) every `dispatch_interval` seconds. A row is claimed under a
lease, sent, and marked sent right after Telegram answers; a process that dies in between leaves
a claimed row that another tick takes again once the lease has run out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut

# The message modules register their renderers (bot/render.py) when imported.
from bot import (  # noqa: F401
    ask_messages,
    call_messages,
    event_messages,
    leader_training_messages,
    link_messages,
    nudge_messages,
    render,
    reply_messages,
    round_messages,
    survey_messages,
    welcome_messages,
)
from bot.buttons import keyboard as keyboard_of
from bot.db import OUTAGE_ERRORS, Database, is_outage
from bot.i18n import OSLO
from bot.outage import Outage
from bot.ratelimit import RateLimiter, no_retry, retry_after_seconds
from bot.settings import Settings
from models import membership
from models import outbox as box
from models.member import STATUS_ERASED, Member

log = logging.getLogger(__name__)
# During a rush of updates, the dispatcher claims a batch (a quarter second's worth) at most this often.
GIVE_WAY_SECONDS = 1.0
# A row's text and buttons rendered at send time, or why it is dropped; None for rows sent as written.
Rendered = tuple[str, InlineKeyboardMarkup | None] | render.Gone | render.Broken | None
# A send still unanswered after this long is slow (Telegram answers in well under a second): its
# worker hands it over to the tick and takes the next row, so a stalled request (one that will
# end in a timeout) holds no sending slot others could use.
SLOW_SEND = 1.0
# While sends are still out, a tick with nothing due looks again once they are done, or after this
# long at most, rather than ending: a message that just failed is due again within seconds
# (retry_backoff), and the next tick would only begin once the slowest send has timed out.
FOLLOW_UP = 0.1


async def settle(queue: asyncio.Queue[Any], in_flight: set[asyncio.Task[None]], most: float) -> None:
    """Wait until every row handed to the workers has been sent and recorded, or `most` seconds at
    the longest: a tick looks for what became due as soon as its sends are done (a fixed pause cost
    every tick that sent anything `most` seconds), and still no more often than that while sends
    are slow."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + most
    while (in_flight or not queue.empty()) and (left := deadline - loop.time()) > 0:
        if in_flight:
            await asyncio.wait(set(in_flight), timeout=left)
        else:
            await asyncio.sleep(0)  # a row is queued and its worker is about to take it


def parse_clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def in_quiet_hours(moment: datetime, start: time, end: time) -> bool:
    local = moment.astimezone(OSLO).time()
    return local >= start or local < end if start > end else start <= local < end


def quiet_hours_end(moment: datetime, end: time) -> datetime:
    """The next `end` o'clock in Oslo at or after `moment` (09:00 the same or the next morning)."""
    local = moment.astimezone(OSLO)
    candidate = datetime.combine(local.date(), end, tzinfo=OSLO)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=OSLO)
    return candidate.astimezone(moment.tzinfo)


def markup_of(row: box.OutboxMessage) -> InlineKeyboardMarkup | None:
    return keyboard(box.buttons_of(row))


def keyboard(rows: list[list[dict[str, str]]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return keyboard_of(tuple(tuple((b["label"], b.get("data"), b.get("url")) for b in line) for line in rows))


def retry_backoff(attempts: int, *, soon: bool = False, waited: bool = False) -> timedelta:
    """How long a message waits after its `attempts`-th failure (a network error, a timeout or a 5xx).

    5 s, 20 s, 80 s, 320 s (at most 10 min) when nothing shows that Telegram is up; while other
    sends succeed (`soon`) the failure is this message's alone, and it is tried again after 1 s,
    2 s, 4 s, 8 s, or at once after its first timeout (`waited`: it has waited `send_timeout`
    already). Either way it has `max_attempts`; an outage spends none (bot/outage.py).
    """
    regular = min(600, 5 * 4 ** (attempts - 1))
    if soon and waited and attempts == 1:
        return timedelta(0)
    return timedelta(seconds=min(regular, 2 ** (attempts - 1)) if soon else regular)


class Dispatcher:
    def __init__(self, settings: Settings, database: Database, clock: Callable[[], datetime],
                 limiter: RateLimiter | None = None, worker: str | None = None) -> None:
        self.settings, self.db, self.clock = settings, database, clock
        self.limiter = limiter or RateLimiter(settings.rate_per_second, settings.rate_chat_interval,
                                              settings.rate_group_per_minute, safety=settings.rate_safety)
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.quiet_start, self.quiet_end = parse_clock(settings.quiet_start), parse_clock(settings.quiet_end)
        self.lease = timedelta(seconds=settings.lease_seconds)
        # A quarter second's worth of rows per claim: small claims keep the event loop from
        # stalling (a stall bunches sends), and a queued row is sent long before its lease ends.
        self.batch = max(4, int(settings.rate_per_second / 4))
        # About a second of sending waits in the queue, so a slow claim or hook never starves the workers.
        self.queue_depth = max(self.batch, int(settings.rate_per_second))
        self.budget = settings.dispatch_budget
        self._busy = asyncio.Lock()
        # Messages in flight at once (each waits for its slot first): enough to keep Telegram's
        # 30/s busy at real latencies, few enough not to swamp the HTTP pool or the database.
        self.concurrency = max(1, settings.dispatch_concurrency)
        # Slow sends handed over by their workers and still waiting for Telegram, at most.
        self.max_stragglers = max(1, self.concurrency // 2)
        # Rows that can be sent and not recorded when the database goes away mid-send, so sent
        # again after their lease: one per worker, and one per slow send handed over.
        self.in_flight_window = self.concurrency + self.max_stragglers
        self.outage = Outage()
        self.on_unreachable: Callable[[int], None] | None = None
        self.after_tick: list[Callable[[Bot], Any]] = []
        # Waits while members' updates are being handled, up to the seconds given (Runtime.give_way):
        # during a rush each claim of a batch waits its turn, so sending slows down instead of
        # taking the CPU and the SQLite writer from the members pressing buttons.
        self.give_way: Callable[[float], Awaitable[None]] | None = None
        self.during_tick: list[Callable[[Bot], Any]] = []

    async def job(self, context: Any) -> None:
        """JobQueue callback."""
        await self.tick(context.bot)

    async def tick(self, bot: Bot, *, budget: float | None = None) -> int:
        """Send what is due now; returns how many rows were handled. Overlapping ticks wait.

        One producer claims rows in batches and keeps a queue topped up, so that the workers (each
        waiting for its slot from the rate limiter) never stand idle between batches.
        """
        if self._busy.locked():
            return 0
        async with self._busy:
            if not await self.outage.may_send(bot, self.clock()):
                return 0
            # Most ticks find nothing due: one read says so (no write lock, no workers started).
            try:
                async with self.db.peek() as session:
                    if not await box.any_due(session, self.clock()):
                        return 0
            except (SQLAlchemyError, *OUTAGE_ERRORS):
                log.warning("the database is away: this tick ends; the next one tries again", exc_info=True)
                return 0
            loop = asyncio.get_running_loop()
            deadline = loop.time() + (budget or self.budget)
            last_hooks = loop.time()
            queue: asyncio.Queue[tuple[box.OutboxMessage, Member | None, Rendered] | None] = asyncio.Queue()
            handled = 0
            database_away = asyncio.Event()
            # Sends slower than SLOW_SEND whose workers have moved on; the tick waits for them at its end.
            stragglers: set[asyncio.Task[None]] = set()
            handed: list[asyncio.Task[None]] = []  # every send handed over, for its outcome at the end
            in_flight: set[asyncio.Task[None]] = set()  # rows taken by a worker and not yet recorded

            async def deliver(item: tuple[box.OutboxMessage, Member | None, Rendered],
                              on_slow: Callable[[], None]) -> None:
                try:
                    await self._deliver(bot, *item, on_slow=on_slow)
                except (SQLAlchemyError, *OUTAGE_ERRORS):
                    # The database is away: this row stays claimed and is sent again once its
                    # lease runs out. No worker sends anything more this tick, so at most the
                    # rows in flight (`in_flight_window`) can go out twice.
                    if not database_away.is_set():
                        log.warning("the database is away: this tick stops sending", exc_info=True)
                    database_away.set()

            async def worker() -> None:
                while (item := await queue.get()) is not None:
                    if database_away.is_set():
                        continue  # not sent: claimed, so sent once its lease has run out
                    handed_over: asyncio.Future[None] = loop.create_future()

                    def on_slow(handed_over: asyncio.Future[None] = handed_over) -> None:
                        # Telegram is slow to answer this one: leave it to finish on its own, unless
                        # too many already do (each holds an HTTP connection). Called only while this
                        # worker still waits on this send (the timer is cancelled when it ends), so
                        # `task` is this send's task.
                        if len(stragglers) < self.max_stragglers and not handed_over.done():
                            stragglers.add(task)  # noqa: B023 - see above
                            handed.append(task)  # noqa: B023
                            task.add_done_callback(stragglers.discard)  # noqa: B023
                            handed_over.set_result(None)

                    task = asyncio.create_task(deliver(item, on_slow))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                    await asyncio.wait((task, handed_over), return_when=asyncio.FIRST_COMPLETED)
                    if task.done():
                        task.result()

            workers = [asyncio.create_task(worker()) for _ in range(self.concurrency)]
            try:
                while loop.time() < deadline and not self.outage.paused and not database_away.is_set():
                    if queue.qsize() >= self.queue_depth:
                        await asyncio.sleep(0.01)
                        continue
                    if self.give_way is not None:
                        await self.give_way(GIVE_WAY_SECONDS)
                    try:
                        async with self.db.session() as session:
                            rows = await box.claim_due(session, now=self.clock(), limit=self.batch, lease=self.lease,
                                                       worker=self.worker)
                        if not rows and (in_flight or not queue.empty()):
                            await settle(queue, in_flight, FOLLOW_UP)
                            continue
                        if not rows:
                            break
                        members = await self._members_of(rows)
                        # Rendered here, in claim order, so one chat's messages keep their order.
                        rendered = await self._render_all(rows, members)
                    except (SQLAlchemyError, *OUTAGE_ERRORS):
                        log.warning("the database is away: this tick ends; the next one tries again", exc_info=True)
                        database_away.set()
                        break
                    for row in rows:
                        queue.put_nowait((row, members.get(row.member_id or -1), rendered.get(row.id)))
                    handled += len(rows)
                    if loop.time() - last_hooks > 2.0:  # keep status messages moving in a long run
                        for hook in self.during_tick:
                            await hook(bot)
                        last_hooks = loop.time()
            finally:
                for _worker in workers:
                    queue.put_nowait(None)
                await asyncio.gather(*workers)
                await asyncio.gather(*handed)  # no worker is left to hand over more
            if handled and not database_away.is_set():  # the last sends' status at once: one edit per tick
                with contextlib.suppress(SQLAlchemyError, *OUTAGE_ERRORS):  # else it waits for the next tick
                    for hook in self.during_tick:
                        await hook(bot)
            return handled

    async def upkeep(self, bot: Bot) -> None:
        """The periodic bookkeeping that fills the outbox (its own JobQueue job, apart from sending)."""
        for hook in self.after_tick:
            await hook(bot)

    async def upkeep_job(self, context: Any) -> None:
        await self.upkeep(context.bot)

    async def _members_of(self, rows: list[box.OutboxMessage]) -> dict[int, Member]:
        async with self.db.session() as session:
            return await membership.members_by_ids(session, (row.member_id for row in rows if row.member_id is not None))

    async def _hold_reason(self, row: box.OutboxMessage, member: Member | None) -> str | None:
        """Why this row must not go out now (skipped for good), or None."""
        if row.member_id is None:
            return None if row.chat_id else "no recipient"
        if member is None or member.status == STATUS_ERASED or member.telegram_id is None:
            return "not on Telegram"
        if member.unreachable_at is not None:
            return "unreachable: blocked the bot"
        preference = box.PREFERENCE_OF_KIND.get(row.kind)
        if preference and not member.wants(preference):
            return f"opted out of {preference}"
        if row.kind in box.CAPPED and not row.urgent:
            async with self.db.session() as session:
                sent = await box.capped_sent_since(session, member.id, self.clock() - timedelta(days=7))
            if sent >= self.settings.weekly_cap:
                return "weekly cap reached"
        return None

    async def _deliver(self, bot: Bot, row: box.OutboxMessage, member: Member | None, rendered: Rendered = None,
                       on_slow: Callable[[], None] | None = None) -> None:
        now = self.clock()
        if box.held_in_quiet_hours(row) and in_quiet_hours(now, self.quiet_start, self.quiet_end):
            async with self.db.session() as session:
                await box.mark_retry(session, row.id, self.worker, due_at=quiet_hours_end(now, self.quiet_end),
                                     error=box.HELD_FOR_QUIET_HOURS, count_attempt=False)
            return
        reason = await self._hold_reason(row, member)
        text, markup = row.text, markup_of(row)
        if reason is None and isinstance(rendered, render.Broken):
            await self._record(box.mark_failed, row, error=str(rendered))
            return
        if reason is None and isinstance(rendered, render.Gone):
            reason = str(rendered)
        elif isinstance(rendered, tuple):
            text, markup = rendered
        if reason is not None:
            async with self.db.session() as session:
                await box.mark_skipped(session, row.id, self.worker, reason=reason)
            return
        chat_id = int(member.telegram_id if member is not None and member.telegram_id else row.chat_id or 0)
        await self.limiter.acquire(chat_id)
        try:
            message = await self._send(bot, chat_id, text, markup, on_slow, self.settings.send_timeout)
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
            self.limiter.pause_chat(chat_id, wait)
            await self._record(box.mark_retry, row, due_at=self.clock() + timedelta(seconds=wait),
                               error=f"429: retry after {wait:g}s", count_attempt=False)
        except Forbidden as exc:
            await self._record(box.mark_failed, row, error=f"unreachable: {exc.message}")
            if member is not None:
                async with self.db.session() as session:
                    await membership.mark_unreachable(session, member.id, self.clock())
                if self.on_unreachable and member.telegram_id:
                    self.on_unreachable(member.telegram_id)
        except BadRequest as exc:
            await self._record(box.mark_failed, row, error=f"400: {exc.message}")
        except TelegramError as exc:  # a timeout, a network error or a 5xx
            error = f"{type(exc).__name__}: {exc.message}"
            now = self.clock()
            if self.outage.failed(now):
                await self._record(box.mark_retry, row, due_at=now + self.outage.backoff,
                                   error=f"paused, Telegram unreachable: {error}", count_attempt=False)
            else:
                await self._retry_or_fail(row, error, soon=self.outage.others_succeed(now), waited=isinstance(exc, TimedOut))
        else:
            self.outage.succeeded(self.clock())
            async with self.db.session() as session:
                await box.mark_sent(session, row.id, self.worker, message_id=message.message_id, now=self.clock(),
                                    text=text if row.topic else None)

    @staticmethod
    async def _send(bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None,
                    on_slow: Callable[[], None] | None, timeout: float | None = None) -> Any:
        """bot.send_message; `on_slow` is called once if Telegram has not answered after SLOW_SEND."""
        slow = asyncio.get_running_loop().call_later(SLOW_SEND, on_slow) if on_slow is not None else None
        try:
            # A 429 is the dispatcher's to handle (the caller), not waited out by the bot's rate limiter.
            # (PTB reads an explicit None as "wait for ever": no timeout given keeps the bot's own.)
            waiting = {} if timeout is None else {"read_timeout": timeout}
            return await bot.send_message(chat_id, text, reply_markup=markup, **waiting, **no_retry(bot))
        finally:
            if slow is not None:
                slow.cancel()

    async def _render_all(self, rows: list[box.OutboxMessage], members: dict[int, Member]) -> dict[int, Rendered]:
        """Text and buttons of the rows that carry a topic, as of now, in each recipient's current
        language; or why the row must not be sent (render.Gone)."""
        topical = [row for row in rows if row.topic]
        if not topical:
            return {}
        result: dict[int, Rendered] = {}
        async with self.db.session() as session:
            for row in topical:
                member = members.get(row.member_id or -1)
                try:
                    if member is None:
                        raise render.Gone("a rendered message needs a member to address")
                    message = await render.render(session, row, member, self.clock())
                except render.Gone as gone:
                    result[row.id] = gone
                except Exception as exc:
                    if is_outage(exc):
                        raise  # not the renderer's fault: the row is sent once the database is back
                    log.exception("rendering outbox row %s (%s) failed", row.id, row.topic)
                    result[row.id] = render.Broken(f"render error: {exc!r}"[:500])
                    await session.rollback()
                else:
                    result[row.id] = (message.text, keyboard([[b.as_dict() for b in line] for line in message.buttons]))
        return result

    async def _retry_or_fail(self, row: box.OutboxMessage, error: str, *, soon: bool = False, waited: bool = False) -> None:
        attempts = row.attempts + 1
        if attempts >= self.settings.max_attempts:
            await self._record(box.mark_failed, row, error=f"gave up after {attempts} attempts: {error}")
            return
        await self._record(box.mark_retry, row, due_at=self.clock() + retry_backoff(attempts, soon=soon, waited=waited),
                           error=error)

    async def _record(self, marker: Callable[..., Any], row: box.OutboxMessage, **values: Any) -> None:
        async with self.db.session() as session:
            await marker(session, row.id, self.worker, **values)
