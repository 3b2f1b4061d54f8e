"""The application factory: one place where lagbot's parts are put together."""

from __future__ import annotations

import gc
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeAlias

from telegram import BotCommand, BotCommandScopeDefault
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest, HTTPXRequest

from bot import context as update_context
from bot.broadcasting import refresh_status, start_due
from bot.commands import BOARD_COMMANDS, COMMANDS, shown  # noqa: F401 - BOARD_COMMANDS: importable from here as before
from bot.context import CONTEXT_TYPES
from bot.db import Database
from bot.delivery import Dispatcher
from bot.i18n import load_locale_data, translator
from bot.inbox import DurableApplication, DurableUpdates, PerChatOrder, replay
from bot.leader import PollingLock
from bot.persistence import SQLPersistence
from bot.ratelimit import RetryShortWaits
from bot.runtime import RUNTIME_KEY, Runtime, attach
from bot.settings import Settings
from bot.upkeep import asks as ask_upkeep
from bot.upkeep import calls as call_upkeep
from bot.upkeep import nudges as nudge_upkeep
from bot.upkeep import retention as retention_upkeep
from bot.upkeep import welcome as welcome_upkeep
from bot.upkeep.calendar import calendar_upkeep
from handlers import (
    activity_manage,
    admin,
    ask_answers,
    ask_link,
    asks,
    board_lists,
    board_replies,
    broadcast,
    broadcast_scheduled,
    delivery,
    doorknock,
    doorknock_create,
    doorknock_report,
    doorknock_team,
    event_checkin,
    event_series,
    event_tags,
    events,
    events_create,
    flows,
    general,
    linking,
    nudges,
    onboarding,
    partners,
    phonebank,
    phonebank_board,
    plan,
    preferences,
    privacy,
    removal,
    round_leaders,
    survey_answer,
    survey_create,
    surveys,
    welcome,
)
from handlers.presses import gather_runs
from models.base import utcnow

POLLING_LOCK_KEY = "lagbot.polling_lock"
LOCK_CHECK_SECONDS = 10.0

Hook: TypeAlias = Callable[[Any], Awaitable[None]]


