"""/innstillinger: language, district, interests and which messages a member wants."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.callbacks import CallbackData, callback
from bot.commands import names
from bot.i18n import LANGUAGES, N_, translator
from bot.member_buttons import SettingsPage
from bot.nudge_messages import RULE_LABELS
from handlers.common import (
    DISTRICT_LABELS,
    INTEREST_LABELS,
    LANGUAGE_NAMES,
    Context,
    inline,
    menu_label_pattern,
    onboarded,
    one_of,
    reply,
    show_main_menu,
)
from handlers.linking import SHARE_PHONE, ShareNumber
from handlers.onboarding import district_keyboard, interests_keyboard
from handlers.presses import Press
from models import membership
from models import nudges as ng
from models.member import DISTRICTS, INTERESTS, MESSAGE_KINDS, STATUS_SUPPORTER, Member


@callback("set.lang")
class SetLanguage:
    code: str


@callback("set.district")
class SetDistrict:
    code: str


@callback("set.int")
class SetInterest:
    code: str


@callback("set.msg")
class SetMessageKind:
    code: str


@callback("set.ng")
class SetSuggestions:
    code: str


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
    rows = [
        [(_("Language"), SettingsPage("lang").pack()), (_("District"), SettingsPage("district").pack())],
        [(_("Interests"), SettingsPage("int").pack()), (_("Messages"), SettingsPage("msg").pack())],
    ]
    if member.status == STATUS_SUPPORTER and not (member.verified and member.phone):  # skipped the number, or it was not found
        rows.append([(_(SHARE_PHONE), ShareNumber().pack())])
    return text, inline(rows)


def back_row(lang: str) -> list[tuple[str, str]]:
    _ = translator(lang)
    return [(_("« Back"), SettingsPage("home").pack())]


@onboarded
async def show_settings(update: Update, context: Context) -> None:
    """Send the settings overview."""
    text, keyboard = overview(context.known)
    await reply(update, text, reply_markup=keyboard)


@onboarded
async def on_page(update: Update, context: Context) -> None:
    """Open a section of the settings message (or go back to its overview), in place."""
    query = update.callback_query
    assert query is not None
    page = SettingsPage.parse(query.data).page
    await query.answer()
    await show_page(update, context, page, choice_made=False)


CHOICES: dict[type[CallbackData], tuple[str, tuple[str, ...]]] = {
    SetLanguage: ("lang", LANGUAGES), SetDistrict: ("district", DISTRICTS), SetInterest: ("int", INTERESTS),
    SetMessageKind: ("msg", MESSAGE_KINDS), SetSuggestions: ("ng", ng.RULES),
}


@onboarded
async def on_choice(update: Update, context: Context) -> None:
    """A choice in a section: stored at once, and the same message shows the new state."""
    query = update.callback_query
    assert query is not None
    family = next(f for f in CHOICES if f.matches(query.data))
    section, code = CHOICES[family][0], family.parse(query.data).code  # type: ignore[attr-defined]
    member = context.known
    async with context.runtime.db.session() as session:
        if section == "int":
            membership.adopt(session, member)  # read once per update; its interests change through the ORM
        language_before = member.language
        if section == "lang":
            await membership.set_language(session, member, code)
        elif section == "district":
            await membership.set_district(session, member, code)
        elif section == "int":
            await membership.toggle_interest(session, member, code, context.runtime.now())
        elif section == "msg":
            await membership.toggle_message_kind(session, member, code)
        else:
            states = await ng.states_of(session, member.id)
            await ng.set_off(session, member.id, code, not (states[code].off if code in states else False))
        # The page shown next, read in the same transaction (one per update).
        rules_off = await ng.rules_off(session, member.id) if section in ("msg", "ng") else None
    context.set_member(member)
    await query.answer()
    await show_page(update, context, "msg" if section == "ng" else section, choice_made=True, rules_off=rules_off)
    if section == "lang" and code != language_before:
        await show_main_menu(update, context, member, context._("Language changed to {language}.").format(
            language=LANGUAGE_NAMES[member.language]))


async def show_page(update: Update, context: Context, page: str, *, choice_made: bool, rules_off: set[str] | None = None) -> None:
    query = update.callback_query
    assert query is not None
    member, lang, _ = context.known, context.lang, context._
    if page == "district" and not choice_made:
        keyboard = district_keyboard(lang, SetDistrict, member.district)
        await query.edit_message_reply_markup(InlineKeyboardMarkup([*keyboard.inline_keyboard, _buttons(back_row(lang))]))
    elif page == "int":
        keyboard = interests_keyboard(lang, SetInterest, member.interest_names, None)
        await query.edit_message_reply_markup(InlineKeyboardMarkup([*keyboard.inline_keyboard, _buttons(back_row(lang))]))
    elif page == "msg":
        if rules_off is None:
            async with context.runtime.db.read() as session:
                rules_off = await ng.rules_off(session, member.id)
        rows = [[(f"{'✅' if member.wants(k) else '🚫'} {_(KIND_LABELS[k])}", SetMessageKind(k).pack())] for k in MESSAGE_KINDS]
        rows += [[(f"{'🚫' if rule in rules_off else '✅'} {_(RULE_LABELS[rule])}", SetSuggestions(rule).pack())] for rule in ng.RULES]
        text, _keyboard = overview(member)
        await query.edit_message_text(text, reply_markup=inline([*rows, back_row(lang)]))
    elif page == "lang" and not choice_made:
        rows = [[(("✅ " if code == lang else "") + LANGUAGE_NAMES[code], SetLanguage(code).pack())] for code in LANGUAGES]
        await query.edit_message_reply_markup(inline([*rows, back_row(lang)]))
    else:
        text, keyboard = overview(member)
        await query.edit_message_text(text, reply_markup=keyboard)


def _buttons(row: list[tuple[str, str]]):
    return inline([row]).inline_keyboard[0]


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler(names("innstillinger", "settings"), show_settings, private))
    application.add_handler(MessageHandler(private & filters.Regex(menu_label_pattern(application, "settings")), show_settings))
    application.add_handler(Press(on_page, pattern=SettingsPage.filter()))
    for family, (_section, codes) in CHOICES.items():
        application.add_handler(Press(on_choice, pattern=one_of(family, code=codes)))
