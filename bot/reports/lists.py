"""The board's lists as files: one CSV per list, in the reader's language, formula-safe. They carry
phone numbers, so the chat sends them only to the board, as files (README: "Lists the board can act on")."""

from __future__ import annotations

from bot.csvfile import csv_date, csv_phone, csv_text
from bot.i18n import N_, translator
from bot.reports.rounds import DISTRICT_LABELS
from models.board_lists import Entry

TITLES: dict[str, str] = {
    "wrong_numbers": N_("Wrong numbers"),
    "will_phone": N_("Offered to phone others"),
    "no_shows": N_("No-shows"),
    "district_chapter": N_("Want to start a district chapter"),
    "not_on_telegram": N_("Not on Telegram"),
}
SOURCES: dict[str, str] = {
    "phone_round": N_("Phone round"),
    "survey": N_("Survey"),
    "welcome_call": N_("Welcome call"),
    "interest": N_("Interest in the bot"),
    "round": N_("Door-knocking"),
    "event": N_("Event"),
    "broadcast": N_("Broadcast"),
}
FILENAMES: dict[str, str] = {
    "wrong_numbers": "feil-nummer", "will_phone": "vil-ringe", "no_shows": "ikke-mott",
    "district_chapter": "lokallag", "not_on_telegram": "ikke-pa-telegram",
}


def csv_file(entries: list[Entry], lang: str) -> str:
    """Name, member number, phone, e-mail, district, where from, which, date."""
    _ = translator(lang)
    header = [_("Name"), _("Member number"), _("Phone"), _("E-mail"), _("District"), _("Source"), _("Which"), _("Date")]
    rows = [[entry.member.name or "", entry.member.member_number or "",
             csv_phone(entry.member.phone), entry.member.email or "",
             _(DISTRICT_LABELS.get(entry.member.district or "", entry.member.district or "")), _(SOURCES[entry.source]),
             _(entry.detail) if entry.source == "survey" and entry.detail else entry.detail,  # the mapping's title is a msgid
             csv_date(entry.at)]  # a date a spreadsheet sorts, with its year
            for entry in entries]
    return csv_text(header, rows)
