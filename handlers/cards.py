"""How a round and an event look in the chat: the cards members, leaders and the board all see."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot import event_messages as ev_msgs
from bot import round_messages as rd_msgs
from bot.activity_buttons import EventCalendarFile, Rsvp, WaitingRsvp
from bot.i18n import N_, fmt_datetime, ngettext_for, translator
from handlers.common import DISTRICT_LABELS, inline
from models import events as ev
from models import rounds as rd

ANSWER_LABELS = {"yes": N_("✅ Yes"), "maybe": N_("🤔 Maybe"), "no": N_("❌ No")}


def seats_line(seats_left: int, waiting: int, lang: str, *, seat: bool = True) -> str:
    """'3 seats left', or 'Full — 2 on the waiting list' (events count places, rounds seats)."""
    _ = translator(lang)
    ngettext = ngettext_for(lang)
    if not seats_left:
        return "🪑 " + _("Full — {count} on the waiting list").format(count=waiting)
    if seat:
        return "🪑 " + ngettext("{count} seat left", "{count} seats left", seats_left).format(count=seats_left)
    return "🪑 " + ngettext("{count} place left", "{count} places left", seats_left).format(count=seats_left)


def round_card(view: rd.RoundView, lang: str) -> str:
    _ = translator(lang)
    round_ = view.round
    lines = [f"🚪 {round_.title}", f"🗓 {rd_msgs.when(round_, lang)}", f"🏘 {_(DISTRICT_LABELS[round_.district])}",
             f"📍 {round_.meeting_point}"]
    lines.append("👤 " + rd_msgs.leader_line([m.name or "?" for m in view.leaders], lang))
    if round_.partner:
        lines.append("🤝 " + _("Together with {partner}").format(partner=round_.partner))
    lines.append(seats_line(view.seats_left, view.waiting, lang))
    return "\n".join(lines)


def join_label(view: rd.RoundView, lang: str) -> str:
    """Day, time and title: several rounds on one campaign day must not read alike."""
    _ = translator(lang)
    title = view.round.title if len(view.round.title) <= 28 else view.round.title[:27] + "…"
    label = _("Join {when} · {title}") if view.seats_left else _("Waiting list {when} · {title}")
    return label.format(when=fmt_datetime(view.round.starts_at, lang), title=title)


def event_card(view: ev.EventView, lang: str, contact: str | None = None, waiting: int = 0) -> str:
    """`waiting`: the reader's number on the waiting list (0 when they are not on it)."""
    _ = translator(lang)
    event = view.event
    lines = [f"📅 {event.title}", f"🏷 {_(ev_msgs.KIND_LABELS[event.kind])}", f"🗓 {ev_msgs.when(event, lang)}", f"📍 {event.place}"]
    if event.description:
        lines.append(event.description)
    if event.partners:
        lines.append("🤝 " + _("Together with {partner}").format(partner=", ".join(event.partners)))
    if event.tags:
        lines.append("🎯 " + ", ".join(_(ev_msgs.TAG_LABELS[t]) for t in event.tags if t in ev_msgs.TAG_LABELS))
    if contact:
        lines.append("👤 " + _("Contact: {name}").format(name=contact))
    if view.seats_left is not None:
        lines.append(seats_line(view.seats_left, view.waiting, lang, seat=False))
    lines.append(_("Coming: {yes} · maybe: {maybe}").format(yes=view.yes, maybe=view.maybe))
    if waiting:
        lines.append("⏳ " + _("You are number {position} on the waiting list.").format(position=waiting))
    return "\n".join(lines)


def rsvp_keyboard(event_id: int, lang: str, current: str | None, waiting: int = 0) -> InlineKeyboardMarkup:
    """The answers, the reader's own marked; a yes on the waiting list reads as that, with its number."""
    _ = translator(lang)

    def label(answer: str) -> str:
        if answer == current == "yes" and waiting:
            return "• " + _("⏳ Waiting list, number {position}").format(position=waiting)
        return ("• " if current == answer else "") + _(ANSWER_LABELS[answer])

    def data(answer: str) -> str:  # from the waiting list, maybe and no leave it, and only it (not a place given since)
        family = WaitingRsvp if current == "yes" and waiting and answer != "yes" else Rsvp
        return family(event_id=event_id, answer=answer).pack()  # type: ignore[arg-type]

    row = [(label(a), data(a)) for a in ev.ANSWERS]
    return inline([row, [(_("📅 Calendar file"), EventCalendarFile(event_id=event_id).pack())]])


def button_names(names: list[str | None]) -> list[str]:
    """Each person's name on a button, as short as the list allows: the first name; with the last
    name's initial where two share a first name; the whole name (cut) where that is not enough."""
    def first(name: str) -> str:
        return name.split()[0][:16]

    def initial(name: str) -> str:
        parts = name.split()
        return f"{first(name)} {parts[-1][0]}." if len(parts) > 1 else first(name)

    known = [(name or "").strip() or "?" for name in names]
    firsts = [first(name) for name in known]
    initials = [initial(name) for name in known]
    return [firsts[n] if firsts.count(firsts[n]) == 1 else initials[n] if initials.count(initials[n]) == 1 else short_name(known[n])
            for n in range(len(known))]


def short_name(name: str) -> str:
    return name if len(name) <= 24 else name[:23] + "…"


def attendance_row(name: str, here: str, absent: str | None, lang: str) -> list[tuple[str, str]]:
    """“✅ Kari: here” and “❌ Kari: didn't come” (the second only once the activity has begun)."""
    _ = translator(lang)
    row = [(_("✅ {name}: here").format(name=name), here)]
    if absent is not None:
        row.append((_("❌ {name}: didn't come").format(name=name), absent))
    return row
