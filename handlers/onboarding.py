"""/start: consent, linking to the member register, district and interests, then the menu."""

from __future__ import annotations

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.i18n import LANGUAGES, N_, translator
from bot.runtime import runtime_of
from handlers.common import (
    DISTRICT_LABELS,
    INTEREST_LABELS,
    LANGUAGE_NAMES,
    Context,
    any_language_pattern,
    current_member,
    inline,
    language_of,
    open_deep_link,
    reply,
    show_main_menu,
    split_payload,
)
from models import membership
from models.errors import (
    InvalidPhone,
    InviteAlreadyUsed,
    PhoneLinkedElsewhere,
    UnknownInvite,
)
from models.member import DISTRICTS, INTERESTS, STATUS_MEMBER, Member

CONSENT, CONTACT, DISTRICT, INTERESTS_STATE = range(4)
SKIP_PHONE = N_("Continue without number")
SHARE_PHONE = N_("📱 Share my number")


def consent_text(lang: str) -> str:
    _ = translator(lang)
    return _(
        "Welcome to lagbot, Trondheim SV's member bot!\n\n"
        "To help you take part, lagbot stores your name, phone number, district, interests "
        "and what you sign up for. Only the board, and those who organise an activity you join, "
        "can see it; a caller sees your number only while phoning you.\n\n"
        "You can see everything stored about you with /mine_data and erase it with /slett_meg "
        "at any time.\n\nDo you agree?"
    )


def consent_keyboard(lang: str) -> InlineKeyboardMarkup:
    _ = translator(lang)
    languages = [(LANGUAGE_NAMES[code], f"ob:lang:{code}") for code in LANGUAGES if code != lang]
    return inline([[(_("Yes, I agree"), "ob:consent:yes"), (_("No thanks"), "ob:consent:no")], languages])


def district_keyboard(lang: str, prefix: str, chosen: str | None = None) -> InlineKeyboardMarkup:
    _ = translator(lang)
    buttons = [
        (("✅ " if code == chosen else "") + _(DISTRICT_LABELS[code]), f"{prefix}:{code}")
        for code in DISTRICTS
    ]
    return inline([buttons[0:2], buttons[2:4], buttons[4:]])


def interests_keyboard(lang: str, prefix: str, chosen: set[str], done: str | None) -> InlineKeyboardMarkup:
    _ = translator(lang)
    buttons = [
        (("✅ " if code in chosen else "▫️ ") + _(INTEREST_LABELS[code]), f"{prefix}:{code}")
        for code in INTERESTS
    ]
    rows = [buttons[n : n + 2] for n in range(0, len(buttons), 2)]
    if done is not None:
        rows.append([(_(done), f"{prefix}:done")])
    return inline(rows)


async def start(update: Update, context: Context) -> int:
    """Greet a known member with the menu; walk anyone else through consent."""
    assert context.user_data is not None
    member = await current_member(update, context)
    payload = context.args[0] if context.args else None
    if member is not None and member.is_onboarded:
        if payload and not payload.startswith("inv_") and await open_deep_link(update, context, member, payload):
            return ConversationHandler.END
        _ = translator(member.language)
        await show_main_menu(update, context, member, _("Welcome back, {name}!").format(name=member.name or ""))
        return ConversationHandler.END
    lang = language_of(update, context, member)
    context.user_data["lang"] = lang
    if payload:
        await remember_payload(update, context, payload, lang)
    if member is not None and member.consent_at is not None:
        return await ask_district(update, context, member)
    await reply(update, consent_text(lang), reply_markup=consent_keyboard(lang))
    return CONSENT


async def remember_payload(update: Update, context: Context, payload: str, lang: str) -> None:
    """An invite is checked now; any other payload waits until onboarding is done."""
    assert context.user_data is not None
    prefix, value = split_payload(payload)
    if prefix != "inv":
        context.user_data["after_onboarding"] = payload
        return
    _ = translator(lang)
    async with runtime_of(context).db.session() as session:
        try:
            invited = await membership.member_by_invite(session, value)
        except UnknownInvite:
            invited = None
    if invited is None:
        await reply(update, _("That invite link is not valid any more. You can still join by sharing your phone number."))
        return
    if invited.telegram_id is not None and invited.telegram_id != update.effective_user.id:  # type: ignore[union-attr]
        await reply(update, _("That invite link has already been used by another Telegram account. Ask the board for a new one."))
        return
    context.user_data["invite"] = value


