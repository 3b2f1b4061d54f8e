"""The board's own tools in chat: list and verify supporters who are not in the register."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import welcome_messages
from bot.callbacks import Id, callback
from bot.i18n import translator
from handlers.common import Context, acting, clip, inline, pressed, reply, requires_role
from models import membership
from models.errors import MemberNotFound
from models.member import Member
from models.phone import display_phone
from models.welcome import task_for_verified as welcome_task_for


@callback("adm.verify")
class VerifySupporter:
    member_id: Id


def supporters_view(supporters: list[Member], lang: str) -> tuple[str, InlineKeyboardMarkup | None]:
    _ = translator(lang)
    if not supporters:
        return _("No supporters are waiting to be verified."), None
    lines = [_("Supporters waiting to be verified ({count}):").format(count=len(supporters)), ""]
    for person in supporters:
        phone = display_phone(person.phone) if person.phone else _("no number")
        lines.append(f"• {person.name or '?'} — {phone}")
    buttons = [[(_("Verify {name}").format(name=(person.name or "?")[:40]), VerifySupporter(person.id).pack())]
               for person in supporters[:20]]
    return "\n".join(lines), inline(buttons)


@requires_role("board")
async def list_supporters(update: Update, context: Context) -> None:
    """Show unverified supporters, each with a verify button."""
    async with context.runtime.db.session() as session:
        supporters = await membership.unverified_supporters(session)
    text, keyboard = supporters_view(supporters, context.lang)
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
        supporters = await membership.unverified_supporters(session)
    if verified is None:
        await query.answer(_("That supporter is already verified or no longer exists."), show_alert=True)
    else:
        await query.answer(_("{name} is verified.").format(name=verified.name or "?"))
    text, keyboard = supporters_view(supporters, context.lang)
    await query.edit_message_text(clip(text), reply_markup=keyboard)


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler(["supportere", "supporters"], list_supporters, private))
    application.add_handler(CallbackQueryHandler(verify, pattern=VerifySupporter.filter()))
