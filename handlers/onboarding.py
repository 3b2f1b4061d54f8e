"""/start: consent, linking to the member register, district and interests, then the menu."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeAlias

from telegram import InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.callbacks import CallbackData, callback
from bot.i18n import LANGUAGES, N_, fmt_date, translator
from handlers import linking
from handlers.common import (
    DISTRICT_LABELS,
    INTEREST_LABELS,
    LANGUAGE_NAMES,
    Context,
    any_language_pattern,
    inline,
    one_of,
    open_deep_link,
    pressed,
    reply,
    show_main_menu,
    split_payload,
)
from handlers.flows import Flow
from handlers.presses import Press
from models import membership, tombstones
from models.errors import UnknownInvite
from models.member import DISTRICTS, INTERESTS, STATUS_MEMBER, Member

CONSENT, CONTACT, DISTRICT, INTERESTS_STATE = range(4)
SKIP_PHONE = N_("Continue without number")


@callback("ob.consent")
class Consent:
    answer: Literal["yes", "no"]


@callback("ob.lang")
class ConsentLanguage:
    code: Literal["nb", "nn", "en"]


@callback("ob.district")
class PickDistrict:
    code: str


@callback("ob.int")
class ToggleInterest:
    code: str


@callback("ob.done")
class InterestsDone:
    """Onboarding's last step: acts on the member pressing it, so it carries nothing."""


DONE = (N_("Done"), InterestsDone().pack())
Choice: TypeAlias = Callable[[str], CallbackData]  # a family of one word: what a choice button packs


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
    languages = [(LANGUAGE_NAMES[code], ConsentLanguage(code).pack()) for code in LANGUAGES if code != lang]
    return inline([[(_("Yes, I agree"), Consent("yes").pack()), (_("No thanks"), Consent("no").pack())], languages])


def district_keyboard(lang: str, family: Choice, chosen: str | None = None) -> InlineKeyboardMarkup:
    _ = translator(lang)
    buttons = [
        (("✅ " if code == chosen else "") + _(DISTRICT_LABELS[code]), family(code).pack())
        for code in DISTRICTS
    ]
    return inline([buttons[0:2], buttons[2:4], buttons[4:]])


def interests_keyboard(lang: str, family: Choice, chosen: set[str], done: tuple[str, str] | None) -> InlineKeyboardMarkup:
    """The interests to toggle; `done` is (msgid, callback data) of a closing button."""
    _ = translator(lang)
    buttons = [
        (("✅ " if code in chosen else "▫️ ") + _(INTEREST_LABELS[code]), family(code).pack())
        for code in INTERESTS
    ]
    rows = [buttons[n : n + 2] for n in range(0, len(buttons), 2)]
    if done is not None:
        rows.append([(_(done[0]), done[1])])
    return inline(rows)


async def start(update: Update, context: Context) -> int:
    """Greet a known member with the menu; walk anyone else through consent."""
    assert context.user_data is not None
    member = context.member
    payload = context.args[0] if context.args else None
    if member is not None and member.is_onboarded:
        if payload and not payload.startswith("inv_") and await open_deep_link(update, context, member, payload):
            return Flow.END
        await show_main_menu(update, context, member, context._("Welcome back, {name}!").format(name=member.name or ""))
        return Flow.END
    lang = context.lang
    context.user_data["lang"] = lang
    if payload:
        await remember_payload(update, context, payload, lang)
    if member is not None and member.consent_at is not None:
        return await district_or_interests(update, context, member)
    if member is None:
        async with context.runtime.db.session() as session:
            trace = await tombstones.trace_of(session, update.effective_user.id)  # type: ignore[union-attr]
        if trace is not None:
            await reply(update, erased_text(trace, lang))
    await reply(update, consent_text(lang), reply_markup=consent_keyboard(lang))
    return CONSENT


def erased_text(trace: tombstones.Tombstone, lang: str) -> str:
    _, day = translator(lang), fmt_date(trace.erased_at, lang)
    if trace.reason == tombstones.LEFT:
        return _("Welcome. Your membership data was removed on {day} because you left the party. If you have "
                 "joined again, accept below and share your number: once the register has you, you are a member "
                 "here too.").format(day=day)
    if trace.reason == tombstones.REJECTED:
        return _("Welcome. On {day} the board could not confirm you as a supporter, and what you had given lagbot "
                 "was deleted. If you are a member or want to support us, accept below and share your number.").format(day=day)
    # Erasing blanked the register's row too: until the board imports the register again, the number is
    # not found and the person starts as a supporter (the import then makes them a member again).
    return _("Welcome back. You erased your data on {day}, and nothing from before is kept. To come back, "
             "accept below and share your number. If lagbot no longer finds it in the member register, you start "
             "as a supporter and are a member again when the board next imports the register.").format(day=day)


