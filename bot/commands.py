"""The command list Telegram shows, and the board's part of /hjelp (apart from bot/app.py, which
imports every handler, so that handlers can read it without an import cycle)."""

from __future__ import annotations

from bot.i18n import N_

# (Norwegian command, English command, description); both commands always work.
COMMANDS: list[tuple[str, str, str]] = [
    ("start", "start", N_("Get started, or show the menu")),
    ("dorbank", "doorknock", N_("Door-knocking rounds coming up")),
    ("mine", "mine", N_("What you have signed up for")),
    ("ringerunde", "calls", N_("Phone rounds: call members")),
    ("arrangementer", "events", N_("Events coming up")),
    ("arshjul", "calendar", N_("The year's calendar")),
    ("innstillinger", "settings", N_("Language, district, interests and messages")),
    ("undersokelse", "survey", N_("Surveys: answer, or change your answers")),
    ("mine_data", "mydata", N_("See everything stored about you")),
    ("slett_meg", "deleteme", N_("Erase your data")),
    ("hjelp", "help", N_("What lagbot can do")),
]
# Nynorsk names where Nynorsk writes the word otherwise: they work for everyone, and Nynorsk help and
# Telegram's Nynorsk command list show them (the Bokmål names work in Nynorsk too).
NYNORSK: dict[str, str] = {
    "arrangementer": "arrangement", "ringerunde": "ringjerunde", "innstillinger": "innstillingar",
    "undersokelse": "undersoking", "nyringerunde": "nyringjerunde", "nyundersokelse": "nyundersoking",
    "supportere": "supporterar", "partnere": "partnarar", "nyttinnspill": "nyttinnspel", "innspill": "innspel",
}
BOARD_COMMANDS: list[tuple[str, str, str]] = [
    ("utsending", "broadcast", N_("Send a message to members (board)")),
    ("nyrunde", "newround", N_("Create a door-knocking round (board, leaders)")),
    ("nyringerunde", "newcalls", N_("Start a phone round (board)")),
    ("nyttarrangement", "newevent", N_("Create an event (board)")),
    ("nyundersokelse", "newsurvey", N_("Write a survey (board); /undersokelse sends it and shows results")),
    ("velkomst", "welcome", N_("Welcome calls to new members (AU)")),
    ("supportere", "supporters", N_("Verify new supporters (board)")),
    ("lister", "lists", N_("Lists to act on: wrong numbers, no-shows and more (board)")),
    ("roller", "roles", N_("Who has which role (board)")),
    ("fjern_medlem", "removemember", N_("Remove a member who left the party (board)")),
    ("nyttinnspill", "newask", N_("Ask members and partners for input (board, programme committee)")),
    ("innspill", "asks", N_("Asks for input and their answers (board, programme committee)")),
    ("partnere", "partners", N_("Partner organisations and their links (board)")),
    ("rapport", "report", N_("The plan on one screen, this year and next; «aar» for the annual report (board)")),
]


def names(norwegian: str, english: str) -> list[str]:
    """Every name a command answers to: Bokmål, English and (where it differs) Nynorsk."""
    return list(dict.fromkeys([norwegian, english, NYNORSK.get(norwegian, norwegian)]))


def shown(norwegian: str, english: str, language: str) -> str:
    """The name help and Telegram's command list give a reader of `language`."""
    return english if language == "en" else NYNORSK.get(norwegian, norwegian) if language == "nn" else norwegian
