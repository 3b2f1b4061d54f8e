"""/innstillinger: language, district, interests and which messages a member wants."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.i18n import LANGUAGES, N_, translator
from bot.nudge_messages import RULE_LABELS
from bot.runtime import runtime_of
from handlers.common import (
    DISTRICT_LABELS,
    INTEREST_LABELS,
    LANGUAGE_NAMES,
    Context,
    current_member,
    inline,
    menu_label_pattern,
    onboarded,
    reply,
    show_main_menu,
)
from handlers.onboarding import district_keyboard, interests_keyboard
from models import membership
from models import nudges as ng
from models.member import DISTRICTS, INTERESTS, MESSAGE_KINDS, Member

KIND_LABELS: dict[str, str] = {
    "reminders": N_("Reminders for what I signed up for"),
    "nudges": N_("Suggestions of things to join"),
    "broadcasts": N_("Messages from the board"),
}


def overview(member: Member) -> tuple[str, InlineKeyboardMarkup]:
    _ = translator(member.language)
    interests = ", ".join(_(INTEREST_LABELS[i]) for i in INTERESTS if i in member.interest_names) or _("none")
    district = _(DISTRICT_LABELS[member.district]) if member.district else _("not chosen")
    kinds = "\n".join(f"{'✅' if member.wants(k) else '🚫'} {_(KIND_LABELS[k])}" for k in MESSAGE_KINDS)
    text = "\n".join(
        [
            _("Your settings"),
            "",
            _("Language: {language}").format(language=LANGUAGE_NAMES[member.language]),
            _("District: {district}").format(district=district),
            _("Interests: {interests}").format(interests=interests),
            "",
            _("Messages:"),
            kinds,
        ]
    )
    keyboard = inline(
        [
            [(_("Language"), "set:lang"), (_("District"), "set:district")],
            [(_("Interests"), "set:int"), (_("Messages"), "set:msg")],
        ]
    )
    return text, keyboard


def back_row(lang: str) -> list[tuple[str, str]]:
    _ = translator(lang)
    return [(_("« Back"), "set:home")]


@onboarded
async def show_settings(update: Update, context: Context) -> None:
    """Send the settings overview."""
    member = await current_member(update, context)
    assert member is not None
    text, keyboard = overview(member)
    await reply(update, text, reply_markup=keyboard)


@onboarded
async def on_button(update: Update, context: Context) -> None:
    """Every settings button edits the same message in place."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    member = await current_member(update, context)
    assert member is not None
    async with runtime_of(context).db.session() as session:
        membership.adopt(session, member)  # read once by the decorator; changed and saved here
        section = parts[1]
        choice = parts[2] if len(parts) > 2 else None
        language_before = member.language
        if section == "lang" and choice:
            await membership.set_language(session, member, choice)
        elif section == "district" and choice:
            await membership.set_district(session, member, choice)
        elif section == "int" and choice:
            await membership.toggle_interest(session, member, choice)
        elif section == "msg" and choice:
            await membership.toggle_message_kind(session, member, choice)
        elif section == "ng" and choice:
            states = await ng.states_of(session, member.id)
            await ng.set_off(session, member.id, choice, not (states[choice].off if choice in states else False))
        rules_off = {rule for rule, state in (await ng.states_of(session, member.id)).items() if state.off}
    await query.answer()
    lang = member.language
    if section == "district" and choice is None:
        keyboard = district_keyboard(lang, "set:district", member.district)
        await query.edit_message_reply_markup(InlineKeyboardMarkup([*keyboard.inline_keyboard, _buttons(back_row(lang))]))
    elif section == "int":
        keyboard = interests_keyboard(lang, "set:int", member.interest_names, None)
        await query.edit_message_reply_markup(InlineKeyboardMarkup([*keyboard.inline_keyboard, _buttons(back_row(lang))]))
    elif section in ("msg", "ng"):
        _ = translator(lang)
        rows = [[(f"{'✅' if member.wants(k) else '🚫'} {_(KIND_LABELS[k])}", f"set:msg:{k}")] for k in MESSAGE_KINDS]
        rows += [[(f"{'🚫' if rule in rules_off else '✅'} {_(RULE_LABELS[rule])}", f"set:ng:{rule}")] for rule in ng.RULES]
        text, _keyboard = overview(member)
        await query.edit_message_text(text, reply_markup=inline([*rows, back_row(lang)]))
    elif section == "lang" and choice is None:
        rows = [[(("✅ " if code == lang else "") + LANGUAGE_NAMES[code], f"set:lang:{code}")] for code in LANGUAGES]
        await query.edit_message_reply_markup(inline([*rows, back_row(lang)]))
    else:
        text, keyboard = overview(member)
        await query.edit_message_text(text, reply_markup=keyboard)
    if section == "lang" and choice and choice != language_before:
        _ = translator(lang)
        await show_main_menu(update, context, member, _("Language changed to {language}.").format(language=LANGUAGE_NAMES[lang]))


def _buttons(row: list[tuple[str, str]]):  # noqa: ANN202 - a row of InlineKeyboardButton
    return inline([row]).inline_keyboard[0]


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler(["innstillinger", "innstillingar", "settings"], show_settings, private))
    application.add_handler(MessageHandler(private & filters.Regex(menu_label_pattern(application, "settings")), show_settings))
    pattern = (
        rf"^set:(home|lang|district|int|msg"
        rf"|lang:({'|'.join(LANGUAGES)})|district:({'|'.join(DISTRICTS)})"
        rf"|int:({'|'.join(INTERESTS)})|msg:({'|'.join(MESSAGE_KINDS)})|ng:({'|'.join(ng.RULES)}))$"
    )
    application.add_handler(CallbackQueryHandler(on_button, pattern=pattern))
