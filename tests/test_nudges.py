"""Nudges: each rule, its cooldown, snooze and off switch, the board's digest, and the preview."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot import nudge_messages
from models import Member, OutboxMessage
from models import broadcast as bc
from models import events as ev
from models import nudge_rules as rules
from models import nudges as ng
from models import phonebank as pb
from models import rounds as rd
from models.membership import grant_role, member_by_telegram, set_interests
from tests.helpers import came, forget_upkeep, onboard, tick

MONDAY = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)  # Monday 10:30 in Oslo


async def member(db, make_user, *, interests=(), phone="+4747000000", roles=(), lang="nb"):
    user = make_user(language_code=lang)
    await onboard(user, phone=phone, lang=lang, district="Lerkendal")
    async with db.session() as session:
        stored = await member_by_telegram(session, user.user_id)
        stored.verified = True
        await set_interests(session, stored, interests)
        for role in roles:
            await grant_role(session, stored, role)
    return user


async def nudge_texts(user) -> list[str]:
    """Nudges the member received: each carried the “Not now” button when it was sent."""
    sent = [c for c in user.api.sent_to(user.chat_id, "sendMessage") if any(
        b.get("callback_data", "").startswith("ng:") for row in (c.markup or {}).get("inline_keyboard", []) for b in row)]
    return [c.text for c in sent]


async def run_hooks(app, clock, moment):
    clock.set(moment)
    await forget_upkeep(app, "nudges")
    await tick(app)
    await tick(app)


async def test_doorknock_rule_offers_a_round_with_one_tap(db, app, make_user, clock):
    user = await member(db, make_user, interests=("doorknock",))
    uninterested = await member(db, make_user, phone="+4747000001")
    async with db.session() as session:
        round_ = await rd.create_round(session, title="Dørbank Moholt", district="lerkendal", starts_at=MONDAY + timedelta(days=5),
                                       ends_at=MONDAY + timedelta(days=5, hours=3), meeting_point="Moholt torg", capacity=6, now=clock())
    await run_hooks(app, clock, MONDAY)
    [text] = await nudge_texts(user)
    assert text.startswith("Snart er det en dørbankrunde med ledige plasser: «Dørbank Moholt»")
    assert await nudge_texts(uninterested) == []
    joined = await user.press("Bli med")
    assert joined.text.startswith("Du er påmeldt «Dørbank Moholt»")
    # Within the cooldown nothing more, even with a new round.
    async with db.session() as session:
        await rd.create_round(session, title="Dørbank Nardo", district="lerkendal", starts_at=MONDAY + timedelta(days=9),
                              ends_at=MONDAY + timedelta(days=9, hours=2), meeting_point="Nardo", capacity=6, now=clock())
    await run_hooks(app, clock, MONDAY + timedelta(days=2))
    assert len(await nudge_texts(user)) == 1
    assert round_.id


async def test_social_rule_snooze_and_off(db, app, make_user, clock):
    user = await member(db, make_user, interests=("social",))
    async with db.session() as session:
        await ng.switch(session, "newcomer", False)  # this member is new too; keep to one rule here
        await ev.create_event(session, kind="social", title="Quiz på Lyche", starts_at=MONDAY + timedelta(days=3),
                              ends_at=MONDAY + timedelta(days=3, hours=3), place="Lyche", now=clock())
    await run_hooks(app, clock, MONDAY)
    [text] = await nudge_texts(user)
    assert text.startswith("Det skjer noe sosialt snart: «Quiz på Lyche»")
    snoozed = await user.press("Ikke nå")
    assert snoozed.text == "Greit — ingen flere forslag om «Sosiale aktiviteter» den neste måneden."
    async with db.session() as session:
        await ev.create_event(session, kind="social", title="Pub", starts_at=MONDAY + timedelta(days=40),
                              ends_at=MONDAY + timedelta(days=40, hours=3), place="Tapperiet", now=clock())
    await run_hooks(app, clock, MONDAY + timedelta(days=31, hours=1))  # past both the snooze and the cooldown
    assert len(await nudge_texts(user)) == 2
    off = await user.press("Ikke spør meg om dette")
    assert "Du kan slå dem på igjen under Meldinger i /innstillinger" in off.text
    await run_hooks(app, clock, MONDAY + timedelta(days=70))
    assert len(await nudge_texts(user)) == 2
    # /innstillinger turns it back on.
    await user.send("/innstillinger")
    await user.press("Meldinger", exact=True)
    back = await user.press("🚫 Sosiale aktiviteter")
    assert "✅ Sosiale aktiviteter" in [label for label, _d in user.last_message().inline_buttons]
    assert back.method("editMessageText")


async def test_caller_rule_and_newcomer_rule(db, app, make_user, clock):
    caller = await member(db, make_user, roles=("caller",))
    newcomer = await member(db, make_user, phone="+4747000002")
    async with db.session() as session:
        for k in range(3):
            session.add(Member(name=f"T{k}", phone=f"+4798{k:06d}", district="midtbyen", verified=True, language="nb"))
        await session.flush()
        await pb.create_campaign(session, name="Ring inn folk", purpose="", scripts={"nb": "Hei, vil du bli med?"},
                                 audience=bc.Audience(districts=["midtbyen"]), now=clock())
        stored = await member_by_telegram(session, newcomer.user_id)
        stored.joined_on = clock().date()
    await run_hooks(app, clock, MONDAY)
    assert (await nudge_texts(caller))[0] == "3 medlemmer venter på å bli ringt i «Ring inn folk». Har du et kvarter?"
    assert await nudge_texts(newcomer) == []  # still in the welcome weeks
    await run_hooks(app, clock, MONDAY + timedelta(days=23))
    [gentle] = await nudge_texts(newcomer)
    assert gentle.startswith("Det kan ta litt tid å finne sin plass.")
    await run_hooks(app, clock, MONDAY + timedelta(days=50))
    assert len(await nudge_texts(newcomer)) == 1  # only ever once


async def test_preview_matches_what_is_sent_and_board_switch(db, app, make_user, clock, monkeypatch, capsys):
    first = await member(db, make_user, interests=("doorknock", "social"))
    await member(db, make_user, interests=("social",), phone="+4747000003")
    async with db.session() as session:
        await rd.create_round(session, title="Runde", district="midtbyen", starts_at=MONDAY + timedelta(days=4),
                              ends_at=MONDAY + timedelta(days=4, hours=2), meeting_point="Torget", capacity=4, now=clock())
        await ev.create_event(session, kind="social", title="Pub", starts_at=MONDAY + timedelta(days=4),
                              ends_at=MONDAY + timedelta(days=4, hours=2), place="Tapperiet", now=clock())
        preview = sorted((c.member.name, c.rule) for c in await rules.candidates(session, MONDAY))
    await run_hooks(app, clock, MONDAY)
    async with db.session() as session:
        queued = []
        for row in await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "nudge")):
            queued.append(((await session.get(Member, row.member_id)).name, row.dedupe_key.split(":")[1]))
    assert sorted(queued) == preview and len(preview) == 2  # one a member: the first's round, not the pub as well (ONE_A_DAY)
    async with db.session() as session:
        await ng.switch(session, "social", False)
        assert "social" not in [c.rule for c in await rules.candidates(session, MONDAY + timedelta(days=40))]
    assert first


def test_cli_preview_and_switch(monkeypatch, capsys, database_url):
    import asyncio

    from bot.db import Database
    from tests.conftest import _empty_tables
    from tests.test_register import run_cli

    async def empty() -> None:
        database = Database(database_url)
        await _empty_tables(database)
        await database.dispose()

    asyncio.run(empty())
    assert run_cli(monkeypatch, database_url, "nudges", "off", "caller") == 0
    assert "nudge rule caller is off" in capsys.readouterr().out
    assert run_cli(monkeypatch, database_url, "nudges", "preview", "--date", "2026-12-01") == 0
    out = capsys.readouterr().out
    assert out.startswith("rules on: doorknock, social, newcomer") and "member;rule;reason;target" in out
    assert run_cli(monkeypatch, database_url, "nudges", "on", "caller") == 0


async def test_weekly_digest_for_the_board(db, app, make_user, clock):
    board = await member(db, make_user, roles=("board",))
    async with db.session() as session:
        await rd.create_round(session, title="Dørbank Heimdal", district="heimdal", starts_at=MONDAY + timedelta(days=3),
                              ends_at=MONDAY + timedelta(days=3, hours=3), meeting_point="Heimdal stasjon", capacity=8, now=clock())
        session.add(Member(name="Ny Supporter", status="supporter", verified=False, language="nb"))
    clock.set(datetime(2026, 11, 30, 7, 0, tzinfo=UTC))  # Monday 08:00: not yet
    await tick(app)
    assert not [m for m in board.messages() if m.text.startswith("📋")]
    clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))  # Monday 09:00
    await tick(app)
    await tick(app)
    [digest] = [m.text for m in board.messages() if m.text.startswith("📋")]
    assert "🚪 Dørbank Heimdal, torsdag 3. desember kl. 10:30: 8 ledige plasser" in digest
    assert "⚠️ Mangler dørbankgeneral: Dørbank Heimdal" in digest
    assert "Støttespillere som venter på bekreftelse: 1 (/supportere)" in digest
    clock.advance(hours=3)
    await tick(app)
    assert len([m for m in board.messages() if m.text.startswith("📋")]) == 1  # once a week
    assert nudge_messages.digest_due(datetime(2026, 12, 1, 8, 0, tzinfo=UTC), 0, __import__("datetime").time(9, 0)) is False


async def test_a_new_member_is_counted_in_one_digest_only(db, clock):
    """Joined on a Monday: that Monday's digest does not count them (the day is not over), the next one does."""
    from datetime import date

    from models import nudges as ng

    async with db.session() as session:
        session.add(Member(name="Ny på mandag", status="member", language="nb", joined_on=date(2026, 11, 30)))
        session.add(Member(name="Ny på søndag", status="member", language="nb", joined_on=date(2026, 11, 29)))
        this_monday = (await ng.digest(session, datetime(2026, 11, 30, 8, 0, tzinfo=UTC))).new_members
        next_monday = (await ng.digest(session, datetime(2026, 12, 7, 8, 0, tzinfo=UTC))).new_members
        monday_after = (await ng.digest(session, datetime(2026, 12, 14, 8, 0, tzinfo=UTC))).new_members
    assert (this_monday, next_monday, monday_after) == (1, 1, 0)  # Sunday's in the first, Monday's in the second


