"""Languages: Telegram's codes to ours, gettext catalogs, and Babel dates in Oslo time."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from bot.settings import DEFAULT_LANGUAGE, TIMEZONE

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "lagbot"
LANGUAGES: tuple[str, ...] = ("nb", "nn", "en")
OSLO = ZoneInfo(TIMEZONE)

Translate = Callable[[str], str]

DATETIME_PATTERNS = {
    "nb": "EEEE d. MMMM 'kl.' HH:mm",
    "nn": "EEEE d. MMMM 'kl.' HH:mm",
    "en": "EEEE d MMMM 'at' HH:mm",
}
DATE_PATTERNS = {"nb": "EEEE d. MMMM", "nn": "EEEE d. MMMM", "en": "EEEE d MMMM"}


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where the reader is known."""
    return message


def language_from_telegram(code: str | None) -> str:
    """Telegram's language_code to nb, nn or en (Babel does not map 'no' to 'nb')."""
    if not code:
        return DEFAULT_LANGUAGE
    base = code.replace("_", "-").split("-")[0].lower()
    if base in ("nb", "no"):
        return "nb"
    if base == "nn":
        return "nn"
    return "en"


def compile_catalogs() -> None:
    """Compile any .po newer than its .mo (what `pybabel compile` does), so a checkout just runs."""
    for language in LANGUAGES:
        po_path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo_path = po_path.with_suffix(".mo")
        if not po_path.exists():
            continue
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=language)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)


@lru_cache(maxsize=None)
def translations(language: str) -> gettext.NullTranslations:
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    compile_catalogs()
    return Translations.load(str(LOCALES_DIR), [language], DOMAIN)


def translator(language: str) -> Translate:
    return translations(language).gettext


def plural(language: str, singular: str, plural_: str, count: int) -> str:
    return translations(language).ngettext(singular, plural_, count)


def to_oslo(moment: datetime) -> datetime:
    return moment.astimezone(OSLO)


def fmt_datetime(moment: datetime, language: str) -> str:
    """'lørdag 17. april kl. 12:00' in Oslo time, in the reader's language."""
    text = format_datetime(moment, DATETIME_PATTERNS[_known(language)], tzinfo=OSLO, locale=_known(language))
    return text


def fmt_date(moment: datetime, language: str) -> str:
    return format_date(to_oslo(moment).date(), DATE_PATTERNS[_known(language)], locale=_known(language))


def fmt_time(moment: datetime, language: str) -> str:
    return format_time(moment, "HH:mm", tzinfo=OSLO, locale=_known(language))


def fmt_number(value: float, language: str) -> str:
    return format_decimal(value, locale=_known(language))


def _known(language: str) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


class BadTime(ValueError):
    """Text that is not a date and time we understand."""


def parse_oslo_datetime(text: str, now: datetime) -> datetime:
    """'17.04 12:00', '17.04.2027 12:00' or '2027-04-17 12:00', read as Oslo time; returns UTC-aware."""
    from datetime import UTC

    cleaned = " ".join(text.strip().replace("kl.", " ").replace("kl", " ").split())
    local_now = now.astimezone(OSLO)
    for pattern, has_year in (("%Y-%m-%d %H:%M", True), ("%d.%m.%Y %H:%M", True), ("%d.%m.%y %H:%M", True),
                              ("%d.%m %H:%M", False), ("%d.%m. %H:%M", False), ("%Y-%m-%d %H.%M", True),
                              ("%d.%m.%Y %H.%M", True), ("%d.%m %H.%M", False)):
        try:
            parsed = datetime.strptime(cleaned if has_year else f"{local_now.year} {cleaned}",
                                       pattern if has_year else f"%Y {pattern}")
        except ValueError:
            continue
        moment = parsed.replace(tzinfo=OSLO)
        if not has_year and moment < local_now:
            moment = moment.replace(year=moment.year + 1)
        return moment.astimezone(UTC)
    raise BadTime(text)
