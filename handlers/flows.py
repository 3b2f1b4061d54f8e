"""Conversations ("flows") that cannot capture each other.

A member is in at most one flow at a time: starting another ends the first with a short notice and
drops its draft. Text always goes to the flow the member is in now, because a flow steps aside for
an update that starts another one. A flow left alone for 30 minutes is closed with a notice at the
member's next message (no job needed, so it holds across restarts). A flow for a role re-reads the
member at every step, so a role revoked mid-flow stops the next step.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.callbacks import prefix_of
from bot.context import LagbotContext
from models.membership import has_role

FLOW_TIMEOUT = timedelta(minutes=30)
AFTER_FEATURES = 10
SWITCH_KEY = "lagbot.flows"
STAMPS = "flow_steps"  # user_data: flow name -> ISO time of the member's last step in it


class FlowSwitch:
    """Every flow of one application, so that each can see whether an update starts another."""

    def __init__(self) -> None:
        self.flows: list[Flow] = []

    def starts_other(self, flow: Flow, update: object) -> bool:
        return any(other is not flow and other.is_start(update) for other in self.flows)

    def end_others(self, flow: Flow, key: Any, context: LagbotContext) -> list[Flow]:
        ended = [other for other in self.flows if other is not flow and key in other.conversations_view]
        for other in ended:
            other.end(key, context)
        return ended


    def forget_user(self, user_id: int) -> None:
        """End every flow of someone whose data was erased by another (the board removing them)."""
        for flow in self.flows:
            for key in [k for k in flow.conversations_view if isinstance(k, tuple) and user_id in k]:
                flow._update_state(flow.END, key)


def switch_of(application: Application[Any, Any, Any, Any, Any, Any]) -> FlowSwitch:
    return application.bot_data.setdefault(SWITCH_KEY, FlowSwitch())


class Flow(ConversationHandler[LagbotContext]):
    """A persistent conversation that knows the others: see the module docstring."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], name: str, *, title: str,
                 entry_points: list[BaseHandler[Update, LagbotContext, Any]],
                 states: dict[object, list[BaseHandler[Update, LagbotContext, Any]]],
                 fallbacks: list[BaseHandler[Update, LagbotContext, Any]],
                 drafts: tuple[str, ...] = (), role: str | tuple[str, ...] | None = None,
                 closed_by_commands: bool = True) -> None:
        super().__init__(entry_points=entry_points, states=states, fallbacks=fallbacks, name=name,
                         persistent=True, allow_reentry=True)
        self.title = title  # an N_() msgid naming the flow in notices ("creating a round")
        self.drafts = drafts
        self.role = role
        self.switch = switch_of(application)
        self.switch.flows.append(self)
        self.entry_prefixes = _entry_prefixes(entry_points)
        self.closed_by_commands = closed_by_commands
        self.started_by_text = any(isinstance(handler, MessageHandler) for handler in entry_points)

    @property
    def conversations_view(self) -> Any:
        return self._conversations

    def _starts_none(self, update: object) -> bool:
        """PTB's own answer for someone not in this flow whose update starts none of it, found in
        fewer steps: every update is offered to every flow, and PTB walks each one's entry points."""
        if self.entry_prefixes is None or not isinstance(update, Update) or update.effective_user is None \
                or update.effective_chat is None:
            return False
        if (query := update.callback_query) is not None:
            starts = prefix_of(query.data) in self.entry_prefixes
        elif (message := update.message) is not None and not self.started_by_text:
            starts = (message.text or "").startswith("/")  # a command's entity is at the start of the text
        else:
            return False
        return not starts and self._get_key(update) not in self._conversations

    def is_start(self, update: object) -> bool:
        return any(_matches(handler, update) for handler in self.entry_points)

    def check_update(self, update: object) -> Any:
        if self._starts_none(update):
            return None
        result = super().check_update(update)
        if result is None:
            return None
        state, _key, handler, _check = result
        if state is not None and handler not in self.entry_points and self.switch.starts_other(self, update):
            return None  # the member starts something else: that flow takes the update
        return result

    def end(self, key: Any, context: LagbotContext) -> None:
        """Forget this flow for one member: its state, its draft, its clock."""
        self._update_state(self.END, key)
        if context.user_data is not None:
            for draft in self.drafts:
                context.user_data.pop(draft, None)
            context.user_data.get(STAMPS, {}).pop(self.name, None)

    async def handle_update(self, update: Update, application: Any, check_result: Any, context: LagbotContext) -> Any:  # type: ignore[override]
        from handlers.common import reply  # common imports this module's neighbours; keep the graph one-way

        state, key, handler, _check = check_result
        now = context.runtime.now()
        stamps: dict[str, str] = context.user_data.setdefault(STAMPS, {}) if context.user_data is not None else {}
        _ = context._
        if handler in self.entry_points:
            ended = self.switch.end_others(self, key, context)
            if ended:
                await reply(update, _("I closed “{flow}”, which you had not finished.").format(flow=_(ended[0].title)))
        elif state is not None:
            if _stale(stamps.get(self.name), now):
                self.end(key, context)
                await reply(update, _("I closed “{flow}” after 30 minutes without an answer. What you had not "
                                      "finished is not saved — start again when you are ready.").format(flow=_(self.title)))
                return None
            if self.role is not None and not await _still_has_role(context, self.role):
                self.end(key, context)
                await reply(update, _("You no longer have the role needed for “{flow}”, so I stopped it. "
                                      "Nothing was changed.").format(flow=_(self.title)))
                return None
        stamps[self.name] = now.isoformat()
        context.flow_took_update = True
        result = await super().handle_update(update, application, check_result, context)
        if key not in self._conversations:
            stamps.pop(self.name, None)
        return result