async def choose_language(update: Update, context: Context) -> int:
    """Show the consent text again in the language picked."""
    assert update.callback_query is not None and context.user_data is not None
    lang = update.callback_query.data.rsplit(":", 1)[1]  # type: ignore[union-attr]
    context.user_data["lang"] = lang
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(consent_text(lang), reply_markup=consent_keyboard(lang))
    return CONSENT


async def consent_given(update: Update, context: Context) -> int:
    """Link by invite if they came with one; otherwise ask for their number."""
    assert update.callback_query is not None and context.user_data is not None
    query, user = update.callback_query, update.effective_user
    assert user is not None
    lang = language_of(update, context)
    _ = translator(lang)
    await query.answer()
    await query.edit_message_text(consent_text(lang) + "\n\n✅ " + _("You agreed."))
    token = context.user_data.pop("invite", None)
    if token:
        async with runtime_of(context).db.session() as session:
            try:
                member = await membership.link_by_invite(session, token, user.id, lang, runtime_of(context).now())
            except (UnknownInvite, InviteAlreadyUsed):
                member = None
        if member is not None:
            await reply(update, _("Hi, {name}! You are now linked to your membership in Trondheim SV.").format(name=member.name))
            return await ask_district(update, context, member)
    return await ask_contact(update, context)


async def ask_contact(update: Update, context: Context) -> int:
    _ = translator(language_of(update, context))
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(_(SHARE_PHONE), request_contact=True)], [KeyboardButton(_(SKIP_PHONE))]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await reply(
        update,
        _("To find you in the member register, tap “Share my number” below. "
          "Telegram then sends us the number of your own account — nothing else."),
        reply_markup=keyboard,
    )
    return CONTACT


async def consent_refused(update: Update, context: Context) -> int:
    """Store only the refusal and explain how to come back."""
    assert update.callback_query is not None and context.user_data is not None
    lang = language_of(update, context)
    _ = translator(lang)
    async with runtime_of(context).db.session() as session:
        await membership.record_refusal(session, update.effective_user.id)  # type: ignore[union-attr]
    context.user_data.clear()
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        _("That's fine — we have stored nothing about you except that you said no. "
          "If you change your mind, just send /start.")
    )
    return ConversationHandler.END


async def contact_shared(update: Update, context: Context) -> int:
    """Accept only the sender's own contact: a forwarded one must never take over a member."""
    assert update.message is not None and update.message.contact is not None
    user, contact = update.effective_user, update.message.contact
    assert user is not None
    lang = language_of(update, context)
    _ = translator(lang)
    if contact.user_id != user.id:
        await reply(update, _("That is someone else's contact. Tap “Share my number” to send your own."))
        return CONTACT
    async with runtime_of(context).db.session() as session:
        try:
            member = await membership.link_by_phone(session, contact.phone_number, user.id, user.full_name, lang, runtime_of(context).now())
        except PhoneLinkedElsewhere:
            member = None
            problem = _("That number is already linked to another Telegram account. Ask the board for help, or continue without a number.")
        except InvalidPhone:
            member = None
            problem = _("We could not read that phone number. You can continue without a number.")
    if member is None:
        await reply(update, problem)
        return CONTACT
    if member.status == STATUS_MEMBER:
        text = _("Thanks, {name}! We found you in the member register.").format(name=member.name)
    else:
        text = _("Thanks! Your number is not in the member register, so you are registered as a supporter "
                 "until the board has checked it.")
    await reply(update, text, reply_markup=ReplyKeyboardRemove())
    return await ask_district(update, context, member)


async def skip_phone(update: Update, context: Context) -> int:
    """Go on as an unverified supporter without sharing a number."""
    user = update.effective_user
    assert user is not None
    lang = language_of(update, context)
    _ = translator(lang)
    async with runtime_of(context).db.session() as session:
        member = await membership.create_supporter(session, user.id, user.full_name, lang, runtime_of(context).now())
    await reply(
        update,
        _("OK. You are registered as a supporter until the board has checked who you are."),
        reply_markup=ReplyKeyboardRemove(),
    )
    return await ask_district(update, context, member)


async def contact_expected(update: Update, context: Context) -> int:
    """Text where the contact button was expected."""
    _ = translator(language_of(update, context))
    await reply(update, _("Please tap “Share my number” below, or “Continue without number”."))
    return CONTACT