async def remember_payload(update: Update, context: Context, payload: str, lang: str) -> None:
    """An invite is checked now; any other payload waits until onboarding is done."""
    assert context.user_data is not None
    prefix, value = split_payload(payload)
    if prefix != "inv":
        context.user_data["after_onboarding"] = payload
        return
    _ = translator(lang)
    async with context.runtime.db.session() as session:
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
    lang = pressed(update, ConsentLanguage).code
    context.user_data["lang"] = lang
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(consent_text(lang), reply_markup=consent_keyboard(lang))
    return CONSENT


async def consent_given(update: Update, context: Context) -> int:
    """Ask for their number next (also when they came by an invite link)."""
    assert update.callback_query is not None
    query, lang, _ = update.callback_query, context.lang, context._
    await query.answer()
    await query.edit_message_text(consent_text(lang) + "\n\n✅ " + _("You agreed."))
    return await ask_contact(update, context)


async def ask_contact(update: Update, context: Context) -> int:
    """Ask for the number; an invite link alone links nobody (it may have been forwarded)."""
    assert context.user_data is not None
    _ = context._
    if context.user_data.get("invite"):
        text = _("To link your membership, tap “Share my number” below: we check that the number of your own "
                 "Telegram account is the one in the member register.")
    else:
        text = _("To find you in the member register, tap “Share my number” below. "
                 "Telegram then sends us the number of your own account — nothing else.")
    await reply(update, text, reply_markup=linking.share_keyboard(context, SKIP_PHONE))
    return CONTACT


async def consent_refused(update: Update, context: Context) -> int:
    """Store only the refusal and explain how to come back."""
    assert update.callback_query is not None and context.user_data is not None
    _ = context._
    async with context.runtime.db.session() as session:
        await membership.record_refusal(session, update.effective_user.id)  # type: ignore[union-attr]
    context.user_data.clear()
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        _("That's fine — we have stored nothing about you except that you said no. "
          "If you change your mind, just send /start.")
    )
    return Flow.END


async def contact_shared(update: Update, context: Context) -> int:
    """Accept only the sender's own contact: a forwarded one must never take over a member."""
    assert context.user_data is not None
    member, text = await linking.link_by_contact(update, context)
    if member is None:
        await reply(update, text)
        return CONTACT
    return await linked(update, context, member, text)


async def skip_phone(update: Update, context: Context) -> int:
    """Go on as an unverified supporter without sharing a number."""
    user = update.effective_user
    assert user is not None
    admin = user.id in context.runtime.settings.lagbot_admins  # the operator vouches for them: nothing to check
    async with context.runtime.db.session() as session:
        member = await membership.create_supporter(session, user.id, user.full_name, context.lang, context.runtime.now(),
                                                   vouched=admin)
    context.set_member(member)
    if admin:
        return await linked(update, context, member, context._(
            "OK. You are an administrator (LAGBOT_ADMINS), so nobody needs to check who you are. Without a number "
            "you are not linked to the member register; share it later under /innstillinger if you are a member."))
    return await linked(update, context, member,
                        context._("OK. You are registered as a supporter until the board has checked who you are."))


async def linked(update: Update, context: Context, member: Member, text: str) -> int:
    """Say how they were found; a supporter who came by an invite link has the board asked to check it."""
    assert context.user_data is not None and update.effective_user is not None
    token = context.user_data.pop("invite", None)
    if token and member.status != STATUS_MEMBER:
        text = await linking.request_by_invite(context, member, token, update.effective_user.full_name)
    await reply(update, text, reply_markup=ReplyKeyboardRemove())
    return await district_or_interests(update, context, member)