async def close_on_command(update: Update, context: LagbotContext) -> None:
    """A command no flow took (another feature's, or one lagbot does not know) was answered in the
    middle of a form: the form is closed with a notice, or the member's next words would be taken
    as its next answer (a round named "hei")."""
    from handlers.common import reply  # common imports this module's neighbours; keep the graph one-way

    if context.flow_took_update:
        return
    switch = switch_of(context.application)
    ended = [flow for flow in switch.flows
             if flow.closed_by_commands and flow._get_key(update) in flow.conversations_view]
    for flow in ended:
        flow.end(flow._get_key(update), context)
    if ended:
        _ = context._
        await reply(update, _("I closed “{flow}”, which you had not finished.").format(flow=_(ended[0].title)))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """After the features (a group of its own): every command reaches it, taken or not."""
    application.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, close_on_command), group=AFTER_FEATURES)


def _entry_prefixes(entry_points: list[BaseHandler[Update, LagbotContext, Any]]) -> frozenset[str] | None:
    """The prefixes of every press that can start the flow, where its entry points say (commands
    and messages start none); None if any entry point could take a press of any family."""
    from handlers.presses import Press  # presses imports nothing of ours but callbacks; keep the graph one-way

    prefixes: set[str] = set()
    for handler in entry_points:
        if isinstance(handler, Press) and handler.prefixes is not None:
            prefixes |= handler.prefixes
        elif not isinstance(handler, (CommandHandler, MessageHandler)):
            return None
    return frozenset(prefixes)


def _matches(handler: BaseHandler[Any, Any, Any], update: object) -> bool:
    check = handler.check_update(update)
    return check is not None and check is not False


def _stale(stamp: str | None, now: datetime) -> bool:
    return stamp is not None and now - datetime.fromisoformat(stamp) > FLOW_TIMEOUT


async def _still_has_role(context: LagbotContext, role: str | tuple[str, ...]) -> bool:
    """Read the member again: a role revoked from the command line or another process counts now
    (a flow open to several roles: any of them)."""
    member = await context.reload_member()
    roles = (role,) if isinstance(role, str) else role
    return member is not None and member.is_onboarded and any(
        has_role(member, one, context.runtime.settings.lagbot_admins) for one in roles)