async def test_first_day_no_suggestions_no_full_activities(db, app, make_user, clock):
    """A new member hears only the welcome on their first day; the suggestion comes after it, and a
    full round is never suggested."""
    async with db.session() as session:
        full = await rd.create_round(session, title="Full runde", district="lerkendal", starts_at=clock() + timedelta(days=3),
                                     ends_at=clock() + timedelta(days=3, hours=3), meeting_point="Lerkendal", capacity=1, now=clock())
        await rd.create_round(session, title="Ledig runde", district="lerkendal", starts_at=clock() + timedelta(days=4),
                                     ends_at=clock() + timedelta(days=4, hours=3), meeting_point="Lerkendal", capacity=5, now=clock())
    taker = await member(db, make_user, phone="+4747000099")
    await taker.press_data(f"rd.join:{full.id}")
    newcomer = await member(db, make_user, interests=("doorknock",), phone="+4747000098")
    before = len(newcomer.messages())
    clock.advance(hours=2)
    await forget_upkeep(app, "nudges")
    await tick(app)
    await tick(app)
    assert len(newcomer.messages()) == before  # first day: nothing besides the welcome
    clock.advance(hours=23)
    await forget_upkeep(app, "nudges")
    await tick(app)
    await tick(app)
    suggestion = newcomer.messages()[-1].text
    assert "Ledig runde" in suggestion and "Full runde" not in suggestion and "stund siden" not in suggestion


