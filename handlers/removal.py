"""/fjern_medlem (/removemember): the board removes a member who left the party — found by name or
member number, confirmed with a button, erased as by /slett_meg, and kept out of later imports."""

from __future__ import annotations

from typing import Literal

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot.callbacks import Id, callback
from bot.erasure import announce_released, clear_call_cards
from bot.i18n import Translate
from handlers.common import DISTRICT_LABELS, Context, answer_alert, inline, pressed, reply, requires_role
from handlers.flows import switch_of
from handlers.presses import Press
from models import membership
from models.errors import MemberNotFound, NotAllowed
from models.member import Member
from models.privacy import remove_left_member

MAX_QUERY = 100


@callback("adm.rm")
class RemoveStep:
    """Pick a member found by the search, then confirm or cancel removing them."""

    step: Literal["pick", "yes", "no"]
    member_id: Id


def who(member: Member, _: Translate) -> str:
    parts = [member.member_number or "", _(DISTRICT_LABELS[member.district]) if member.district else ""]
    details = ", ".join(p for p in parts if p)
    return f"{member.name or '?'}" + (f" ({details})" if details else "")


@requires_role("board")
async def find(update: Update, context: Context) -> None:
    """`/fjern_medlem <name or member number>`: the matches, each a button."""
    _ = context._
    text = " ".join(context.args or []).strip()
    if not text or len(text) > MAX_QUERY:
        await reply(update, _("Write /fjern_medlem followed by the member's name or member number, "
                              "for example /fjern_medlem 1001."))
        return
    async with context.runtime.db.session() as session:
        found = await membership.search_members(session, text)
    if not found:
        await reply(update, _("No member matches “{text}”.").format(text=text))
        return
    await reply(update, _("Which member left the party?"),
                reply_markup=inline([[(who(m, _), RemoveStep("pick", m.id).pack())] for m in found]))


@requires_role("board")
async def step(update: Update, context: Context) -> None:
    query, press, _, runtime = update.callback_query, pressed(update, RemoveStep), context._, context.runtime
    assert query is not None and update.effective_user is not None
    if press.step == "no":
        await query.answer()
        await query.edit_message_text(_("Nobody was removed."))
        return
    if press.step == "pick":
        async with runtime.db.session() as session:
            try:
                member = await membership.member_by_id(session, press.member_id)
            except MemberNotFound:
                await answer_alert(update, _("That member is no longer in lagbot."))
                return
        await query.answer()
        await query.edit_message_text(
            _("Remove {who}, who left the party? Their name, number, Telegram link and everything they have "
              "written are erased, their places go to the next in line, and a later import of the register "
              "does not bring them back unless it shows a newer join date.").format(who=who(member, _)),
            reply_markup=inline([[(_("Yes, remove"), RemoveStep("yes", member.id).pack()),
                                  (_("No"), RemoveStep("no", member.id).pack())]]))
        return
    now = runtime.now()
    async with runtime.db.session() as session:
        try:
            _member, released, telegram_id = await remove_left_member(
                session, press.member_id, actor_telegram_id=update.effective_user.id,
                admin_ids=runtime.settings.lagbot_admins, now=now)
            await announce_released(session, released, now, runtime.settings.lagbot_admins)
        except NotAllowed:
            await answer_alert(update, _("Only the board can do that."))
            return
        except MemberNotFound:
            await answer_alert(update, _("That member is no longer in lagbot."))
            await query.edit_message_reply_markup(None)
            return
    await clear_call_cards(context.bot, released.call_cards)
    if telegram_id is not None:  # nothing of theirs stays in memory either
        switch_of(context.application).forget_user(telegram_id)
        context.application.drop_user_data(telegram_id)
    await query.answer()
    await query.edit_message_text(context.ngettext(
        "Removed. The {places} place they held was released.",
        "Removed. The {places} places they held were released.", released.places).format(places=released.places)
        if released.places else _("Removed."))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler(["fjern_medlem", "removemember"], find, filters.ChatType.PRIVATE))
    application.add_handler(Press(step, pattern=RemoveStep.filter()))
