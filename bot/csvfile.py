"""CSV files lagbot writes for people to open in Excel or LibreOffice: semicolons, a byte-order mark
where a file is written, and no cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

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


def csv_text(header: Iterable[str], rows: Iterable[Iterable[Any]], *, delimiter: str = ";", newline: str = "\r\n") -> str:
    """The whole file as text (without a byte-order mark; add "\\ufeff" when writing a file);
    `newline="\n"` for listings printed to a terminal."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()
