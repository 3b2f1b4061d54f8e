"""Importing the member register (a spreadsheet export) and listing invite links."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import InvalidPhone
from models.member import STATUS_ERASED, STATUS_MEMBER, STATUS_SUPPORTER, Member
from models.membership import new_invite_token
from models.phone import normalise_phone

HEADERS: dict[str, str] = {
    "navn": "name",
    "name": "name",
    "fullt navn": "name",
    "telefon": "phone",
    "phone": "phone",
    "mobil": "phone",
    "mobile": "phone",
    "tlf": "phone",
    "epost": "email",
    "e-post": "email",
    "email": "email",
    "e-mail": "email",
    "bydel": "district",
    "district": "district",
    "innmeldt": "joined_on",
    "joined_on": "joined_on",
    "joined": "joined_on",
    "innmeldingsdato": "joined_on",
    "medlemsnummer": "member_number",
    "member_number": "member_number",
    "medlemsnr": "member_number",
}

DISTRICT_NAMES: dict[str, str] = {
    "midtbyen": "midtbyen",
    "ostbyen": "ostbyen",
    "østbyen": "ostbyen",
    "lerkendal": "lerkendal",
    "heimdal": "heimdal",
    "outside": "outside",
    "utenfor": "outside",
    "utanfor": "outside",
    "utenfor trondheim": "outside",
    "utanfor trondheim": "outside",
    "outside trondheim": "outside",
}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


class RowError(Exception):
    """One row of the register cannot be imported; the message says why."""


def decode_register(raw: bytes) -> str:
    """Excel writes UTF-8 with a BOM, or Windows-1252; accept both, and plain UTF-8."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def read_rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Return the canonical headers found and (line number, row) pairs."""
    first_line = text.splitlines()[0] if text.strip() else ""
    delimiter = max(";,\t", key=first_line.count) if first_line else ";"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header_row = next(reader)
    except StopIteration:
        return [], []
    headers = [HEADERS.get(h.strip().lower().lstrip("\ufeff"), "") for h in header_row]
    rows: list[tuple[int, dict[str, str]]] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        row = {
            key: cell.strip()
            for key, cell in zip(headers, cells, strict=False)
            if key and cell.strip()
        }
        rows.append((reader.line_num, row))
    return [h for h in headers if h], rows


def parse_date(value: str) -> date:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise RowError(f"date '{value}' is not YYYY-MM-DD or DD.MM.YYYY")


def parse_district(value: str) -> str:
    key = unicodedata.normalize("NFC", value.strip().lower())
    if key in DISTRICT_NAMES:
        return DISTRICT_NAMES[key]
    raise RowError(f"district '{value}' is not one of Midtbyen, Østbyen, Lerkendal, Heimdal, utenfor")


def clean_row(row: dict[str, str]) -> dict[str, object]:
    """Validate one row; raise RowError with the reason."""
    values: dict[str, object] = {}
    name = re.sub(r"\s+", " ", row.get("name", "")).strip()
    if not name:
        raise RowError("name is missing")
    if len(name) > 200:
        raise RowError("name is longer than 200 characters")
    values["name"] = name
    if "phone" in row:
        try:
            values["phone"] = normalise_phone(row["phone"])
        except InvalidPhone as exc:
            raise RowError(f"phone '{row['phone']}' is not a valid number") from exc
    if "email" in row:
        email = row["email"]
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise RowError(f"e-mail '{email}' is not valid")
        values["email"] = email.lower()
    if "district" in row:
        values["district"] = parse_district(row["district"])
    if "joined_on" in row:
        values["joined_on"] = parse_date(row["joined_on"])
    if "member_number" in row:
        values["member_number"] = row["member_number"]
    if "phone" not in values and "member_number" not in values:
        raise RowError("neither phone nor member number: nothing to recognise the member by")
    return values


async def import_register(session: AsyncSession, raw: bytes) -> ImportReport:
    """Create or update members; the key is the member number, else the phone number."""
    report = ImportReport()
    headers, rows = read_rows(decode_register(raw))
    if "name" not in headers:
        report.rejected.append((1, "no name/navn column in the header"))
        return report
    for line, row in rows:
        try:
            values = clean_row(row)
        except RowError as exc:
            report.rejected.append((line, str(exc)))
            continue
        async with session.begin_nested():
            outcome = await _upsert(session, values)
        if outcome == "created":
            report.created += 1
        elif outcome == "updated":
            report.updated += 1
        else:
            report.unchanged += 1
    return report


async def _upsert(session: AsyncSession, values: dict[str, object]) -> str:
    member: Member | None = None
    if "member_number" in values:
        member = await session.scalar(
            select(Member).where(Member.member_number == values["member_number"])
        )
    if member is None and "phone" in values:
        member = await session.scalar(
            select(Member)
            .where(Member.phone == values["phone"], Member.status != STATUS_ERASED)
            .order_by(Member.status != STATUS_MEMBER, Member.id)
            .limit(1)
        )
    if member is None:
        member = Member(status=STATUS_MEMBER, verified=True, invite_token=new_invite_token(), **values)
        session.add(member)
        await session.flush()
        return "created"
    changed = False
    if member.status == STATUS_SUPPORTER or not member.verified:
        # A supporter who started the bot first is now found in the register.
        member.status, member.verified, changed = STATUS_MEMBER, True, True
    for key, value in values.items():
        if getattr(member, key) != value:
            setattr(member, key, value)
            changed = True
    if member.invite_token is None:
        member.invite_token = new_invite_token()
    await session.flush()
    return "updated" if changed else "unchanged"


async def unlinked_members(session: AsyncSession) -> list[Member]:
    rows = await session.scalars(
        select(Member)
        .where(Member.telegram_id.is_(None), Member.status == STATUS_MEMBER)
        .order_by(Member.name, Member.id)
    )
    members = list(rows)
    for member in members:
        if member.invite_token is None:
            member.invite_token = new_invite_token()
    await session.flush()
    return members


def invite_payload(token: str) -> str:
    return f"inv_{token}"


def invite_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={invite_payload(token)}"
