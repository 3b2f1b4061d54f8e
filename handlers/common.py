"""What every feature shares: who is writing, in which language, the main menu, refusals."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeAlias, TypeVar

from telegram import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import Application, ConversationHandler

from bot.buttons import keyboard
from bot.callbacks import BadCallback, CallbackData, with_prefixes
from bot.context import LagbotContext
from bot.i18n import LANGUAGES, N_, Translate, translator
from handlers.choice import show_choice
from models.member import Member
from models.membership import has_role, member_by_telegram

Context: TypeAlias = LagbotContext
Handler: TypeAlias = Callable[[Update, Context], Awaitable[Any]]

DISTRICT_LABELS: dict[str, str] = {
    "midtbyen": N_("Midtbyen"),
    "ostbyen": N_("Østbyen"),
    "lerkendal": N_("Lerkendal"),
    "heimdal": N_("Heimdal"),
    "outside": N_("Outside Trondheim"),
}
INTEREST_LABELS: dict[str, str] = {
    "doorknock": N_("Door-knocking"),
    "phoning": N_("Phoning members"),
    "social": N_("Social activities"),
    "programme": N_("Writing the programme"),
    "campaign": N_("The election campaign"),
    "courses": N_("Courses"),
    "district_chapter": N_("A district chapter"),
}
ROLE_LABELS: dict[str, str] = {
    "member": N_("member"),
    "caller": N_("caller"),
    "leader": N_("door-knocking leader"),
    "welcomer": N_("welcomer"),
    "board": N_("board"),
    "admin": N_("admin"),
    "programme": N_("programme committee"),
}
LANGUAGE_NAMES: dict[str, str] = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}  # each in its own words, for buttons
# The languages as a word inside a sentence, in the reader's language ("på nynorsk", "in Nynorsk").
LANGUAGE_WORDS: dict[str, str] = {"nb": N_("Norwegian Bokmål"), "nn": N_("Norwegian Nynorsk"), "en": N_("English")}


@dataclass
class MenuItem:
    """One button of the main menu (reply keyboard)."""

    key: str
    label: str  # an N_() marked msgid
    order: int
    role: str | None = None


DeepLinkHandler: TypeAlias = Callable[[Update, "Context", Member, str], Awaitable[None]]
MineProvider: TypeAlias = Callable[[Update, "Context", Member], Awaitable[Any]]


@dataclass
class Features:
    """What the features register with each other, built afresh by `build_application`:
    menu buttons, start payloads other than invites ("round_42"), and sections of /mine."""

    menu: list[MenuItem] = field(default_factory=lambda: [
        MenuItem("settings", N_("⚙️ Settings"), 80),
        MenuItem("mydata", N_("🗂 My data"), 85),
        MenuItem("help", N_("❓ Help"), 90),
    ])
    deep_links: dict[str, DeepLinkHandler] = field(default_factory=dict)
    mine: list[MineProvider] = field(default_factory=list)
    # Text no flow took, offered to each in turn before the menu (a call's note typed right after its outcome).
    free_text: list[Callable[[Update, Any], Awaitable[bool]]] = field(default_factory=list)


FEATURES_KEY = "lagbot.features"


def features(application: Application[Any, Any, Any, Any, Any, Any]) -> Features:
    return application.bot_data.setdefault(FEATURES_KEY, Features())


def add_menu(application: Application[Any, Any, Any, Any, Any, Any], item: MenuItem) -> str:
    """Put a button in the main menu; returns the pattern that matches it in any language."""
    features(application).menu.append(item)
    return any_language_pattern(item.label)


def any_language_pattern(msgid: str) -> str:
    """A regex matching the text of `msgid` in any of the three languages (reply buttons)."""
    labels = {translator(lang)(msgid) for lang in LANGUAGES} | {msgid}
    return "^(" + "|".join(re.escape(label) for label in sorted(labels)) + ")$"


def menu_label_pattern(application: Application[Any, Any, Any, Any, Any, Any], key: str) -> str:
    """A regex that matches the menu button `key` in any of the three languages."""
    return any_language_pattern(next(i for i in features(application).menu if i.key == key).label)


def main_menu(menu: list[MenuItem], member: Member | None, lang: str, admin_ids: list[int] | None = None) -> ReplyKeyboardMarkup:
    _ = translator(lang)
    items = sorted(
        (i for i in menu if i.role is None or has_role(member, i.role, admin_ids or [])),
        key=lambda i: i.order,
    )
    labels = [KeyboardButton(_(i.label)) for i in items]
    rows = [labels[n : n + 2] for n in range(0, len(labels), 2)]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True)


def inline(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Build an inline keyboard from rows of (label, callback_data); the last row always survives."""
    if len(rows) > MAX_BUTTON_ROWS:
        rows = [*rows[: MAX_BUTTON_ROWS - 1], rows[-1]]
    return keyboard(tuple(tuple((label, data, None) for label, data in row) for row in rows))


