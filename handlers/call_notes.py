"""Notes on calls: "Add a note" under a recorded call, or text typed right after the outcome (within
NOTE_WINDOW, before the next call); only the caller who made the call writes it, and a note over the
limit is refused with the limit, never cut."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.callbacks import Id, callback
from bot.member_buttons import CallStep
from handlers.common import Context, inline, onboarded, pressed, reply, role_refusal
from handlers.flows import Flow
from models import membership
from models import phonebank as pb

NOTE_TEXT = 1  # the calls flow's state (handlers/phonebank.py) while a note is written
JUST_RECORDED = "call_just_recorded"  # user_data: the call whose outcome was just recorded, for a note typed next
NOTE_WINDOW = timedelta(minutes=15)


@callback("pb.note")
class CallNote:
    target_id: Id


async def may_still_call(context: Context, session: AsyncSession, target_id: int) -> bool:
    """The caller, read again in the transaction of the change, may still call in the target's phone round."""
    fresh = await membership.member_by_telegram(session, context.known.telegram_id or 0)
    target = await pb.held_by(session, target_id)
    if fresh is None or target is None:
        return fresh is not None
    return pb.may_call(fresh, await pb.get_campaign(session, target.campaign_id), context.runtime.settings.lagbot_admins)


@onboarded
async def ask_note(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and context.user_data is not None
    target_id = pressed(update, CallNote).target_id
    async with context.runtime.db.session() as session:
        mine = await pb.may_note(session, target_id, context.known.id)
    if mine is None:
        await query.answer(context._("You no longer hold this call — it may have gone back to the queue."), show_alert=True)
        return Flow.END
    context.user_data["note_target"] = target_id
    await query.answer()
    await reply(update, context._("Write the note (at most 1000 characters). Please write only what the next caller needs."))
    return NOTE_TEXT


@onboarded
async def note_text(update: Update, context: Context) -> int:
    assert update.message is not None and context.user_data is not None
    target_id = context.user_data.get("note_target")
    if target_id is None:
        return Flow.END
    return NOTE_TEXT if not await save_note(update, context, target_id) else Flow.END


async def note_after_outcome(update: Update, context: Context) -> bool:
    """Text typed right after recording an outcome (within NOTE_WINDOW, before the next call) is that
    call's note, without the "Add a note" button; True if it was taken as one."""
    pending = (context.user_data or {}).get(JUST_RECORDED)
    message = update.effective_message
    if not pending or message is None or not message.text or context.member is None:
        return False
    if context.runtime.now() - datetime.fromisoformat(pending["at"]) > NOTE_WINDOW:
        context.user_data.pop(JUST_RECORDED, None)  # type: ignore[union-attr]
        return False
    await save_note(update, context, int(pending["target"]))
    return True


def remember_for_note(context: Context, target_id: int) -> None:
    if context.user_data is not None:
        context.user_data[JUST_RECORDED] = {"target": target_id, "at": context.runtime.now().isoformat()}


async def save_note(update: Update, context: Context, target_id: int) -> bool:
    """Store the note (refused with the limit when too long, never cut); False when it must be sent again."""
    assert update.message is not None and context.user_data is not None
    _ = context._
    note = (update.message.text or "").strip()
    if len(note) > pb.MAX_NOTE:
        await reply(update, _("That note is {length} characters; the limit is {limit}. Please shorten it and send it again.").format(
            length=len(note), limit=pb.MAX_NOTE))
        return False
    context.user_data.pop("note_target", None)
    context.user_data.pop(JUST_RECORDED, None)
    try:
        async with context.runtime.db.session() as session:
            if not await may_still_call(context, session, target_id):
                await reply(update, role_refusal(context, "caller"))
                return True
            await pb.add_note(session, target_id, context.known.id, note)
            target = await pb.held_by(session, target_id)
    except pb.NotHolding:
        await reply(update, _("You no longer hold this call — it may have gone back to the queue."))
        return True
    # The next step, under the last message: the card with its buttons may be far up by now.
    await reply(update, _("Note saved."), reply_markup=inline([[(_("📞 Next call"), CallStep("next", target.campaign_id).pack())]])
                if target is not None else None)
    return True