async def ask_district(update: Update, context: Context, member: Member) -> int:
    _ = translator(member.language)
    await reply(update, _("Which district do you live in?"), reply_markup=district_keyboard(member.language, "ob:district"))
    return DISTRICT


async def district_chosen(update: Update, context: Context) -> int:
    """Store the district and offer the interests."""
    query = update.callback_query
    assert query is not None and query.data is not None
    district = query.data.rsplit(":", 1)[1]
    async with runtime_of(context).db.session() as session:
        member = await membership.member_by_telegram(session, update.effective_user.id)  # type: ignore[union-attr]
        if member is None:
            await query.answer()
            return ConversationHandler.END
        await membership.set_district(session, member, district)
    _ = translator(member.language)
    await query.answer()
    await query.edit_message_text(_("District: {district}").format(district=_(DISTRICT_LABELS[district])))
    await reply(
        update,
        _("What would you like to help with? Tap all that fit, then “Done”."),
        reply_markup=interests_keyboard(member.language, "ob:int", member.interest_names, N_("Done")),
    )
    return INTERESTS_STATE


async def interest_toggled(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    interest = query.data.rsplit(":", 1)[1]
    async with runtime_of(context).db.session() as session:
        member = await membership.member_by_telegram(session, update.effective_user.id)  # type: ignore[union-attr]
        if member is None:
            await query.answer()
            return ConversationHandler.END
        await membership.toggle_interest(session, member, interest)
    await query.answer()
    await query.edit_message_reply_markup(
        interests_keyboard(member.language, "ob:int", member.interest_names, N_("Done"))
    )
    return INTERESTS_STATE


async def interests_done(update: Update, context: Context) -> int:
    """Finish onboarding: the menu, then whatever link brought them here."""
    assert context.user_data is not None
    query = update.callback_query
    assert query is not None
    async with runtime_of(context).db.session() as session:
        member = await membership.member_by_telegram(session, update.effective_user.id)  # type: ignore[union-attr]
        if member is None:
            await query.answer()
            return ConversationHandler.END
        await membership.complete_onboarding(session, member, runtime_of(context).now())
    _ = translator(member.language)
    chosen = ", ".join(_(INTEREST_LABELS[i]) for i in INTERESTS if i in member.interest_names) or _("none yet")
    await query.answer()
    await query.edit_message_text(_("Interests: {interests}").format(interests=chosen))
    await show_main_menu(
        update, context, member,
        _("You're all set! Change this any time in /innstillinger. Use the menu below to get going."),
    )
    payload = context.user_data.pop("after_onboarding", None)
    context.user_data.pop("lang", None)
    if payload:
        await open_deep_link(update, context, member, payload)
    return ConversationHandler.END


async def buttons_expected(update: Update, context: Context) -> int | None:
    """Text where one of the inline buttons was expected: say so and stay."""
    _ = translator(language_of(update, context, await current_member(update, context)))
    await reply(update, _("Please answer with the buttons above."))
    return None


def conversation() -> ConversationHandler:
    districts = "|".join(DISTRICTS)
    interests = "|".join(INTERESTS)
    text = filters.TEXT & ~filters.COMMAND
    return ConversationHandler(
        entry_points=[CommandHandler("start", start, filters.ChatType.PRIVATE)],
        states={
            CONSENT: [
                CallbackQueryHandler(consent_given, pattern=r"^ob:consent:yes$"),
                CallbackQueryHandler(consent_refused, pattern=r"^ob:consent:no$"),
                CallbackQueryHandler(choose_language, pattern=rf"^ob:lang:({'|'.join(LANGUAGES)})$"),
                MessageHandler(text, buttons_expected),
            ],
            CONTACT: [
                MessageHandler(filters.CONTACT, contact_shared),
                MessageHandler(filters.Regex(any_language_pattern(SKIP_PHONE)), skip_phone),
                MessageHandler(text, contact_expected),
            ],
            DISTRICT: [
                CallbackQueryHandler(district_chosen, pattern=rf"^ob:district:({districts})$"),
                MessageHandler(text, buttons_expected),
            ],
            INTERESTS_STATE: [
                CallbackQueryHandler(interests_done, pattern=r"^ob:int:done$"),
                CallbackQueryHandler(interest_toggled, pattern=rf"^ob:int:({interests})$"),
                MessageHandler(text, buttons_expected),
            ],
        },
        fallbacks=[],
        allow_reentry=True,
        name="onboarding",
        persistent=True,
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(conversation())
