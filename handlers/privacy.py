"""/mine_data exports what lagbot stores about a member; /slett_meg erases it."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.callbacks import callback
from bot.erasure import announce_released, clear_call_cards
from bot.i18n import N_, fmt_datetime
from handlers import ask_link
from handlers.common import Context, inline, menu_label_pattern, onboarded, pressed, reply
from handlers.data_labels import readable
from handlers.flows import switch_of
from handlers.presses import Press
from models import membership
from models.data_export import export_member
from models.privacy import MAYBE, SEAT, WAITING_PLACE, TeamLed, erase_member, places_held, release_places, teams_led
from models.round_leaders import LeaderChange


@callback("priv.erase")
class ConfirmErase:
    answer: Literal["yes", "no"]


async def my_data(update: Update, context: Context) -> None:
    """Everything stored about a member; to someone who only answered for a partner organisation, that."""
    member = await context.load_member(update)
    if (member is None or not member.is_onboarded) and await ask_link.send_respondent_data(update, context):
        return
    await member_data(update, context)


@onboarded
async def member_data(update: Update, context: Context) -> None:
    """Send the member everything stored about them as a JSON file."""
    async with context.runtime.db.session() as session:
        member = await membership.member_by_telegram(session, context.known.telegram_id or 0)
        assert member is not None
        document = await export_member(session, member)
    titles = {flow.name: flow.title for flow in switch_of(context.application).flows}  # a conversation in words
    for draft in document.get("drafts") or []:
        draft["conversation"] = context._(titles[draft["conversation"]]) if draft["conversation"] in titles else draft["conversation"]
    payload = json.dumps(readable(document, context._), ensure_ascii=False, indent=2).encode("utf-8")
    await update.effective_chat.send_document(  # type: ignore[union-attr]
        io.BytesIO(payload),
        filename="lagbot-mine-data.json",
        caption=context._("This is everything lagbot stores about you. To erase it, send /slett_meg."),
    )

# What /slett_meg says is given up, by what the member holds in it.
PLACES_GIVEN_UP = {
    SEAT: N_("Your places in these will be given up, and the next on the waiting list gets them:"),
    WAITING_PLACE: N_("Your places on the waiting list for these will be given up:"),
    MAYBE: N_("Your “maybe” to these will be withdrawn:"),
}


async def delete_me(update: Update, context: Context) -> None:
    """Ask for confirmation before erasing anything."""
    _ = context._
    if context.member is None and not await ask_link.has_respondent_data(context, update.effective_user.id):  # type: ignore[union-attr]
        await reply(update, _("We have no personal data stored about you."))
        return
    held, led = [], []
    if context.member is not None:
        async with context.runtime.db.session() as session:
            held = await places_held(session, context.member, context.runtime.now())
            led = await teams_led(session, context.member, context.runtime.now())
    name = (context.member.name if context.member is not None else None) or update.effective_user.full_name  # type: ignore[union-attr]
    text = "\n\n".join([_("👤 {name}: the data lagbot holds about you").format(name=name), _(
        "This erases your name, phone number, e-mail, Telegram link, interests and anything you have "
        "written to lagbot. Only anonymous counts are kept. It cannot be undone.\n\nErase your data?")])
    for kind, heading in PLACES_GIVEN_UP.items():  # by what is held: only a seat goes to the next in line
        if places := [(title, starts_at) for title, starts_at, held_as in held if held_as == kind]:
            text = "\n".join([text, "", _(heading), *places_lines(places, context.lang)])
    if led:  # named team by team, so they can hand over before they go
        text = "\n".join([text, "", _("You lead a team in these; the team will have no leader, and the board is told:"),
                          *places_lines([(team_title(team, _), team.starts_at) for team in led], context.lang), "",
                          _("Want to hand over first? Tap “{keep}” and ask the board to choose a new leader, "
                            "then send /slett_meg again.").format(keep=_("No, keep it"))])
    await reply(
        update,
        text,
        reply_markup=inline([[(_("Yes, erase my data"), ConfirmErase("yes").pack()),
                              (_("No, keep it"), ConfirmErase("no").pack())]]),
    )


async def confirm_delete(update: Update, context: Context) -> None:
    """Erase on yes; on no, say nothing changed."""
    query, user, press = update.callback_query, update.effective_user, pressed(update, ConfirmErase)
    assert query is not None and user is not None
    _ = context._
    await query.answer()
    if press.answer == "no":
        await query.edit_message_text(_("Nothing was erased."))
        return
    if context.member is None:
        await ask_link.erase_respondent(context, user.id)  # answers given for a partner organisation
        await query.edit_message_text(_("Your data has been erased. Thank you for your time in lagbot — send /start if "
                                        "you ever want to come back."))
        return
    now, given_up, leaderless, call_cards = context.runtime.now(), [], [], []
    async with context.runtime.db.session() as session:
        stored = await membership.member_by_telegram(session, user.id)
        if stored is not None:
            released = await release_places(session, stored, now)
            await announce_released(session, released, now, context.runtime.settings.lagbot_admins)  # told at once
            await erase_member(session, stored, now=now)
            given_up, call_cards = released.given_up, released.call_cards
            leaderless = [(team_title(change, _), change.round.starts_at) for change in released.leaderless]
    await clear_call_cards(context.bot, call_cards)  # a number shows on a card only while that call is held
    key = (query.message.chat.id if query.message else user.id, user.id)
    for flow in switch_of(context.application).flows:  # no flow outlives the data it was about
        if key in flow.conversations_view:
            flow.end(key, context)
    if context.user_data is not None:
        context.user_data.clear()
    context.application.drop_user_data(user.id)
    done = _("Your data has been erased. Thank you for your time in lagbot — send /start if you ever want to come back.")
    if given_up:
        done = "\n".join([done, "", _("You no longer have a place in:"), *places_lines(given_up, context.lang)])
    if leaderless:
        done = "\n".join([done, "", _("The board has been told that these teams need a new leader:"),
                          *places_lines(leaderless, context.lang)])
    await query.edit_message_text(done)


def team_title(team: TeamLed | LeaderChange, _: Callable[[str], str]) -> str:
    """The round's title, with the team's number when the round has more than one team."""
    if isinstance(team, TeamLed):
        title, number, teams = team.title, team.number, team.teams
    else:
        title, number, teams = team.round.title, team.team_number, len(team.round.teams)
    return _("{title}, team {number}").format(title=title, number=number) if teams > 1 else title


def places_lines(places: list[tuple[str, datetime]], lang: str) -> list[str]:
    return [f"• {title} — {fmt_datetime(starts_at, lang)}" for title, starts_at in places]


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler(["mine_data", "mydata"], my_data, private))
    application.add_handler(MessageHandler(private & filters.Regex(menu_label_pattern(application, "mydata")), my_data))
    application.add_handler(CommandHandler(["slett_meg", "deleteme"], delete_me, private))
    application.add_handler(Press(confirm_delete, pattern=ConfirmErase.filter()))
