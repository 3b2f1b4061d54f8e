"""Importing the member register (a spreadsheet export) and listing invite links."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy import text as sql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from models.districts import read_district
from models.errors import InvalidPhone, UnknownChoice
from models.linking import PROVEN
from models.member import STATUS_ERASED, STATUS_MEMBER, STATUS_SUPPORTER, Member
from models.membership import new_invite_token
from models.phone import normalise_phone
from models.register_file import decode_lines, decode_register, read_rows  # noqa: F401 - decode_register for events import
from models.tombstones import LeftRegister


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)  # imported, with what was left out
    # Rows of members the board removed because they left the party (and no newer join date).
    left: list[tuple[int, str]] = field(default_factory=list)


class RowError(Exception):
    """One row of the register cannot be imported; the message says why."""


DATE_FORMATS = (
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), (1, 2, 3)),
    (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})"), (3, 2, 1)),
    (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})"), (3, 2, 1)),
    (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{2})"), (3, 2, 1)),
)


def parse_date(value: str) -> date:
    """YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY or DD.MM.YY; a day that does not exist is refused."""
    for pattern, (year, month, day) in DATE_FORMATS:
        if (match := pattern.fullmatch(value.strip())) is not None:
            years = int(match.group(year))
            try:
                return date(years + 2000 if years < 100 else years, int(match.group(month)), int(match.group(day)))
            except ValueError:
                break
    raise RowError(f"date '{value}' is not YYYY-MM-DD or DD.MM.YYYY")


def clean_row(row: dict[str, str], notes: list[str] | None = None) -> dict[str, object]:
    """Validate one row; raise RowError with the reason. What is imported with a part left out (an
    unknown district: the member comes in without one) is told in `notes`."""
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
        if len(email) > 254:
            raise RowError("e-mail is longer than 254 characters")
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise RowError(f"e-mail '{email}' is not valid")
        values["email"] = email.lower()
    if row.get("district"):
        try:
            values["district"] = read_district(row["district"])
        except UnknownChoice as exc:
            if notes is not None:
                notes.append(f"{exc}: imported without a district")
    if "joined_on" in row:
        values["joined_on"] = parse_date(row["joined_on"])
    if "member_number" in row:
        if len(row["member_number"]) > 40:
            raise RowError("member number is longer than 40 characters")
        values["member_number"] = row["member_number"]
    if "phone" not in values and "member_number" not in values:
        raise RowError("neither phone nor member number: nothing to recognise the member by")
    return values


CHUNK = 1000
TRACKED = ("name", "phone", "email", "district", "joined_on", "member_number")


async def import_register(session: AsyncSession, raw: bytes) -> ImportReport:
    """Create or update members; the key is the member number, else the phone number.

    Rows go in chunks, each read and written in a few statements; a chunk the database refuses
    (a member number taken by someone matched by phone, say) is retried row by row so that only
    the bad row is rejected, on PostgreSQL as on SQLite."""
    report = ImportReport()
    text, unreadable = decode_lines(raw)
    headers, rows, refused = read_rows(text)
    report.rejected.extend(unreadable + refused)
    if "name" not in headers:
        report.rejected.append((1, "no name/navn (or fornavn/etternavn) column in the header"))
        return report
    cleaned: list[tuple[int, dict[str, object]]] = []
    left = await LeftRegister.load(session)
    for line, row in rows:
        try:
            notes: list[str] = []
            values = clean_row(row, notes)
        except RowError as exc:
            report.rejected.append((line, str(exc)))
            continue
        report.notes.extend((line, note) for note in notes)
        if left.kept_out(values.get("phone"), values.get("member_number"), values.get("joined_on")):  # type: ignore[arg-type]
            report.left.append((line, str(values["name"])))
            continue
        cleaned.append((line, values))
    for start in range(0, len(cleaned), CHUNK):
        chunk = cleaned[start : start + CHUNK]
        try:
            async with session.begin_nested():
                outcomes = await _upsert_chunk(session, chunk)
        except DBAPIError:
            outcomes = await _row_by_row(session, chunk, report)
        for outcome in outcomes:
            setattr(report, outcome, getattr(report, outcome) + 1)
        if start and start % (20 * CHUNK) == 0 and session.bind.dialect.name == "postgresql":
            # A long import in one transaction outgrows the planner's picture of the table, which
            # then scans it for every chunk; fresh statistics keep the look-ups on the indexes.
            await session.execute(sql("ANALYZE members"))
    report.rejected.sort()
    return report


async def _row_by_row(session: AsyncSession, chunk: list[tuple[int, dict[str, object]]], report: ImportReport) -> list[str]:
    outcomes: list[str] = []
    for line, values in chunk:
        try:
            async with session.begin_nested():
                outcomes.extend(await _upsert_chunk(session, [(line, values)]))
        except DBAPIError as exc:
            report.rejected.append((line, f"the database refused the row: {str(exc.orig)[:200]}"))
    return outcomes


async def _upsert_chunk(session: AsyncSession, chunk: list[tuple[int, dict[str, object]]]) -> list[str]:
    """Outcomes ("created", "updated", "unchanged") in row order; a later row about the same
    member sees what an earlier one wrote, as if the rows went one at a time."""
    numbers = [v["member_number"] for _line, v in chunk if "member_number" in v]
    phones = [v["phone"] for _line, v in chunk if "phone" in v]
    columns = (Member.id, Member.status, Member.verified, Member.invite_token, Member.onboarded_at, Member.linked_by,
               *(getattr(Member, c) for c in TRACKED))
    known: dict[int, dict[str, object]] = {}
    by_number: dict[object, dict[str, object]] = {}
    by_phone: dict[object, dict[str, object]] = {}
    if numbers:
        for row in (await session.execute(select(*columns).where(Member.member_number.in_(numbers)))).mappings():
            by_number[row["member_number"]] = known.setdefault(row["id"], dict(row))
    if phones:
        query = (select(*columns).where(Member.phone.in_(phones), Member.status != STATUS_ERASED)
                 .order_by(Member.status != STATUS_MEMBER, Member.id))
        for row in (await session.execute(query)).mappings():
            by_phone.setdefault(row["phone"], known.setdefault(row["id"], dict(row)))
    new: list[dict[str, object]] = []
    changed: dict[int, dict[str, object]] = {}
    outcomes: list[str] = []
    for _line, values in chunk:
        member = by_number.get(values.get("member_number")) if "member_number" in values else None
        if member is None and "phone" in values:
            # The phone finds someone only if it cannot be someone else: two members may share a
            # phone (a couple, a family), and a member number says who is who.
            found = by_phone.get(values["phone"])
            if found is not None and not ("member_number" in values and found.get("member_number")):
                member = found
        if member is None:
            member = {"status": STATUS_MEMBER, "verified": True, "invite_token": new_invite_token(), **values}
            new.append(member)
            outcomes.append("created")
        else:
            outcomes.append(_merge(member, values, changed))
        if "member_number" in member and member["member_number"] is not None:
            by_number[member["member_number"]] = member
        if member.get("phone") is not None:
            by_phone.setdefault(member["phone"], member)
    if new:
        # Core, not the ORM's bulk insert: the column defaults apply and 1,000 rows are one statement.
        await session.execute(insert(Member.__table__), [{**dict.fromkeys(TRACKED), **m} for m in new])
    if changed:
        await session.execute(update(Member), list(changed.values()))
    return outcomes


def _merge(member: dict[str, object], values: dict[str, object], changed: dict[int, dict[str, object]]) -> str:
    """Apply one row to a member read (or created) earlier; record what the database must change."""
    updates: dict[str, object] = {}
    if member["status"] == STATUS_SUPPORTER or not member["verified"]:
        # A supporter who started the bot first is now found in the register.
        updates.update(status=STATUS_MEMBER, verified=True)
    if member.get("onboarded_at") is not None:
        # The district a member chose in the bot wins over the register's (a monthly re-import
        # must not move them back); the register fills it in only for those who never chose.
        values = {key: value for key, value in values.items() if key != "district"}
    updates.update({key: value for key, value in values.items() if member.get(key) != value})
    if "phone" in updates and member.get("linked_by") == PROVEN:
        updates["linked_by"] = None  # what the member proved in Telegram was the old number, not this one
    if member.get("invite_token") is None:
        updates["invite_token"] = new_invite_token()
    member.update(updates)
    if "id" not in member:  # created earlier in this chunk: the insert carries the change
        return "updated" if updates else "unchanged"
    if updates:
        changed.setdefault(int(member["id"]), {"id": member["id"]}).update(updates)  # type: ignore[call-overload]
    return "updated" if updates else "unchanged"


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
