"""Reading a register export that may be hostile or broken, line by line, without giving up on it.

Excel writes UTF-8 (with or without a byte-order mark) or Windows-1252; a file pasted together from
several exports can hold both, and a damaged one bytes that are neither. Each unreadable line, a
line with a NUL byte and a row with a field over 128 KiB is rejected with its line number; the
rest of the file is read.
"""

from __future__ import annotations

import csv
import io

BOM = b"\xef\xbb\xbf"
MAX_FIELD = 128 * 1024

HEADERS: dict[str, str] = {
    "navn": "name", "name": "name", "fullt navn": "name",
    # First and last name in columns of their own: joined into the name (read_rows).
    "fornavn": "first_name", "first_name": "first_name", "first name": "first_name", "firstname": "first_name",
    "mellomnavn": "middle_name", "middle_name": "middle_name", "middle name": "middle_name",
    "etternavn": "last_name", "last_name": "last_name", "last name": "last_name", "surname": "last_name",
    "lastname": "last_name",
    "telefon": "phone", "phone": "phone", "mobil": "phone", "mobile": "phone", "tlf": "phone",
    "epost": "email", "e-post": "email", "email": "email", "e-mail": "email",
    "bydel": "district", "district": "district",
    "innmeldt": "joined_on", "joined_on": "joined_on", "joined": "joined_on", "innmeldingsdato": "joined_on",
    "medlemsnummer": "member_number", "member_number": "member_number", "medlemsnr": "member_number",
}


NAME_PARTS = ("first_name", "middle_name", "last_name")


def decode_register(raw: bytes) -> str:
    """The whole file as text (for files that are one encoding throughout: events import)."""
    text, _rejected = decode_lines(raw)
    return text


def decode_lines(raw: bytes) -> tuple[str, list[tuple[int, str]]]:
    """The file as text, and the lines that could not be read as (line number, reason)."""
    raw = raw.removeprefix(BOM)
    try:
        return _without_nul(raw.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    lines: list[str] = []
    rejected: list[tuple[int, str]] = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        for encoding in ("utf-8", "cp1252"):
            try:
                lines.append(line.decode(encoding))
                break
            except UnicodeDecodeError:
                continue
        else:
            rejected.append((number, "the line has bytes that are neither UTF-8 nor Windows-1252"))
            lines.append("")
    text, nul = _without_nul("\n".join(lines))
    return text, sorted(rejected + nul)


def _without_nul(text: str) -> tuple[str, list[tuple[int, str]]]:
    if "\x00" not in text:
        return text, []
    lines = text.split("\n")
    rejected = [(n, "the line has a NUL byte") for n, line in enumerate(lines, start=1) if "\x00" in line]
    return "\n".join("" if "\x00" in line else line for line in lines), rejected


def read_rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[tuple[int, str]]]:
    """The canonical headers found, (line number, row) pairs, and rows refused as (line, reason)."""
    first_line = text.splitlines()[0] if text.strip() else ""
    delimiter = max(";,\t", key=first_line.count) if first_line else ";"
    # A field over the limit is refused below with its line number, not by the csv module for the whole file.
    csv.field_size_limit(max(csv.field_size_limit(), 64 * MAX_FIELD))
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header_row = next(reader)
    except StopIteration:
        return [], [], []
    headers = [HEADERS.get(h.strip().lower().lstrip("\ufeff"), "") for h in header_row]
    split_name = "name" not in headers and bool({"first_name", "last_name"} & set(headers))  # fornavn;etternavn
    rows: list[tuple[int, dict[str, str]]] = []
    refused: list[tuple[int, str]] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if any(len(cell) > MAX_FIELD for cell in cells):
            refused.append((reader.line_num, "a field is longer than 128 KiB"))
            continue
        row = {key: cell.strip() for key, cell in zip(headers, cells, strict=False) if key and cell.strip()}
        if split_name:
            row["name"] = " ".join(row.pop(part) for part in NAME_PARTS if part in row)
        rows.append((reader.line_num, row))
    return [h for h in headers if h] + (["name"] if split_name else []), rows, refused
