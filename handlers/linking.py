"""Linking an account safely: an invite link only asks the board, a shared own number links at once
(also later, from /innstillinger), and the board confirms or refuses requests with buttons."""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import Application, MessageHandler, filters

from bot import link_messages
from bot.callbacks import callback
from bot.i18n import N_
from bot.member_buttons import DecideLink
from handlers.common import Context, answer_alert, onboarded, pressed, reply, requires_role, show_main_menu
from handlers.presses import Press
from models import linking, membership
from models.errors import InvalidPhone, InviteAlreadyUsed, LinkNotPossible, NotAllowed, PhoneLinkedElsewhere, UnknownInvite
from models.member import STATUS_MEMBER, STATUS_SUPPORTER, Member

SHARE_PHONE = N_("📱 Share my number")


@callback("set.phone")
class ShareNumber:
    """In /innstillinger, for a supporter: share the number now, to be found in the register."""


def share_keyboard(context: Context, *extra: str) -> ReplyKeyboardMarkup:
    _ = context._
    rows = [[KeyboardButton(_(SHARE_PHONE), request_contact=True)], *([KeyboardButton(_(label))] for label in extra)]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)


async def request_by_invite(context: Context, member: Member, token: str, telegram_name: str) -> str:
    """`member` (a supporter row just made for this account) opened an invite link without proving the
    number: ask the board, and say what happens next."""
    _, runtime = context._, context.runtime
    async with runtime.db.session() as session:
        try:
            request = await linking.request_link(session, token, member, telegram_name, runtime.now())
            await link_messages.ask_board(session, request, runtime.settings.lagbot_admins, runtime.now())
        except (UnknownInvite, InviteAlreadyUsed):
            return _("That invite link cannot be used any more. Ask the board for help.")
    return _("We have asked the board to check that the membership is yours; you will hear back here. "
             "Until then you are registered as a supporter.")


async def link_by_contact(update: Update, context: Context) -> tuple[Member | None, str]:
    """Link by the contact in this message (checked to be the sender's own): the member, or None and why."""
    assert update.message is not None and update.message.contact is not None
    user, contact, _, runtime = update.effective_user, update.message.contact, context._, context.runtime
    assert user is not None
    if contact.user_id != user.id:
        return None, _("That is someone else's contact. Tap “Share my number” to send your own.")
    async with runtime.db.session() as session:
        try:
            linked = await linking.link_proven(session, contact.phone_number, user.id, user.full_name, context.lang,
                                               runtime.now())
            admin = user.id in runtime.settings.lagbot_admins and linked.member.status == STATUS_SUPPORTER
            if admin:  # a number not in the register: the operator vouches for an account in LAGBOT_ADMINS
                await membership.vouch_for(session, linked.member)
            await link_messages.membership_moved(session, linked, runtime.settings.lagbot_admins, runtime.now())
        except PhoneLinkedElsewhere:
            return None, _("That number is already linked to another Telegram account. "
                           "Ask the board for help, or continue without a number.")
        except InvalidPhone:
            return None, _("We could not read that phone number. You can continue without a number.")
    context.set_member(linked.member)
    if linked.member.status == STATUS_MEMBER:
        return linked.member, _("Thanks, {name}! We found you in the member register.").format(name=linked.member.name)
    if admin:
        return linked.member, _("Thanks! Your number is not in the member register. You are an administrator "
                                "(LAGBOT_ADMINS), so nobody needs to check who you are.")
    return linked.member, _("Thanks! Your number is not in the member register, so you are registered as a supporter "
                            "until the board has checked it.")


@onboarded
async def share_from_settings(update: Update, context: Context) -> None:
    """The settings button: offer Telegram's share-my-number button."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await reply(update, context._("Tap “Share my number” below. If the number is in the member register, "
                                  "your membership is linked at once."), reply_markup=share_keyboard(context))


@onboarded
async def contact_later(update: Update, context: Context) -> None:
    """A contact shared outside /start: a supporter who skipped the number, or one who is already linked."""
    if context.known.status != STATUS_SUPPORTER:
        await reply(update, context._("Your membership is already linked."), reply_markup=ReplyKeyboardRemove())
        return
    member, text = await link_by_contact(update, context)
    if member is None:
        await reply(update, text)
        return
    await show_main_menu(update, context, member, text)


@requires_role("board")
async def decide(update: Update, context: Context) -> None:
    """The board's confirm or refuse: the role and both sides are read again in the same transaction."""
    query, press, runtime, _ = update.callback_query, pressed(update, DecideLink), context.runtime, context._
    assert query is not None and update.effective_user is not None
    async with runtime.db.session() as session:
        try:
            decision = await linking.decide(session, press.request_id, update.effective_user.id, press.answer == "yes",
                                            runtime.settings.lagbot_admins, runtime.now())
            await link_messages.tell_outcome(session, decision, runtime.now())
            if decision.stale:
                text = _("Not linked: “{telegram_name}” or {member} was linked meanwhile. They have been told.")
            elif press.answer == "yes":
                text = _("✅ Linked: “{telegram_name}” is now {member}.")
            else:
                text = _("✖️ Refused: “{telegram_name}” is not linked to {member}.")
            text = text.format(
                telegram_name=decision.request.telegram_name or "?", member=link_messages.member_label(decision.member))
        except NotAllowed:
            await answer_alert(update, _("Only the board can do that."))
            return
        except LinkNotPossible:
            await answer_alert(update, _("This was already decided. Nothing was changed."))
            await query.edit_message_reply_markup(None)
            return
    await query.answer()
    await query.edit_message_text(text)


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & filters.CONTACT, contact_later))
    application.add_handler(Press(share_from_settings, pattern=ShareNumber.filter()))
    application.add_handler(Press(decide, pattern=DecideLink.filter()))
