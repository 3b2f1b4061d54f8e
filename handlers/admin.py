"""The board's own tools in chat: list and verify supporters who are not in the register, link one
to the register's member of the same name who is not on lagbot yet, or reject one (not added: their
data is erased, and they are told politely)."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from bot import welcome_messages
from bot.callbacks import Id, callback
from bot.commands import names
from bot.erasure import announce_released, clear_call_cards
from bot.i18n import translator
from bot.link_messages import member_label, tell_outcome
from handlers.common import Context, acting, clip, inline, pressed, reply, requires_role
from handlers.flows import switch_of
from handlers.presses import Press
from models import linking, membership
from models.errors import LinkNotPossible, MemberNotFound, NotAllowed
from models.member import Member
from models.phone import display_phone
from models.privacy import reject_supporter
from models.welcome import task_for_verified as welcome_task_for


@callback("adm.verify")
class VerifySupporter:
    member_id: Id


@callback("adm.reject")
class RejectSupporter:
    """Reject a supporter: "ask" shows what it means, "yes" does it, "no" goes back to the list."""

    step: Literal["ask", "yes", "no"]
    member_id: Id


@callback("adm.link")
class LinkNamesake:
    """Link a supporter to the register's member of the same name (the board's choice, never by itself)."""

    supporter_id: Id
    member_id: Id


def supporters_view(supporters: list[Member], twins: dict[int, Member], lang: str) -> tuple[str, InlineKeyboardMarkup | None]:
    _ = translator(lang)
    if not supporters:
        return _("No supporters are waiting to be verified."), None
    lines = [_("Supporters waiting to be verified ({count}):").format(count=len(supporters)), ""]
    for person in supporters:
        phone = display_phone(person.phone) if person.phone else _("no number")
        lines.append(f"• {person.name or '?'} — {phone}")
        if (twin := twins.get(person.id)) is not None:
            lines.append("  ⚠️ " + _("The member register has {member} with the same name, not yet on lagbot. "
                                    "If it is the same person, link them instead of verifying.").format(member=member_label(twin)))
    buttons = []
    for person in supporters[:20]:
        buttons.append([(_("Verify {name}").format(name=(person.name or "?")[:40]), VerifySupporter(person.id).pack()),
                        (_("✖️ Reject"), RejectSupporter("ask", person.id).pack())])
        if (twin := twins.get(person.id)) is not None:
            buttons.append([(_("🔗 Link to {member}").format(member=member_label(twin)[:40]), LinkNamesake(person.id, twin.id).pack())])
    return "\n".join(lines), inline(buttons)


async def current_view(session: AsyncSession, context: Context) -> tuple[str, InlineKeyboardMarkup | None]:
    supporters = await membership.unverified_supporters(session, context.runtime.settings.lagbot_admins)
    return supporters_view(supporters, await linking.namesakes(session, supporters), context.lang)


@requires_role("board")
async def list_supporters(update: Update, context: Context) -> None:
    """Show unverified supporters, each with a verify button (and a link button for a namesake in the register)."""
    async with context.runtime.db.session() as session:
        text, keyboard = await current_view(session, context)
    await reply(update, text, reply_markup=keyboard)


@requires_role("board")
async def verify(update: Update, context: Context) -> None:
    """Mark one supporter as verified and refresh the list."""
    query, press = update.callback_query, pressed(update, VerifySupporter)
    assert query is not None
    _, runtime = context._, context.runtime
    async with runtime.db.session() as session:
        if await acting(update, context, session, "board") is None:
            return
        try:
            verified = await membership.verify_supporter(session, press.member_id)
            await welcome_task_for(session, verified, runtime.now())
            if verified.telegram_id is not None:
                await welcome_messages.verified(session, verified, runtime.now())
        except MemberNotFound:
            verified = None
        text, keyboard = await current_view(session, context)
    if verified is None:
        await query.answer(_("That supporter is already verified or no longer exists."), show_alert=True)
    else:
        await query.answer(_("{name} is verified.").format(name=verified.name or "?"))
    await query.edit_message_text(clip(text), reply_markup=keyboard)


@requires_role("board")
async def reject(update: Update, context: Context) -> None:
    """Reject a supporter the board cannot confirm: asked first, then erased and told (RejectSupporter)."""
    query, press = update.callback_query, pressed(update, RejectSupporter)
    assert query is not None
    _, runtime = context._, context.runtime
    gone = _("That supporter is already verified or no longer exists.")
    if press.step == "ask":
        async with runtime.db.session() as session:
            waiting = {person.id: person for person in await membership.unverified_supporters(session, runtime.settings.lagbot_admins)}
        if (person := waiting.get(press.member_id)) is None:
            await query.answer(gone, show_alert=True)
            return
        await query.answer()
        await query.edit_message_text(
            _("Reject {name}? They are not added as a supporter: what they gave lagbot is deleted, any places they hold "
              "go to the next in line, and they get a short, polite message that the board could not confirm them.")
            .format(name=person.name or "?"),
            reply_markup=inline([[(_("Yes, reject"), RejectSupporter("yes", person.id).pack()),
                                  (_("No, back to the list"), RejectSupporter("no", person.id).pack())]]))
        return
    rejected = None
    async with runtime.db.session() as session:
        if press.step == "yes":
            if (actor := await acting(update, context, session, "board")) is None:  # the role, read with the change
                return
            if actor.id == press.member_id:
                await query.answer(_("You cannot reject yourself. To erase your own data, send /slett_meg."), show_alert=True)
                return
            try:
                rejected = await reject_supporter(session, press.member_id, runtime.now())
                await announce_released(session, rejected.released, runtime.now(), runtime.settings.lagbot_admins)
                if rejected.telegram_id is not None:
                    await welcome_messages.rejected(session, press.member_id, rejected.telegram_id, rejected.language,
                                                    runtime.now())
            except MemberNotFound:
                rejected = None
        text, keyboard = await current_view(session, context)
    if press.step == "no":
        await query.answer()
    elif rejected is None:
        await query.answer(gone, show_alert=True)
    else:
        if rejected.telegram_id is not None:  # nothing of theirs stays in memory either
            switch_of(context.application).forget_user(rejected.telegram_id)
            context.application.drop_user_data(rejected.telegram_id)
        await clear_call_cards(context.bot, rejected.released.call_cards)
        await query.answer(_("{name} was rejected and not added.").format(name=rejected.name))
    await query.edit_message_text(clip(text), reply_markup=keyboard)


@requires_role("board")
async def link(update: Update, context: Context) -> None:
    """Link a supporter to the register's member of the same name, as a confirmed link request."""
    query, press = update.callback_query, pressed(update, LinkNamesake)
    assert query is not None and update.effective_user is not None
    _, runtime = context._, context.runtime
    async with runtime.db.session() as session:
        if await acting(update, context, session, "board") is None:
            return
        try:
            decision = await linking.link_namesake(session, press.supporter_id, press.member_id, update.effective_user.id,
                                                   runtime.settings.lagbot_admins, runtime.now())
            await tell_outcome(session, decision, runtime.now())
        except (LinkNotPossible, NotAllowed):
            decision = None
        text, keyboard = await current_view(session, context)
    if decision is None or decision.stale:
        await query.answer(_("Not linked: one of them was linked, verified or changed meanwhile."), show_alert=True)
    else:
        await query.answer(_("✅ Linked: “{telegram_name}” is now {member}.").format(
            telegram_name=decision.request.telegram_name or "?", member=member_label(decision.member)))
    await query.edit_message_text(clip(text), reply_markup=keyboard)


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler(names("supportere", "supporters"), list_supporters, private))
    application.add_handler(Press(verify, pattern=VerifySupporter.filter()))
    application.add_handler(Press(link, pattern=LinkNamesake.filter()))
    application.add_handler(Press(reject, pattern=RejectSupporter.filter()))
