"""CSV files lagbot writes for people to open in Excel or LibreOffice: semicolons, a byte-order mark
where a file is written, and no cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from models.constants import OSLO
from models.errors import InvalidPhone
from models.phone import NORWEGIAN_MOBILE, display_phone, normalise_phone

# A cell starting with one of these is a formula to a spreadsheet (CWE-1236), even after spaces.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> str:
    """The cell as text, with a leading apostrophe if a spreadsheet would take it as a formula.
    Numbers stay numbers: only text is neutralised ("-3" from a count is written as is)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.lstrip(" ").startswith(FORMULA_START) else text


def csv_phone(number: str | None) -> str:
    """A phone number as every CSV lagbot writes it: a Norwegian (+47) one in the national form ("944 55 666",
    "22 33 44 55"), which a spreadsheet neither runs as a formula nor needs a guard for; any other as people
    read it ("+46 70 123 45 67", guarded by `safe_cell`). Text that is no number (a partner's, as typed) is kept."""
    if not number:
        return ""
    try:
        e164 = normalise_phone(number)
    except InvalidPhone:
        return number
    if (mobile := NORWEGIAN_MOBILE.fullmatch(e164)) is not None:
        return " ".join(mobile.groups())
    shown = display_phone(e164)
    return shown.removeprefix("+47 ") if e164.startswith("+47") else shown


def csv_date(moment: datetime | None) -> str:
    """A day in CSV files: ISO (2026-12-11), Oslo time, so a spreadsheet sorts it and it has its year."""
    return moment.astimezone(OSLO).date().isoformat() if moment is not None else ""


def csv_datetime(moment: datetime | None) -> str:
    """A time in CSV files: ISO day and Oslo clock time (2026-12-11 18:30)."""
    return f"{moment.astimezone(OSLO):%Y-%m-%d %H:%M}" if moment is not None else ""


def csv_text(header: Iterable[str], rows: Iterable[Iterable[Any]], *, delimiter: str = ";", newline: str = "\r\n") -> str:
    """The whole file as text (without a byte-order mark; add "\\ufeff" when writing a file);
    `newline="\n"` for listings printed to a terminal."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()