def page_of(items: list[Any], page: int, size: int) -> tuple[list[Any], int, int]:
    """One page of a list: (the items on it, the page, how many pages); a page past the end is the last."""
    pages = max(1, -(-len(items) // size))
    page = min(max(page, 0), pages - 1)
    return items[page * size : (page + 1) * size], page, pages


def page_buttons(_: Translate, page: int, pages: int, data_of: Callable[[int], str]) -> list[tuple[str, str]]:
    """◀ and ▶ under a list that has more than one page; nothing when it fits on one."""
    if pages <= 1:
        return []
    row = []
    if page > 0:
        row.append((_("◀ Previous"), data_of(page - 1)))
    if page < pages - 1:
        row.append((_("Next ▶ ({page}/{pages})").format(page=page + 2, pages=pages), data_of(page + 1)))
    return row


MAX_BUTTON_ROWS = 45  # Telegram refuses keyboards of much more than 100 buttons


def clip(text: str, limit: int = 4096) -> str:
    """Long lists are cut rather than refused by Telegram."""
    return text if len(text) <= limit else text[: limit - 2].rsplit("\n", 1)[0] + "\n…"


def short(text: str, limit: int) -> str:
    """A label for a button: whole words, and “…” when something was left out."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ·,:") + "…"


def report_year(context: Context, this_year: int) -> int | None:
    """The year a report is asked for ("/dorbank rapport 2026"): this year without one; None (after
    saying why) for a year that is not a number or lies outside 2000 to next year."""
    words = (context.args or [])[1:]
    if not words:
        return this_year
    if words[0].isdigit() and 2000 <= int(words[0]) <= this_year + 1:
        return int(words[0])
    return None


def message_chunks(lines: list[str], limit: int = 4000) -> list[str]:
    """Lines joined into as few messages as Telegram's length limit allows, never splitting a line."""
    chunks: list[str] = []
    for line in lines:
        if chunks and len(chunks[-1]) + 1 + len(line) <= limit:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line[:limit])
    return chunks


async def reply(update: Update, text: str, **kwargs: Any) -> None:
    """Answer in the chat the update came from (message or button press)."""
    chat = update.effective_chat
    if chat is None:
        return
    await chat.send_message(clip(text), **kwargs)


async def answer_alert(update: Update, text: str) -> None:
    """A refusal to a button press shows as an alert; to a message, as a reply."""
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, text)


def onboarded(handler: Handler) -> Handler:
    """Let only members who finished /start through; others are told how to begin."""

    @wraps(handler)
    async def wrapper(update: Update, context: Context) -> Any:
        member = await context.load_member(update)
        if member is None or not member.is_onboarded:
            await answer_alert(update, context._("You need to start lagbot first: send /start."))
            return None
        return await handler(update, context)

    return wrapper