async def test_digest_rounds_held_doors_and_missing_reports(db, clock):
    """Last week's rounds held and their doors; reports missing for rounds ended a day or more within 30 days."""
    now = MONDAY

    async def past_round(title: str, days_ago: float, *, report: int | None = None, cancelled: bool = False,
                         nobody: bool = False) -> None:
        async with db.session() as session:
            starts = now - timedelta(days=days_ago)
            round_ = await rd.create_round(session, title=title, district="heimdal", starts_at=starts,
                                           ends_at=starts + timedelta(hours=3), meeting_point="Torget", capacity=8,
                                           now=starts - timedelta(days=5))
            if not nobody:
                await came(session, round_)
            if report is not None:
                await rd.file_report(session, round_.id, doors=report, conversations=1, themes=[], text="", filed_by=None, now=now)
            if cancelled:
                await rd.cancel(session, round_.id)

    await past_round("Med rapport", 3, report=40)
    await past_round("Uten rapport", 2)
    await past_round("I går kveld", 0.5)  # ended less than a day ago: its report is not missing yet
    await past_round("Avlyst", 4, cancelled=True)
    await past_round("Forrige uke", 10, report=25)  # reported, before last week
    await past_round("Glemt", 12)
    await past_round("Ingen kom", 2, report=15, nobody=True)  # nobody there: not held, its doors not counted
    await past_round("For lenge siden", 40)
    async with db.session() as session:
        figures = await ng.digest(session, now)
    assert (figures.rounds_held, figures.doors) == (3, 40)
    assert figures.reports_missing == ["Glemt", "Uten rapport"]


