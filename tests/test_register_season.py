"""The register in a season (found by playing the board): a shared phone, a monthly re-import."""
from __future__ import annotations

from sqlalchemy import select

from models import Member
from models.register import import_register

CSV = ("Medlemsnummer;Navn;Telefon;E-post;Bydel;Innmeldt\r\n"
       "1001;Åse Ødegård;912 34 567;ase@example.no;Østbyen;01.11.2026\r\n"
       "1009;Per Ødegård;+47 912 34 567;per@example.no;Østbyen;20.11.2026\r\n")  # couple sharing one phone


async def test_two_members_sharing_a_phone_are_two_members_and_reimport_changes_nothing(db):
    async with db.session() as session:
        await import_register(session, CSV.encode("cp1252"))
    async with db.session() as session:
        rows = [(m.member_number, m.name) for m in await session.scalars(select(Member).order_by(Member.id))]
    # Each row has its own member number, the documented key: both members must exist.
    assert rows == [("1001", "Åse Ødegård"), ("1009", "Per Ødegård")], rows


async def test_reimport_same_file_changes_nothing(db):
    async with db.session() as session:
        await import_register(session, CSV.encode("cp1252"))
    async with db.session() as session:
        first = [(m.member_number, m.name) for m in await session.scalars(select(Member).order_by(Member.id))]
    async with db.session() as session:
        await import_register(session, CSV.encode("cp1252"))
    async with db.session() as session:
        second = [(m.member_number, m.name) for m in await session.scalars(select(Member).order_by(Member.id))]
    assert first == second, (first, second)


async def test_monthly_reimport_keeps_the_district_a_member_chose_in_the_bot(db, app, make_user):
    from models.membership import member_by_telegram
    from tests.helpers import onboard

    async with db.session() as session:
        await import_register(session, "Medlemsnummer;Navn;Telefon;Bydel\r\n1003;Kåre Lærum;4791234569;Lerkendal\r\n".encode("cp1252"))
    kare = make_user(first_name="Kåre")
    await onboard(kare, phone="+4791234569")  # the register's district is taken, not asked
    await kare.send("/innstillinger")
    await kare.press("Bydel", exact=True)
    await kare.press("Østbyen")  # he moved; he says so in the bot
    async with db.session() as session:
        await import_register(session, "Medlemsnummer;Navn;Telefon;Bydel\r\n1003;Kåre Lærum;4791234569;Lerkendal\r\n".encode("cp1252"))
    async with db.session() as session:
        district = (await member_by_telegram(session, kare.user_id)).district
    assert district == "ostbyen", f"re-import of the same file reset his own choice to {district}"
