"""Languages: Telegram's codes to ours, gettext catalogs, and Babel dates in Oslo time."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from models.constants import DEFAULT_LANGUAGE, LANGUAGES, OSLO
from models.timeparse import BadTime, parse_oslo_datetime

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "lagbot"

Translate = Callable[[str], str]

DATETIME_PATTERNS = {
    "nb": "EEEE d. MMMM 'kl.' HH:mm",
    "nn": "EEEE d. MMMM 'kl.' HH:mm",
    "en": "EEEE d MMMM 'at' HH:mm",
}
DATE_PATTERNS = {"nb": "EEEE d. MMMM", "nn": "EEEE d. MMMM", "en": "EEEE d MMMM"}
# A day in another year than the reader's now is written with its year ("lørdag 25. november 2027").
DATETIME_YEAR_PATTERNS = {
    "nb": "EEEE d. MMMM y 'kl.' HH:mm",
    "nn": "EEEE d. MMMM y 'kl.' HH:mm",
    "en": "EEEE d MMMM y 'at' HH:mm",
}
DATE_YEAR_PATTERNS = {"nb": "EEEE d. MMMM y", "nn": "EEEE d. MMMM y", "en": "EEEE d MMMM y"}
# The app's clock while it answers an update or renders an outbox message (bot/context.py, bot/render.py);
# None elsewhere (the command line), where dates are written without the year as before.
READER_NOW: ContextVar[datetime | None] = ContextVar("reader_now", default=None)


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


@cache
def translations(language: str) -> gettext.NullTranslations:
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    compile_catalogs()
    return Translations.load(str(LOCALES_DIR), [language], DOMAIN)


def translator(language: str) -> Translate:
    return translations(language).gettext


def ngettext_for(language: str) -> Callable[[str, str, int], str]:
    """The plural-aware translator: `ngettext = ngettext_for(lang)`, then
    `ngettext("{count} seat left", "{count} seats left", n).format(count=n)` (the name
    `ngettext` is what the catalog extraction looks for)."""
    return translations(language).ngettext


def to_oslo(moment: datetime) -> datetime:
    return moment.astimezone(OSLO)


def other_year(moment: datetime) -> bool:
    """Whether `moment` falls in another year (Oslo) than the app's clock now, when it is known."""
    now = READER_NOW.get()
    return now is not None and to_oslo(moment).year != to_oslo(now).year


def fmt_datetime(moment: datetime, language: str) -> str:
    """'lørdag 17. april kl. 12:00' in Oslo time, in the reader's language ('… april 2027 kl. 12:00' in another year)."""
    patterns = DATETIME_YEAR_PATTERNS if other_year(moment) else DATETIME_PATTERNS
    return format_datetime(moment, patterns[_known(language)], tzinfo=OSLO, locale=_known(language))


# A span's start: English drops "at" before a range ("Saturday 5 December, 17:00–19:30", not "at 17:00–19:30").
SPAN_PATTERNS = {"nb": DATETIME_PATTERNS["nb"], "nn": DATETIME_PATTERNS["nn"], "en": "EEEE d MMMM, HH:mm"}
SPAN_YEAR_PATTERNS = {"nb": DATETIME_YEAR_PATTERNS["nb"], "nn": DATETIME_YEAR_PATTERNS["nn"], "en": "EEEE d MMMM y, HH:mm"}


def fmt_span(starts: datetime, ends: datetime, language: str) -> str:
    """'lørdag 5. desember kl. 17:00–19:30' in Oslo time (with the year in another year); an end on the
    next day says so ('18:00–01:00 (neste dag)'), a later one gives its date."""
    lang = _known(language)
    patterns = SPAN_YEAR_PATTERNS if other_year(starts) else SPAN_PATTERNS
    start = format_datetime(starts, patterns[lang], tzinfo=OSLO, locale=lang)
    days = (to_oslo(ends).date() - to_oslo(starts).date()).days
    if days <= 0:
        return f"{start}–{fmt_time(ends, lang)}"
    if days == 1:
        _ = translator(lang)
        return f"{start}–{fmt_time(ends, lang)} " + _("(next day)")
    return f"{start} – {format_datetime(ends, patterns[lang], tzinfo=OSLO, locale=lang)}"


def fmt_date(moment: datetime, language: str, *, year: bool | None = None) -> str:
    """'lørdag 17. april'; with the year in another year than now (or as `year` says: a sentence that names it)."""
    patterns = DATE_YEAR_PATTERNS if (other_year(moment) if year is None else year) else DATE_PATTERNS
    return format_date(to_oslo(moment).date(), patterns[_known(language)], locale=_known(language))


def fmt_month(moment: datetime, language: str, *, heading: bool = True) -> str:
    """'November 2026' (capitalised, as a heading) in Oslo time; within a sentence as the language
    writes it ('desember 2026' in Norwegian, 'December 2026' in English)."""
    month = format_date(to_oslo(moment).date(), "LLLL y", locale=_known(language))
    return month.capitalize() if heading else month


def fmt_weekday_day(moment: datetime, language: str) -> str:
    """'lør. 28.' (English 'Sat 28'): a day within a month heading."""
    return format_date(to_oslo(moment).date(), "EEE d" if _known(language) == "en" else "EEE d.", locale=_known(language))


def fmt_time(moment: datetime, language: str) -> str:
    return format_time(moment, "HH:mm", tzinfo=OSLO, locale=_known(language))


def fmt_number(value: float, language: str) -> str:
    return format_decimal(value, locale=_known(language))


def load_locale_data() -> None:
    """Read babel's locale data for every language now (the first date or number written in a
    language otherwise reads and merges it, some 15 ms, in whichever update or job comes first)."""
    moment = datetime(2026, 1, 1, 12, 0, tzinfo=OSLO)
    for language in LANGUAGES:
        translations(language)
        for write in (fmt_datetime, fmt_date, fmt_month, fmt_weekday_day, fmt_time):
            write(moment, language)
        fmt_number(1.5, language)


def _known(language: str) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


__all__ = ["LANGUAGES", "OSLO", "BadTime", "parse_oslo_datetime"]


TODAY, YESTERDAY = N_("today"), N_("yesterday")


def fmt_day(moment: datetime, now: datetime, language: str) -> str:
    """'i dag' / 'i går' when `moment` falls today or yesterday (Oslo days, by the app's clock `now`), else the date."""
    days = (to_oslo(now).date() - to_oslo(moment).date()).days
    if days in (0, 1):
        return translator(language)((TODAY, YESTERDAY)[days])
    return fmt_date(moment, language)