def requires_role(role: str) -> Callable[[Handler], Handler]:
    """Refuse, in the member's language and without side effects, anyone who lacks `role`."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def wrapper(update: Update, context: Context) -> Any:
            member = await context.load_member(update)
            _ = context._
            if member is None or not member.is_onboarded:
                await answer_alert(update, _("You need to start lagbot first: send /start."))
                return None
            if not has_role(member, role, context.runtime.settings.lagbot_admins):
                await answer_alert(update, role_refusal(context, role))
                return None
            return await handler(update, context)

        return wrapper

    return decorate


def role_refusal(context: Context, role: str) -> str:
    _ = context._
    return _("Only members with the role “{role}” can do that. Ask the board if you think you should have it.").format(
        role=_(ROLE_LABELS[role]))


async def acting(update: Update, context: Context, session: Any, role: str | None = None, *,
                 answered: bool = False) -> Member | None:
    """The member read again in `session`, the transaction of the change (a role revoked a moment ago
    counts), if they still may act (with `role`, if given); otherwise None after refusing (as a message
    when the press was `answered` already)."""
    member = await member_by_telegram(session, context.known.telegram_id or 0)
    if member is not None and member.is_onboarded and (role is None or has_role(
            member, role, context.runtime.settings.lagbot_admins)):
        return member
    text = role_refusal(context, role) if role else context._("You need to start lagbot first: send /start.")
    await (reply(update, text) if answered else answer_alert(update, text))
    return None


async def show_main_menu(update: Update, context: Context, member: Member, text: str | None = None) -> None:
    _ = translator(member.language)
    await reply(
        update,
        text or _("What would you like to do? Use the menu below."),
        reply_markup=main_menu(features(context.application).menu, member, member.language,
                               context.runtime.settings.lagbot_admins),
    )


def cancel_conversation(message: str, *draft_keys: str) -> Callable[[Update, Context], Awaitable[int]]:
    """A /avbryt (or Cancel button) handler: forget the drafts, take the buttons away, say `message`."""

    async def cancel(update: Update, context: Context) -> int:
        _ = context._
        if context.user_data is not None:
            for key in draft_keys:
                context.user_data.pop(key, None)
        if update.callback_query is not None:
            await update.callback_query.answer()
            await update.callback_query.edit_message_reply_markup(None)
        await reply(update, _(message))
        return ConversationHandler.END

    return cancel


async def buttons_expected(update: Update, context: Context) -> None:
    """Text where the conversation's buttons were expected: say so, and stay at the same step."""
    await reply(update, context._("Please use the buttons above, or /avbryt to cancel."))


def split_payload(payload: str) -> tuple[str, str]:
    prefix, _sep, value = payload.partition("_")
    return prefix, value


async def open_deep_link(update: Update, context: Context, member: Member, payload: str) -> bool:
    """Run the feature that owns this start payload; False when none does."""
    prefix, value = split_payload(payload)
    handler = features(context.application).deep_links.get(prefix)
    if handler is None or not value:
        return False
    await handler(update, context, member, value)
    return True


Pressed = TypeVar("Pressed", bound=CallbackData)


def one_of(family: type[CallbackData], **allowed: Iterable[str]) -> Callable[[object], bool]:
    """A `pattern=` for presses of `family` whose word fields are among the allowed values
    (`one_of(PickDistrict, code=DISTRICTS)`); anything else falls through to the stale answer."""
    choices = {name: frozenset(values) for name, values in allowed.items()}

    def check(data: object) -> bool:
        if not family.owns(data):
            return False
        try:
            parsed = family.parse(data)
        except BadCallback:
            return False
        return all(getattr(parsed, name) in values for name, values in choices.items())

    return with_prefixes(check, family)


def pressed(update: Update, family: type[Pressed]) -> Pressed:
    """The press of a handler registered with `family.filter()` (or `one_of`), parsed."""
    assert update.callback_query is not None
    return family.parse(update.callback_query.data)


DRAFT_SEQUENCE = "draft_sequence"


def new_draft(context: Context, key: str, **fields: Any) -> dict[str, Any]:
    """Start a flow's draft with an id of its own, which its step buttons carry."""
    assert context.user_data is not None
    number = int(context.user_data.get(DRAFT_SEQUENCE, 0)) + 1
    context.user_data[DRAFT_SEQUENCE] = number
    context.user_data[key] = {"id": number, **fields}
    return context.user_data[key]


def draft_for(context: Context, key: str, draft_id: int) -> dict[str, Any] | None:
    """The draft a step button acts on, if it is still the one being written."""
    draft = (context.user_data or {}).get(key)
    return draft if isinstance(draft, dict) and draft.get("id") == draft_id else None


async def flow_step(update: Update, context: Context, family: type[Pressed], key: str, *,
                    close: bool = True, echo: bool = False) -> tuple[Pressed, dict[str, Any]] | None:
    """A flow's step button (its family has a `draft_id`): parsed and answered, with the draft it
    belongs to; `close` takes the pressed keyboard away (with `echo`, a question shows the choice: show_choice). A button of an earlier draft is answered as
    stale and gives None (the flow stays where it is)."""
    query = update.callback_query
    assert query is not None
    press = family.parse(query.data)
    draft = draft_for(context, key, press.draft_id)  # type: ignore[attr-defined]
    if draft is None:
        await query.answer(context._("This button is no longer valid. Send /start to see the menu."), show_alert=True)
        return None
    await query.answer()
    if close:
        await (show_choice(update) if echo else query.edit_message_reply_markup(None))
    return press, draft