async def test_the_pass_plans_its_scans_for_the_moment_it_runs_on_postgresql(db, app, make_user, clock):
    """From a prepared statement's sixth run on a connection PostgreSQL may plan it without its
    values (a generic plan); the nudge rules' scans were several times slower so. The pass plans
    them for its own moment, and still nudges who it should."""
    from sqlalchemy import event

    user = await member(db, make_user, interests=("doorknock",))
    async with db.session() as session:
        await rd.create_round(session, title="Dørbank Moholt", district="lerkendal", starts_at=MONDAY + timedelta(days=5),
                              ends_at=MONDAY + timedelta(days=5, hours=3), meeting_point="Moholt torg", capacity=6, now=clock())
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        await run_hooks(app, clock, MONDAY)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", seen)
    [text] = await nudge_texts(user)
    assert "Dørbank Moholt" in text
    setting = [n for n, s in enumerate(statements) if "plan_cache_mode" in s]
    scans = [n for n, s in enumerate(statements) if s.startswith("SELECT members.id") and "outbox.kind = 'nudge'" in s]
    assert scans
    if db.url.startswith("postgresql"):
        assert setting and setting[0] < scans[0] and statements[setting[0]] == "SET LOCAL plan_cache_mode = force_custom_plan"
    else:
        assert setting == []


async def test_doorknock_offer_is_the_soonest_round_in_the_members_own_district(db, app, make_user, clock):
    """The offer is chosen in the pass's one statement: own district first (even when later), and not
    a round the member already has a place on."""
    user = await member(db, make_user, interests=("doorknock",))
    async with db.session() as session:
        await ng.switch(session, "newcomer", False)
        await rd.create_round(session, title="Dørbank Heimdal", district="heimdal", starts_at=MONDAY + timedelta(days=2),
                              ends_at=MONDAY + timedelta(days=2, hours=3), meeting_point="Heimdal senter", capacity=6, now=clock())
        await rd.create_round(session, title="Dørbank Moholt", district="lerkendal", starts_at=MONDAY + timedelta(days=6),
                              ends_at=MONDAY + timedelta(days=6, hours=3), meeting_point="Moholt torg", capacity=6, now=clock())
        preview = [(c.rule, c.target_id) for c in await rules.candidates(session, MONDAY)]
    await run_hooks(app, clock, MONDAY)
    [text] = await nudge_texts(user)
    assert "«Dørbank Moholt»" in text
    async with db.session() as session:
        stored = await member_by_telegram(session, user.user_id)
        [row] = (await session.scalars(select(OutboxMessage).where(OutboxMessage.member_id == stored.id,
                                                                   OutboxMessage.kind == "nudge"))).all()
        moholt = [r for r in await rd.upcoming(session, MONDAY) if r.round.title == "Dørbank Moholt"][0].round
    assert row.subject_id == moholt.id and preview == [("doorknock", moholt.id)]


async def test_social_rule_passes_over_a_full_event(db, app, make_user, clock):
    user = await member(db, make_user, interests=("social",))
    other = await member(db, make_user, phone="+4747000002")
    async with db.session() as session:
        await ng.switch(session, "newcomer", False)
        full = await ev.create_event(session, kind="social", title="Quiz på Lyche", starts_at=MONDAY + timedelta(days=3),
                                     ends_at=MONDAY + timedelta(days=3, hours=3), place="Lyche", capacity=1, now=clock())
        await ev.create_event(session, kind="social", title="Bokkafé", starts_at=MONDAY + timedelta(days=8),
                              ends_at=MONDAY + timedelta(days=8, hours=2), place="Folkets hus", now=clock())
        await ev.answer(session, full.id, (await member_by_telegram(session, other.user_id)).id, "yes", clock())
    await run_hooks(app, clock, MONDAY)
    [text] = await nudge_texts(user)
    assert text.startswith("Det skjer noe sosialt snart: «Bokkafé»")
