"""Every message is translated in nb, nn and en; dates read naturally in Oslo time."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.app import set_commands
from bot.i18n import fmt_datetime, language_from_telegram

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def source_msgids() -> set[str]:
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found: set[str] = set()
    for folder in ("bot", "handlers", "models"):
        for _file, _line, message, _comments, _context in extract_from_dir(ROOT / folder, keywords=keywords):
            found.update([message] if isinstance(message, str) else [m for m in message if m])
    return found


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_every_message_is_translated(language):
    with (ROOT / "locales" / language / "LC_MESSAGES" / "lagbot.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    translated = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if all(strings):
            for msgid in ids:
                translated[msgid] = strings
    missing = sorted(source_msgids() - translated.keys())
    assert not missing, f"{language} lacks: {missing}"
    for msgid, strings in translated.items():
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == set(PLACEHOLDER.findall(msgid)), (language, msgid)


def test_nynorsk_is_not_bokmaal():
    """A guard against copying Bokmål into the Nynorsk catalog."""
    with (ROOT / "locales" / "nn" / "LC_MESSAGES" / "lagbot.po").open("rb") as handle:
        nynorsk = " ".join(str(m.string) for m in read_po(handle, locale="nn") if m.id)
    for bokmaal in (r"\bjeg\b", r"\bikke\b", r"\bhva\b", r"\bhvilken\b", r"\bhvilke\b", r"\bnoe\b", r"\bnoen\b",
                    r"\bfra\b", r"\bbare\b", r"\bhvem\b", r"\bhvordan\b", r"\bhvis\b", r"\bmye\b", r"\bhjem\b",
                    r"\bmedlemm(er|ene|ar)\b", r"\buker?\b", r"\bmåned(er)?\b", r"\bdere\b", r"\bselv\b",
                    r"\bkommer\b", r"\bgjør\b", r"\bvære\b"):
        assert not re.search(bokmaal, nynorsk, re.IGNORECASE), bokmaal


def test_english_texts_name_the_english_commands():
    """An English reader is pointed to /help, /cancel, /doorknock …, not the Norwegian names (both work)."""
    from bot.commands import BOARD_COMMANDS, COMMANDS

    norwegian = {no for no, en, _description in COMMANDS + BOARD_COMMANDS if no != en} | {"avbryt"}
    with (ROOT / "locales" / "en" / "LC_MESSAGES" / "lagbot.po").open("rb") as handle:
        english = " ".join(" ".join(m.string) if isinstance(m.string, tuple) else str(m.string)
                           for m in read_po(handle, locale="en") if m.id)
    named = set(re.findall(r"/([a-z_]+)\b", english)) & norwegian
    assert not named, named


@pytest.mark.parametrize(
    ("code", "expected"),
    [("nb", "nb"), ("no", "nb"), ("nb-NO", "nb"), ("nb_NO", "nb"), ("NO", "nb"), ("nn", "nn"), ("nn-NO", "nn"),
     ("en", "en"), ("en-GB", "en"), ("sv", "en"), ("de", "en"), (None, "nb"), ("", "nb")],
)
def test_language_from_telegram(code, expected):
    assert language_from_telegram(code) == expected


def test_dates_in_oslo_time_per_language():
    summer = datetime(2027, 4, 17, 10, 0, tzinfo=UTC)  # 12:00 in Oslo (CEST)
    winter = datetime(2027, 1, 16, 11, 0, tzinfo=UTC)  # 12:00 in Oslo (CET)
    assert fmt_datetime(summer, "nb") == "lørdag 17. april kl. 12:00"
    assert fmt_datetime(summer, "nn") == "laurdag 17. april kl. 12:00"
    assert fmt_datetime(summer, "en") == "Saturday 17 April at 12:00"
    assert fmt_datetime(winter, "nb") == "lørdag 16. januar kl. 12:00"


async def test_commands_are_set_per_language(app, api):
    await set_commands(app)
    calls = api.calls[-4:]
    assert [c.method for c in calls] == ["setMyCommands"] * 4
    by_language = {c.params.get("language_code"): c.params["commands"] for c in calls}
    assert {"command": "innstillinger", "description": "Språk, bydel, interesser og meldinger"} in by_language["nb"]
    assert {"command": "innstillingar", "description": "Språk, bydel, interesser og meldingar"} in by_language["nn"]
    assert {"command": "settings", "description": "Language, district, interests and messages"} in by_language["en"]
    assert {"command": "settings", "description": "Language, district, interests and messages"} in by_language[None]
