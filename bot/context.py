"""One context per update (PTB's `ContextTypes`): the runtime, the member writing (read once, at the
start of the update), their language and translator. Handlers read `context.member` and
`context._` instead of looking them up again.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, TypeHandler

from bot.i18n import READER_NOW, Translate, language_from_telegram, ngettext_for, translator
from bot.member_cache import load_member
from bot.runtime import RUNTIME_KEY, Runtime
from models.member import Member

# The first handler group: the member is read before any feature sees the update.
LOAD_GROUP = -100


class LagbotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """What every handler needs of the update it handles. PTB makes one per update and passes the
    same one to each handler group, so what `load_member` read is there for all of them."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], chat_id: int | None = None,
                 user_id: int | None = None) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self._member: Member | None = None
        self._loaded = False
        self._telegram_language: str | None = None
        self.flow_took_update = False  # set by a flow that handled this update (handlers/flows.py)

    @property
    def runtime(self) -> Runtime:
        return self.application.bot_data[RUNTIME_KEY]

    @property
    def member(self) -> Member | None:
        """The member writing, as stored when this update began (None before /start)."""
        return self._member

    @property
    def known(self) -> Member:
        """The member, where a guard (`onboarded`, `requires_role`) has already let them through."""
        assert self._member is not None, "a guard should have refused this update"
        return self._member

    async def load_member(self, update: object) -> Member | None:
        """Read the member once per update; later calls return what was read. Someone who is not a
        member yet may become one during the update, so for them the database is asked again."""
        if self._loaded and self._member is not None:
            return self._member
        if isinstance(update, Update) and update.effective_user is not None:
            self._telegram_language = update.effective_user.language_code
            self._member = self.runtime.member_cache.get(update.effective_user.id)
            if self._member is None:
                await self._read(update.effective_user.id)
            self._loaded = True
            if self._member is not None:
                self.runtime.remember_language(update.effective_user.id, self._member.language)
        return self._member

    async def reload_member(self) -> Member | None:
        """After a handler changed the member (language, district, link), read them again."""
        if self._user_id is None:
            return None
        await self._read(self._user_id)
        self._loaded = True
        return self._member

    async def _read(self, telegram_id: int) -> None:
        cache = self.runtime.member_cache
        generation = cache.generation
        async with self.runtime.db.read() as session:
            self._member = await load_member(session, telegram_id)
        if self._member is not None:
            cache.put(self._member, generation)

    def set_member(self, member: Member | None) -> None:
        """A handler that created or changed the member hands over the new row."""
        self._member, self._loaded = member, True

    @property
    def lang(self) -> str:
        """The member's language; before they are stored, what they chose or what Telegram says."""
        if self._member is not None:
            return self._member.language
        if self.user_data is not None and self.user_data.get("lang"):
            return str(self.user_data["lang"])
        return language_from_telegram(self._telegram_language)

    @property
    def _(self) -> Translate:
        return translator(self.lang)

    def ngettext(self, singular: str, plural_: str, count: int) -> str:
        """`context.ngettext("{count} seat left", "{count} seats left", n).format(count=n)`."""
        return ngettext_for(self.lang)(singular, plural_, count)


CONTEXT_TYPES = ContextTypes(context=LagbotContext)


async def _load(update: object, context: LagbotContext) -> None:
    READER_NOW.set(context.runtime.now())  # dates in another year are written with it
    await context.load_member(update)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(TypeHandler(Update, _load), group=LOAD_GROUP)