def build_application(
    settings: Settings,
    database: Database,
    *,
    request: BaseRequest | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """Build the python-telegram-bot Application with persistence and every feature's handlers."""
    clock_of = clock or utcnow
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder()
        .application_class(DurableApplication)
        .token(settings.require_token())
        .base_url(settings.telegram_api_base_url)
        .persistence(SQLPersistence(database, update_interval=settings.persistence_interval))
        .post_init(start_up)
        .post_shutdown(shut_down)
        .context_types(CONTEXT_TYPES)
        .concurrent_updates(PerChatOrder(settings.concurrent_updates))
        # A short 429 on a reply, edit or answer is waited out and asked again (bot/ratelimit.py).
        .rate_limiter(replies := RetryShortWaits())
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(DurableUpdates(request, database, clock_of))
    else:
        builder = builder.connection_pool_size(settings.http_pool_size).get_updates_request(
            DurableUpdates(HTTPXRequest(connection_pool_size=1), database, clock_of))
    application = builder.build()
    runtime = Runtime(settings=settings, db=database)
    if clock is not None:
        runtime.clock = clock
    attach(application, runtime)
    concerns = upkeep_concerns(settings, database, runtime)
    runtime.dispatcher = make_dispatcher(settings, database, runtime, concerns)
    replies.on_message = runtime.dispatcher.limiter.note_other_send
    if settings.dispatcher_enabled and application.job_queue is not None:
        application.job_queue.run_repeating(
            runtime.dispatcher.job, interval=settings.dispatch_interval, first=settings.dispatch_interval,
            name="outbox-dispatcher", job_kwargs={"max_instances": 1, "coalesce": True},
        )
        for name, hook in concerns:
            application.job_queue.run_repeating(
                _job(hook, runtime), interval=settings.upkeep_interval, first=settings.dispatch_interval,
                name=f"upkeep-{name}", job_kwargs={"max_instances": 1, "coalesce": True},
            )
    register_handlers(application)
    gather_runs(application)
    return application


def make_dispatcher(settings: Settings, database: Database, runtime: Runtime,
                    concerns: list[tuple[str, Hook]] | None = None) -> Dispatcher:
    """The outbox dispatcher; `dispatcher.upkeep` runs every upkeep concern in order (as the tests'
    tick does), while a running bot gives each concern its own JobQueue job."""
    dispatcher = Dispatcher(settings, database, runtime.now)
    dispatcher.give_way = runtime.give_way

    async def broadcast_status(bot: Any) -> None:
        await refresh_status(bot, database)

    dispatcher.during_tick.append(broadcast_status)
    for _name, hook in upkeep_concerns(settings, database, runtime) if concerns is None else concerns:
        dispatcher.after_tick.append(hook)
    return dispatcher


def upkeep_concerns(settings: Settings, database: Database, runtime: Runtime) -> list[tuple[str, Hook]]:
    """The periodic work that fills the outbox, one named concern each (built per application)."""

    async def broadcasts(bot: Any) -> None:
        await start_due(database, now=runtime.now(), weekly_cap=settings.weekly_cap, admins=settings.lagbot_admins)
        await refresh_status(bot, database)

    async def call_holds(bot: Any) -> None:
        await call_upkeep.expire_holds(bot, runtime)

    async def calendar(bot: Any) -> None:
        await calendar_upkeep(runtime)

    async def welcomes(bot: Any) -> None:
        await welcome_upkeep.run(runtime)

    async def suggestions(bot: Any) -> None:
        await nudge_upkeep.run(runtime)

    async def digest(bot: Any) -> None:
        await nudge_upkeep.digest(runtime)

    async def retention(bot: Any) -> None:
        await retention_upkeep.run(runtime)

    async def asks_due(bot: Any) -> None:
        await ask_upkeep.run(runtime)

    return [("broadcasts", broadcasts), ("call-holds", call_holds), ("calendar", calendar),
            ("welcome", welcomes), ("nudges", suggestions), ("digest", digest), ("retention", retention),
            ("asks", asks_due)]


# An upkeep pass waits this long at most for a rush of updates to pass before it runs anyway.
UPKEEP_GIVES_WAY = 30.0


def _job(hook: Hook, runtime: Runtime) -> Callable[[Any], Awaitable[None]]:
    async def job(context: Any) -> None:
        await runtime.give_way(UPKEEP_GIVES_WAY)
        await hook(context.bot)

    return job


def register_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    update_context.register(application)
    flows.register(application)  # its own group, after the features
    general.register_guards(application)
    delivery.register_guards(application)
    ask_link.register(application)  # before onboarding: a partner's link must not start a member's /start
    onboarding.register(application)
    broadcast.register(application)
    broadcast_scheduled.register(application)
    board_replies.register(application)
    doorknock.register(application)
    doorknock_create.register(application)
    doorknock_report.register(application)
    doorknock_team.register(application)
    round_leaders.register(application)
    activity_manage.register(application)
    event_checkin.register(application)
    phonebank.register(application)
    phonebank_board.register(application)
    survey_answer.register(application)
    survey_create.register(application)
    surveys.register(application)
    events.register(application)
    events_create.register(application)
    event_series.register(application)
    event_tags.register(application)
    welcome.register(application)
    nudges.register(application)
    general.register(application)
    preferences.register(application)
    privacy.register(application)
    linking.register(application)
    removal.register(application)
    admin.register(application)
    board_lists.register(application)
    asks.register(application)
    ask_answers.register(application)
    partners.register(application)
    plan.register(application)
    general.register_fallbacks(application)


async def start_up(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Before polling starts: be the only poller (PostgreSQL), set the command lists, and queue
    what the inbox holds from before a stop."""
    lock = PollingLock(application.bot_data[RUNTIME_KEY].db)
    application.bot_data[POLLING_LOCK_KEY] = lock
    await lock.acquire()
    await application.bot_data[RUNTIME_KEY].db.open_pool()
    if lock.waited and isinstance(application, DurableApplication):
        # Standing by, this instance loaded conversations and user data when it started; the one
        # that polled until now has changed them since.
        await application.reload_persistence()
    await set_commands(application)
    await replay(application)
    if lock.needed and application.job_queue is not None:
        application.job_queue.run_repeating(_check_lock, interval=LOCK_CHECK_SECONDS, first=LOCK_CHECK_SECONDS,
                                            name="polling-lock", job_kwargs={"max_instances": 1, "coalesce": True})
    settle_heap()


async def _check_lock(context: Any) -> None:
    """A standby that took the lock while this process was cut off from the database polls now:
    stop, so that two processes never poll (a supervisor starts this one again, as a standby)."""
    lock = context.application.bot_data[POLLING_LOCK_KEY]
    if not await lock.still_held():
        context.application.stop_running()


YOUNG_COLLECTION_EVERY = 10_000


def settle_heap() -> None:
    """Move what start-up built (modules, handlers, translations and babel's locale data, read
    here: ~140,000 objects) out of the garbage collector's view: a full collection otherwise
    walks them all, a 90 ms stall. Then a young collection every 10,000 new objects rather than
    Python's 700: an update makes a few thousand short-lived ones (PTB's objects, the ORM's rows),
    and with the default the collector took about a twentieth of an update's time (bench/updates.py)."""
    load_locale_data()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])


async def shut_down(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    lock = application.bot_data.get(POLLING_LOCK_KEY)
    if lock is not None:
        await lock.release()


async def set_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The command list per language; English is the default for everyone else."""
    for language in ("nb", "nn", "en"):
        _ = translator(language)
        commands = [
            BotCommand(shown(norwegian, english, language), _(description))
            for norwegian, english, description in COMMANDS
        ]
        await application.bot.set_my_commands(commands, language_code=language)
    _ = translator("en")
    await application.bot.set_my_commands(
        [BotCommand(english, _(description)) for _n, english, description in COMMANDS],
        scope=BotCommandScopeDefault(),
    )
