"""`Press`: the CallbackQueryHandler for a typed button family (bot/callbacks.py)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_TRUE
from telegram.ext import Application, BaseHandler, CallbackQueryHandler

from bot.callbacks import prefix_of, prefixes_of


class Press(CallbackQueryHandler[Any, Any]):
    """PTB lets a press with empty data through every pattern; a typed family never matches one, so
    such a press falls through to the general stale-button answer instead of reaching a handler.

    PTB offers every update to every handler in turn, and there are over a hundred: a press of
    another family is turned away by its prefix alone, without the pattern being asked."""

    def __init__(self, callback: Any, pattern: Any = None, **kwargs: Any) -> None:
        super().__init__(callback, pattern=pattern, **kwargs)
        self.prefixes = prefixes_of(pattern)

    def check_update(self, update: object) -> bool | object | None:
        if not isinstance(update, Update):
            return None
        if (query := update.callback_query) is None:
            return None  # as CallbackQueryHandler answers any update that is not a press
        data = query.data
        if not data:
            return False
        if self.prefixes is not None and prefix_of(data) not in self.prefixes:
            return False
        return super().check_update(update)


async def refuse(update: Update, context: Any, error: Exception, refusals: dict[type[Exception], str]) -> None:
    """Answer a press that a domain error refused, with the msgid listed for that kind of error."""
    msgid = next(text for kind, text in refusals.items() if isinstance(error, kind))
    assert update.callback_query is not None
    await update.callback_query.answer(context._(msgid), show_alert=True)


class PressRun(BaseHandler[Update, Any, Any]):
    """Presses registered one after another, offered an update as one handler: PTB asks every
    handler of a group in turn, and most of a group's handlers are presses. A text message is turned
    away once, not by each; a press goes to the presses of its family, in their order. Which handler
    takes an update does not change: a run holds only presses that were next to each other."""

    def __init__(self, presses: list[Press]) -> None:
        super().__init__(self._unused)
        self.presses = presses
        self.by_prefix: dict[str, list[Press]] = {}
        self.open: list[Press] = [p for p in presses if p.prefixes is None]  # ask these of every press
        for handler in presses:
            for prefix in handler.prefixes or ():
                self.by_prefix.setdefault(prefix, [])
        for prefix, members in self.by_prefix.items():
            members.extend(p for p in presses if p.prefixes is None or prefix in p.prefixes)

    @staticmethod
    async def _unused(_update: Any, _context: Any) -> None:
        raise AssertionError("a run hands each update to one of its presses")

    def check_update(self, update: object) -> Any:
        if not isinstance(update, Update) or (query := update.callback_query) is None:
            return None
        for handler in self.by_prefix.get(prefix_of(query.data) or "", self.open):
            check = handler.check_update(update)
            if check is not None and check is not False:
                return handler, check
        return None

    async def handle_update(self, update: Update, application: Any, check_result: Any, context: Any) -> Any:
        handler, check = check_result
        return await handler.handle_update(update, application, check, context)


def gather_runs(application: Application) -> None:  # type: ignore[type-arg]
    """Put each run of presses next to each other in a group (blocking, as all of ours are) into one
    `PressRun`, in its place."""
    for group, handlers in application.handlers.items():
        gathered: list[BaseHandler[Any, Any, Any]] = []
        run: list[Press] = []
        for handler in [*handlers, None]:
            if isinstance(handler, Press) and handler.block is DEFAULT_TRUE:
                run.append(handler)
                continue
            if run:
                gathered.append(run[0] if len(run) == 1 else PressRun(run))
                run = []
            if handler is not None:
                gathered.append(handler)
        application.handlers[group] = gathered
