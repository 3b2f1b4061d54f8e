"""The board's own tools in chat: list and verify supporters who are not in the register, or link one
to the register's member of the same name who is not on lagbot yet."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from bot import welcome_messages
from bot.callbacks import Id, callback
from bot.commands import names
from bot.i18n import translator
from bot.link_messages import member_label, tell_outcome
from handlers.common import Context, acting, clip, inline, pressed, reply, requires_role
from handlers.presses import Press
from models import linking, membership
from models.errors import LinkNotPossible, MemberNotFound, NotAllowed
from models.member import Member
from models.phone import display_phone
from models.welcome import task_for_verified as welcome_task_for


@callback("adm.verify")
class VerifySupporter:
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
        row = [(_("Verify {name}").format(name=(person.name or "?")[:40]), VerifySupporter(person.id).pack())]
        if (twin := twins.get(person.id)) is not None:
            row.append((_("🔗 Link to {member}").format(member=member_label(twin)[:40]), LinkNamesake(person.id, twin.id).pack()))
        buttons.append(row)
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