async def district_or_interests(update: Update, context: Context, member: Member) -> int:
    """A member whose district the register has is told it and not asked (settings can change it)."""
    if member.status == STATUS_MEMBER and member.district in DISTRICTS:
        _ = translator(member.language)
        await reply(update, _("District: {district} (from the member register; you can change it in /innstillinger)").format(
            district=_(DISTRICT_LABELS[member.district])))
        return await ask_interests(update, member)
    return await ask_district(update, context, member)


async def contact_expected(update: Update, context: Context) -> int:
    """Text where the contact button was expected."""
    _ = context._
    await reply(update, _("Please tap “Share my number” below, or “Continue without number”."))
    return CONTACT


async def ask_district(update: Update, context: Context, member: Member) -> int:
    _ = translator(member.language)
    await reply(update, _("Which district do you live in?"), reply_markup=district_keyboard(member.language, PickDistrict))
    return DISTRICT


async def changed_member(update: Update, context: Context,
                         change: Callable[[Any, Member], Awaitable[Any]]) -> Member | None:
    """Apply `change(session, member)` to the member onboarding (stored since the contact step);
    None if they were erased meanwhile."""
    member = context.member
    if member is None:
        if update.callback_query is not None:
            await update.callback_query.answer()
        return None
    async with context.runtime.db.session() as session:
        membership.adopt(session, member)
        await change(session, member)
    return member


async def district_chosen(update: Update, context: Context) -> int:
    """Store the district and offer the interests."""
    query = update.callback_query
    assert query is not None
    district = pressed(update, PickDistrict).code
    member = await changed_member(update, context, lambda s, m: membership.set_district(s, m, district))
    if member is None:
        return Flow.END
    _ = translator(member.language)
    await query.answer()
    await query.edit_message_text(_("District: {district}").format(district=_(DISTRICT_LABELS[district])))
    return await ask_interests(update, member)


async def ask_interests(update: Update, member: Member) -> int:
    _ = translator(member.language)
    await reply(
        update,
        _("What would you like to help with? Tap all that fit, then “Done”."),
        reply_markup=interests_keyboard(member.language, ToggleInterest, member.interest_names, DONE),
    )
    return INTERESTS_STATE


async def interest_toggled(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    interest = pressed(update, ToggleInterest).code
    member = await changed_member(update, context, lambda s, m: membership.toggle_interest(s, m, interest, context.runtime.now()))
    if member is None:
        return Flow.END
    await query.answer()
    await query.edit_message_reply_markup(
        interests_keyboard(member.language, ToggleInterest, member.interest_names, DONE)
    )
    return INTERESTS_STATE


async def interests_done(update: Update, context: Context) -> int:
    """Finish onboarding: the menu, then whatever link brought them here."""
    assert context.user_data is not None
    query = update.callback_query
    assert query is not None
    member = await changed_member(update, context, lambda s, m: membership.complete_onboarding(s, m, context.runtime.now()))
    if member is None:
        return Flow.END
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
    return Flow.END


async def buttons_expected(update: Update, context: Context) -> int | None:
    """Text where one of the inline buttons was expected: say so and stay."""
    await reply(update, context._("Please answer with the buttons above."))
    return None


def register(application: Application) -> None:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(Flow(
        application, "onboarding", title=N_("getting started"),
        entry_points=[CommandHandler("start", start, filters.ChatType.PRIVATE)],
        states={
            CONSENT: [
                Press(consent_given, pattern=one_of(Consent, answer=["yes"])),
                Press(consent_refused, pattern=one_of(Consent, answer=["no"])),
                Press(choose_language, pattern=ConsentLanguage.filter()),
                MessageHandler(text, buttons_expected),
            ],
            CONTACT: [
                MessageHandler(filters.CONTACT, contact_shared),
                MessageHandler(filters.Regex(any_language_pattern(SKIP_PHONE)), skip_phone),
                MessageHandler(text, contact_expected),
            ],
            DISTRICT: [
                Press(district_chosen, pattern=one_of(PickDistrict, code=DISTRICTS)),
                MessageHandler(text, buttons_expected),
            ],
            INTERESTS_STATE: [
                Press(interests_done, pattern=InterestsDone.filter()),
                Press(interest_toggled, pattern=one_of(ToggleInterest, code=INTERESTS)),
                MessageHandler(text, buttons_expected),
            ],
        },
        fallbacks=[],
        drafts=("invite", "after_onboarding"),
        closed_by_commands=False,  # /hjelp while choosing a district is answered, and onboarding goes on
    ))
