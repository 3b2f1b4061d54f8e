"""Who a broadcast (or a phone round) goes to: the words for an audience, and the broadcast flow's
audience picker with its buttons."""

from __future__ import annotations

from typing import Any, Literal

from telegram import InlineKeyboardMarkup, Update

from bot.callbacks import BadCallback, Id, callback
from bot.i18n import ngettext_for, translator
from handlers.common import DISTRICT_LABELS, INTEREST_LABELS, ROLE_LABELS, inline
from models import broadcast as bc
from models.member import DISTRICTS, INTERESTS, ROLES

NEW_STEPS = (None, 14, 30, 90)
INACTIVE_STEPS = (None, 30, 90, 180)
SECTIONS = {"d": (DISTRICTS, DISTRICT_LABELS, "districts"), "i": (INTERESTS, INTEREST_LABELS, "interests"),
            "r": (tuple(r for r in ROLES if r != "member"), ROLE_LABELS, "roles")}


@callback("bc.sec")
class OpenSection:
    draft_id: Id
    section: Literal["d", "i", "r"]


@callback("bc.tog")
class ToggleChoice:
    draft_id: Id
    section: Literal["d", "i", "r"]
    code: str


@callback("bc.opt")
class AudienceOption:
    draft_id: Id
    option: Literal["new", "inactive", "urgent", "all", "back"]


@callback("bc.preview")
class Preview:
    draft_id: Id


@callback("bc.cancel")
class CancelBroadcast:
    draft_id: Id


def describe(audience: bc.Audience, lang: str) -> str:
    _, ngettext = translator(lang), ngettext_for(lang)
    if audience.everyone:
        return _("everyone")
    parts = []
    if audience.districts:
        parts.append(" / ".join(_(DISTRICT_LABELS[d]) for d in audience.districts))
    if audience.interests:
        parts.append(" / ".join(_(INTEREST_LABELS[i]) for i in audience.interests))
    if audience.roles:
        parts.append(" / ".join(_(ROLE_LABELS[r]) for r in audience.roles))
    if days := audience.new_within_days:
        parts.append(ngettext("joined in the last {days} day", "joined in the last {days} days", days).format(days=days))
    if days := audience.inactive_days:
        parts.append(ngettext("inactive for {days} day", "inactive for {days} days", days).format(days=days))
    if wanted := audience.answers:  # texts as the survey has them; a ready-made survey's msgids are translated
        parts.append(_("answered “{answer}” to “{question}” (survey #{number})").format(
            answer=" / ".join(_(label) for label in wanted.get("labels") or wanted["options"]),
            question=_(wanted.get("text") or wanted["question"]), number=wanted["survey"]))
    return " + ".join(parts)


def _days(days: int | None, lang: str) -> str:
    if not days:
        _ = translator(lang)
        return _("off")
    ngettext = ngettext_for(lang)
    return ngettext("{days} day", "{days} days", days).format(days=days)


def audience_view(draft: dict[str, Any], lang: str, section: str | None = None) -> tuple[str, InlineKeyboardMarkup]:
    _ = translator(lang)
    audience = bc.Audience.from_json(draft["audience"])
    draft_id = draft["id"]
    text = _("Who should get it?\nAudience: {audience}").format(audience=describe(audience, lang))
    if draft["urgent"]:
        text += "\n" + _("❗ Urgent: sent at once, also in quiet hours and past the weekly cap.")
    if section in SECTIONS:
        codes, labels, field = SECTIONS[section]
        chosen = set(getattr(audience, field))
        rows = [[(("✅ " if c in chosen else "▫️ ") + _(labels[c]), ToggleChoice(draft_id, section, c).pack())] for c in codes]  # type: ignore[arg-type]
        return text, inline([*rows, [(_("« Back"), AudienceOption(draft_id, "back").pack())]])
    rows = [
        [(_("Districts"), OpenSection(draft_id, "d").pack()), (_("Interests"), OpenSection(draft_id, "i").pack()),
         (_("Roles"), OpenSection(draft_id, "r").pack())],
        [(_("New members: {days}").format(days=_days(audience.new_within_days, lang)), AudienceOption(draft_id, "new").pack()),
         (_("Inactive: {days}").format(days=_days(audience.inactive_days, lang)), AudienceOption(draft_id, "inactive").pack())],
        [((_("❗ Urgent: on") if draft["urgent"] else _("Urgent: off")), AudienceOption(draft_id, "urgent").pack()),
         (_("Everyone"), AudienceOption(draft_id, "all").pack())],
        [(_("Preview ▸"), Preview(draft_id).pack()), (_("Cancel"), CancelBroadcast(draft_id).pack())],
    ]
    return text, inline(rows)


def is_choice(data: object) -> bool:
    """A well-formed toggle whose code belongs to its section."""
    try:
        press = ToggleChoice.parse(data)
    except BadCallback:
        return False
    return press.code in SECTIONS[press.section][0]


def picker_family(update: Update) -> type[OpenSection | ToggleChoice | AudienceOption]:
    """Which of the picker's button families was pressed (the handler's pattern let only these in)."""
    data = update.callback_query.data if update.callback_query else None
    return next(f for f in (OpenSection, ToggleChoice, AudienceOption) if f.matches(data))


def change(draft: dict[str, Any], press: OpenSection | ToggleChoice | AudienceOption) -> str | None:
    """Apply a picker press to the draft; returns the section to show (None: the overview)."""
    audience = bc.Audience.from_json(draft["audience"])
    section: str | None = None
    if isinstance(press, OpenSection):
        section = press.section
    elif isinstance(press, ToggleChoice):
        section = press.section
        values: list[str] = getattr(audience, SECTIONS[section][2])
        values.remove(press.code) if press.code in values else values.append(press.code)
    elif press.option == "new":
        audience.new_within_days = NEW_STEPS[(NEW_STEPS.index(audience.new_within_days) + 1) % len(NEW_STEPS)]
    elif press.option == "inactive":
        audience.inactive_days = INACTIVE_STEPS[(INACTIVE_STEPS.index(audience.inactive_days) + 1) % len(INACTIVE_STEPS)]
    elif press.option == "urgent":
        draft["urgent"] = not draft["urgent"]
    elif press.option == "all":
        audience = bc.Audience()
    draft["audience"] = audience.to_json()
    return section
