"""A broken or hostile register export: each bad row is rejected with its line, the rest imported."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import Member
from models import register
from models.register import import_register

HEADER = "navn;telefon;medlemsnummer;e-post\n"


async def members(db) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Member)) or 0)


async def test_bad_rows_are_rejected_by_line_and_the_rest_imported(db):
    raw = (
        HEADER.encode()
        + "Åse Bråten;91234567;1001;ase@example.org\n".encode()              # 2: fine (UTF-8)
        + b"Nul Byte;91234568;10\x0002;\n"                                    # 3: NUL
        + "Lang Nummer;91234569;{};\n".format("9" * 41).encode()             # 4: member number too long
        + "Lang Post;91234570;1004;{}@example.org\n".format("x" * 250).encode()  # 5: e-mail too long
        + b"Ugyldig \x81\x8d;91234571;1005;\n"                               # 6: neither UTF-8 nor cp1252
        + "Bjørn Ødegård;91234572;1006;\n".encode("cp1252")                  # 7: a Windows-1252 line
        + "Stor;91234573;1007;{}\n".format("y" * (129 * 1024)).encode()      # 8: a field over 128 KiB
        + "Kari Nordmann;91234574;1008;\n".encode()                          # 9: fine
    )
    async with db.session() as session:
        report = await import_register(session, raw)
    assert [line for line, _reason in report.rejected] == [3, 4, 5, 6, 8]
    reasons = dict(report.rejected)
    assert "NUL" in reasons[3] and "40" in reasons[4] and "254" in reasons[5]
    assert "neither UTF-8 nor Windows-1252" in reasons[6] and "128 KiB" in reasons[8]
    assert report.created == 3
    async with db.session() as session:
        names = set(await session.scalars(select(Member.name)))
    assert names == {"Åse Bråten", "Bjørn Ødegård", "Kari Nordmann"}


async def test_a_row_the_database_refuses_costs_only_that_row(db, monkeypatch):
    """On PostgreSQL one failed statement aborts the transaction; the chunk is retried row by row."""
    real = register._upsert_chunk

    async def refusing(session, chunk):
        if any(values.get("member_number") == "666" for _line, values in chunk):
            raise IntegrityError("INSERT", {}, Exception("duplicate key value violates unique constraint"))
        return await real(session, chunk)

    monkeypatch.setattr(register, "_upsert_chunk", refusing)
    raw = (HEADER + "A;91234567;661;\nB;91234568;666;\nC;91234569;662;\n").encode()
    async with db.session() as session:
        report = await import_register(session, raw)
    assert report.created == 2 and [line for line, _ in report.rejected] == [3]
    assert "database refused" in report.rejected[0][1]
    assert await members(db) == 2


async def test_the_same_member_twice_in_one_file_is_one_member(db):
    raw = (HEADER + "Åse;91234567;2001;\nÅse Bråten;91234567;2001;ase@example.org\n").encode()
    async with db.session() as session:
        report = await import_register(session, raw)
    assert (report.created, report.updated) == (1, 1)
    async with db.session() as session:
        ase = await session.scalar(select(Member).where(Member.member_number == "2001"))
    assert ase.name == "Åse Bråten" and ase.email == "ase@example.org"
    assert await members(db) == 1
