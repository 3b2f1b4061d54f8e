"""The member writing is read once (one statement) and kept between their updates; every write
that changes them, in any session of the process, is seen by their next update (kept as
committed when changed through the ORM, forgotten and read again after a bare statement)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, insert, update

from models.member import Member, MemberRole
from models.membership import member_by_telegram, revoke_role, set_language
from tests.helpers import onboard, runtime


@contextmanager
def statements(db) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:
        seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


def member_reads(seen: list[str]) -> list[str]:
    return [s for s in seen if s.lstrip().upper().startswith("SELECT") and ("FROM members" in s or "member_roles" in s)]


async def test_a_known_member_costs_no_read_and_a_new_one_one_statement(db, make_user):
    user = make_user()
    await onboard(user)
    runtime(user.app).member_cache.forget({-1})
    with statements(db) as seen:
        first = await user.send("/innstillinger")
    assert "Innstillingene dine" in first.text
    reads = member_reads(seen)
    assert len(reads) == 1, reads  # the member, roles and interests together: no selectin follow-ups
    assert "member_roles" in reads[0] and "member_interests" in reads[0]
    with statements(db) as seen:
        again = await user.send("/innstillinger")
    assert "Innstillingene dine" in again.text
    assert member_reads(seen) == []


async def test_a_change_from_another_session_is_seen_by_the_next_update(db, make_user):
    user = make_user()
    await onboard(user)
    assert "Innstillingene dine" in (await user.send("/innstillinger")).text  # now kept in the cache
    async with db.session() as session:  # as the command line or another feature would
        await set_language(session, await member_by_telegram(session, user.user_id), "en")
    assert "Your settings" in (await user.send("/innstillinger")).text


async def test_roles_granted_or_revoked_anywhere_take_effect_at_once(db, make_user):
    user = make_user()
    await onboard(user)
    cache = runtime(user.app).member_cache
    await user.send("/innstillinger")
    assert cache.get(user.user_id) is not None
    async with db.session() as session:
        member = await member_by_telegram(session, user.user_id)
        await session.execute(insert(MemberRole).values(member_id=member.id, role="board"))  # a bare INSERT
    assert cache.get(user.user_id) is None
    await user.send("/innstillinger")
    cached = cache.get(user.user_id)
    assert cached is not None and "board" in cached.role_names
    async with db.session() as session:
        await revoke_role(session, await member_by_telegram(session, user.user_id), "board")
    kept = cache.get(user.user_id)  # changed through the ORM: kept as committed, no read needed
    assert kept is not None and "board" not in kept.role_names
    with statements(db) as seen:
        await user.send("/innstillinger")
    assert member_reads(seen) == []
    async with db.session() as session:
        await session.execute(update(Member).where(Member.id == member.id).values(language="nn"))
    assert "Innstillingane dine" in (await user.send("/innstillinger")).text


async def test_a_change_by_another_process_is_seen_within_the_ttl(db, make_user):
    user = make_user()
    await onboard(user)
    cache = runtime(user.app).member_cache
    now = [1000.0]
    cache.clock = lambda: now[0]
    cache.forget({-1})
    await user.send("/innstillinger")
    # Another process: this one's sessions see nothing of it (a raw connection, no ORM session).
    async with db.engine.begin() as connection:
        await connection.execute(update(Member).where(Member.telegram_id == user.user_id).values(language="en"))
    assert "Innstillingene dine" in (await user.send("/innstillinger")).text  # kept, within the TTL
    now[0] += cache.ttl + 1
    assert "Your settings" in (await user.send("/innstillinger")).text


async def test_a_setting_toggled_on_a_button_is_stored_and_kept_without_a_read(db, make_user):
    """The toggle is one UPDATE (no unit-of-work flush); the member it hands over is kept as changed."""
    user = make_user()
    await onboard(user)
    await user.send("/innstillinger")
    await user.press("Meldinger")
    with statements(db) as seen:
        page = await user.press("✅ Forslag til ting å bli med på")
    assert "🚫 Forslag til ting å bli med på" in page.text
    assert [s for s in seen if s.lstrip().upper().startswith("UPDATE MEMBERS")], seen
    async with db.session() as session:
        assert (await member_by_telegram(session, user.user_id)).wants_nudges is False
    with statements(db) as seen:
        again = await user.send("/innstillinger")
    assert "🚫 Forslag til ting å bli med på" in again.text
    assert member_reads(seen) == []  # kept as the toggle left it, not forgotten and read again
