"""Findings of a whole season played against `python -m bot run` (tester's list, ux3): the plan report late in the
year, the follow-up after downtime, /mine_data in Oslo time and words, wording, the register's split names and
the Nynorsk command names. Each test plays the finding through the real Application."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from models import events as ev
from models import rounds as rd
from tests.helpers import came
from tests.test_plan import board_member, captions

LATE_NOVEMBER = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def _round(session, start, teams, now, *, cancelled=False):
    round_ = await rd.create_round(session, title="Dørbank", district="ostbyen", starts_at=start, ends_at=start + timedelta(hours=3),
                                   meeting_point="Lade kirke", capacity=4 * teams, now=now, teams=[(None, 4)] * teams)
    if cancelled:
        round_.status = rd.CANCELLED
    await came(session, round_)  # someone came: held once over (models/held.py)
    return round_


# /rapport on 25 November: 8 March, 1 May and Pride were listed as "not yet planned" for this year, the line
# about next year named December's gap, and "most teams" counted a round still to come.
async def test_the_plan_late_in_the_year_reports_past_days_as_past_and_next_year_as_next_year(db, app, make_user, clock):
    board = await board_member(db, make_user)
    clock.set(datetime(2026, 2, 1, 12, tzinfo=UTC))
    async with db.session() as session:
        start = datetime(2026, 3, 8, 16, tzinfo=UTC)
        await came(session, await ev.create_event(session, kind="movement_day", title="8. mars", starts_at=start,
                                                  ends_at=start + timedelta(hours=2), place="Torget", now=clock(), tags=["march_8"]))
        await _round(session, datetime(2026, 10, 10, 10, tzinfo=UTC), 1, clock())          # held, one team
        await _round(session, datetime(2026, 10, 17, 10, tzinfo=UTC), 4, clock(), cancelled=True)  # not held
    clock.set(datetime(2026, 11, 1, 12, tzinfo=UTC))
    async with db.session() as session:
        await _round(session, datetime(2026, 11, 28, 10, tzinfo=UTC), 3, clock())          # still to come
    clock.set(LATE_NOVEMBER)
    rounds, courses, *_rest = captions(await board.send("/rapport"))
    assert "Flest lag ute samtidig 2026: 1 (lørdag 10. oktober)." in rounds, rounds
    assert "Flest lag ute samtidig 2027: ingen ennå." in rounds, rounds
    assert "På etterskudd: gi en runde to lag" not in rounds   # three teams are planned on the 28th
    # The coming 90 days have a gap from 28 November into 2027: this year's line names November, next year's January.
    assert "Dørbankrunder 2026: 1 holdt, 1 planlagt av 10. Planlegg 8 til; neste hull: november 2026." in rounds, rounds
    assert "Dørbankrunder 2027: 0 holdt, 0 planlagt av 10. Planlegg 10 til; neste hull: januar 2027." in rounds, rounds
    assert "Til stede 2026: 8. mars\nIkke holdt 2026: 1. mai-frokost, Pride\n" in courses, courses
    assert "Ikke planlagt ennå 2026" not in courses
    assert ("Ikke planlagt ennå 2027: 8. mars, 1. mai-frokost, Pride. Merk arrangementet når du lager det." in courses), courses
    clock.set(datetime(2026, 11, 29, 12, tzinfo=UTC))                                     # the three teams went out
    rounds = captions(await board.send("/rapport"))[0]
    assert "Flest lag ute samtidig 2026: 3 (lørdag 28. november)." in rounds, rounds


# The bot was down from the round's end to the next morning: "How did it go?" was dropped, never sent.
async def test_how_did_it_go_after_downtime_is_still_asked_naming_the_day(db, app, make_user, clock):
    from sqlalchemy import select

    from models.outbox import OutboxMessage
    from tests.helpers import tick
    from tests.test_season_member import START, make_round, person

    anne, bjorn = await person(make_user, 1, first="Anne"), await person(make_user, 2, first="Bjørn")
    first, second = await make_round(db, clock), await make_round(db, clock, start=START + timedelta(days=7))
    for user in (anne, bjorn):
        await user.press_data(f"rd.join:{first}")
    await bjorn.press_data(f"rd.join:{second}")
    clock.set(START - timedelta(hours=1))
    await tick(app)                                          # reminders before the round; then the bot is down
    clock.set(START + timedelta(hours=20))                   # Sunday 08:00 in Oslo: back up
    await tick(app)
    asked = anne.last_message()
    assert asked.text.startswith("Takk for at du banket på dører lørdag 5. desember! Hvordan gikk det"), asked.text
    assert "i dag" not in asked.text and "Bolig" in [label for label, _data in asked.inline_buttons]
    theme = await anne.press("Bolig")
    assert "hva hørte du?" in theme.text.lower(), theme.texts
    clock.set(START + timedelta(days=7, hours=3, minutes=30))  # Bjørn's second round, asked at once the same day
    await tick(app)
    assert bjorn.last_message().text.startswith("Takk for at du banket på dører i dag!"), bjorn.last_message().text
    async with db.session() as session:
        rows = {(r.member_id, r.subject_id): r.status for r in await session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == "round.followup"))}
    assert sorted(rows.values()) == ["sent", "sent", "sent"]


# Down for three days: the question is no longer asked (too late to remember the doors).
async def test_how_did_it_go_is_dropped_after_more_than_two_days(db, app, make_user, clock):
    from tests.helpers import tick
    from tests.test_season_member import START, make_round, person

    anne = await person(make_user, 1, first="Anne")
    rid = await make_round(db, clock)
    await anne.press_data(f"rd.join:{rid}")
    clock.set(START + timedelta(days=3, hours=4))
    await tick(app)
    assert not any(m.text.startswith("Takk for at du banket") for m in anne.messages())


# /mine_data showed "2026-12-04T11:00:00+00:00" and "round.reminder_24h".
async def test_my_data_shows_oslo_times_and_message_topics_in_words(db, app, make_user, clock):
    import json

    from bot.i18n import translator
    from tests.test_season_member import make_round, person

    for lang, topic in (("nb", "påminnelse dagen før en dørbankrunde"), ("nn", "påminning dagen før ein dørbankrunde"),
                        ("en", "reminder the day before a door-knocking round")):
        user = await person(make_user, {"nb": 1, "nn": 2, "en": 3}[lang], lang=lang)
        rid = await make_round(db, clock, title=f"Runde {lang}")
        await user.press_data(f"rd.join:{rid}")
        [document] = (await user.send("/mydata")).method("sendDocument")
        raw = document.files["document"].decode("utf-8")
        data, _ = json.loads(raw), translator(lang)
        messages = data[_("Messages from lagbot to you")]
        topics = [m[_("Topic")] for m in messages]
        assert topic in topics, topics
        assert not [t for t in topics if t and "." in t], topics           # no internal codes
        reminder = next(m for m in messages if m[_("Topic")] == topic)
        assert reminder[_("Due")] == "2026-12-04T12:00:00+01:00", reminder   # Friday 12:00 in Oslo, the day before
        assert data[_("Door-knocking rounds")][0][_("Starts")] == "2026-12-05T12:00:00+01:00"
        assert "+00:00" not in raw


# The register export with first and last name in columns of their own was refused: "no name/navn column".
SPLIT_NAMES = ("Fornavn;Etternavn;Telefon;Bydel;Medlemsnummer\r\n"
               "Kari;Nordmann;912 34 567;Heimdal;1001\r\n"
               "Jon Erik;Vik;934 56 789;Lerkendal;1002\r\n"
               ";Solberg;900 11 222;;1003\r\n"
               ";;955 55 555;;1004\r\n")


def test_members_import_joins_first_and_last_name_columns(tmp_path, monkeypatch, capsys, database_url):
    from sqlalchemy import select

    from models.member import Member
    from tests.test_cli_season import empty, stored
    from tests.test_register import run_cli

    empty(database_url)
    register = tmp_path / "medlemmer.csv"
    register.write_bytes(SPLIT_NAMES.encode("cp1252"))
    assert run_cli(monkeypatch, database_url, "members", "import", str(register)) == 0
    out = capsys.readouterr().out
    assert "created: 3" in out and "rejected: 1" in out and "line 5: name is missing" in out, out
    names = {m.member_number: (m.name, m.district) for m in stored(database_url, select(Member))}
    assert names == {"1001": ("Kari Nordmann", "heimdal"), "1002": ("Jon Erik Vik", "lerkendal"), "1003": ("Solberg", None)}
    assert run_cli(monkeypatch, database_url, "members", "import", str(register)) == 0  # the same file again: no change
    assert "unchanged: 3" in capsys.readouterr().out
    empty(database_url)


async def test_a_member_imported_from_split_name_columns_is_greeted_by_full_name(db, app, make_user):
    from tests.helpers import import_members

    await import_members(db, SPLIT_NAMES)
    kari = make_user(first_name="Kari", language_code="nb")
    await kari.send("/start")
    await kari.press("Ja, jeg godtar")
    shared = await kari.share_contact("+4791234567")
    assert "Takk, Kari Nordmann!" in shared.texts[0], shared.texts


def _registered(app) -> set[str]:
    """Every command the running Application answers to (plain handlers and conversations' entry points)."""
    from telegram.ext import CommandHandler, ConversationHandler

    found: set[str] = set()

    def walk(handler) -> None:
        if isinstance(handler, CommandHandler):
            found.update(handler.commands)
        elif isinstance(handler, ConversationHandler):
            for inner in [*handler.entry_points, *handler.fallbacks, *(h for hs in handler.states.values() for h in hs)]:
                walk(inner)

    for handlers in app.handlers.values():
        for handler in handlers:
            walk(handler)
    return found


def _commands_in(text: str) -> set[str]:
    import re

    return set(re.findall(r"(?<![\w/.:<])/([a-z_]+)", text))


# In Nynorsk, /arrangement (Nynorsk's plural of "arrangement") answered "I didn't get that"; the help and every
# text must name only commands that work, in each language.
async def test_every_command_help_and_texts_name_works_and_nynorsk_names_work(db, app, api, make_user, clock):
    from babel.messages.pofile import read_po

    from bot.app import set_commands
    from bot.commands import NYNORSK

    registered = _registered(app)
    assert set(NYNORSK.values()) <= registered, set(NYNORSK.values()) - registered
    for lang in ("nb", "nn", "en"):
        po = read_po(io.BytesIO(Path(f"locales/{lang}/LC_MESSAGES/lagbot.po").read_bytes()))
        texts = [s for m in po if m.id for s in (m.string if isinstance(m.string, tuple) else (m.string,))]
        named = set().union(*(_commands_in(t or "") for t in texts))
        assert named <= registered, (lang, named - registered)
    board = {lang: await board_member(db, make_user, lang, k) for k, lang in enumerate(("nb", "nn", "en"))}
    for lang, user in board.items():
        helped = (await user.send("/help")).text
        listed = _commands_in(helped)
        assert listed <= registered, (lang, listed - registered)
        assert ("/arrangement —" in helped) == (lang == "nn") and ("/events —" in helped) == (lang == "en"), helped
    assert "/ringjerunde —" in (await board["nn"].send("/hjelp")).text
    await set_commands(app)                                    # Telegram's command list, per language
    menus = {c.params.get("language_code"): [b["command"] for b in c.params["commands"]]
             for c in api.calls if c.method == "setMyCommands"}
    assert set().union(*map(set, menus.values())) <= registered
    assert "arrangement" in menus["nn"] and "events" in menus["en"] and "arrangementer" in menus["nb"], menus
    nynorsk = await board["nn"].send("/arrangement")
    assert "I didn't quite get that" not in nynorsk.text and "Eg skjønte" not in nynorsk.text, nynorsk.texts
    assert nynorsk.texts == (await board["nn"].send("/arrangementer")).texts   # the same list as the Bokmål name


# Wording found in the season: the plural of "Dørbankgeneral", an evening past midnight, English "at 17:00–19:30",
# the English /newround example, the board's kind, contact and leader echoed, and a promise lagbot did not keep.
async def test_wording_of_cards_spans_and_confirmations(db, app, make_user, clock):
    from models.membership import grant_role, member_by_telegram
    from tests.test_season_member import person

    board = await person(make_user, 0, first="Styre")
    english = await person(make_user, 1, lang="en", first="Lucy")
    anne, bjorn = await person(make_user, 2, first="Anne"), await person(make_user, 3, first="Bjørn")
    async with db.session() as session:
        for user, role in ((board, "board"), (english, "board"), (anne, "leader"), (bjorn, "leader")):
            await grant_role(session, await member_by_telegram(session, user.user_id), role)
    empty = await board.send("/dorbank")                         # nothing planned: no promise to tell them
    assert empty.text == "Ingen dørbankrunder er planlagt akkurat nå. Ta en titt igjen om en stund.", empty.text
    assert (await board.send("/arrangementer")).text.startswith("Ingenting er planlagt akkurat nå. Ta en titt igjen om en stund.")

    asked = await english.send("/newround")
    assert "“Door-knocking on Lade”" in asked.text and "/cancel" in asked.text, asked.text
    await english.send("/cancel")
    await board.send("/nyrunde")                                 # two teams, the leaders typed as phone numbers
    await board.send("Dørbank på Lade")
    await board.press("Østbyen")
    await board.send("05.12 17:00")
    await board.send("19:30")
    await board.send("Lade kirke")
    await board.send("10")
    first = await board.send("+47 41000002")
    assert first.text.startswith("👤 Dørbankgeneral: Anne Nordmann\n"), first.text
    await board.press("➕ Et lag til")
    second = await board.send("41000003")
    assert second.text.startswith("👤 Dørbankgeneral: Bjørn Nordmann\n"), second.text
    await board.press("Fortsett")
    while not board.last_message().text.startswith("Ny dørbankrunde:"):  # partner and briefing skipped
        await board.press("Hopp over")
    created = await board.press("✅ Opprett")
    assert created.text.endswith("🚪 Dørbank på Lade\n👤 Dørbankgeneraler: Anne Nordmann, Bjørn Nordmann"), created.text
    card = await anne.send("/dorbank")
    assert "👤 Dørbankgeneraler: Anne Nordmann, Bjørn Nordmann" in card.text, card.text
    assert "🗓 lørdag 5. desember kl. 17:00–19:30" in card.text, card.text
    listed = await english.send("/doorknock")
    assert "🗓 Saturday 5 December, 17:00–19:30" in listed.text and " at 17:00" not in listed.text, listed.text
    assert "👤 Leaders: Anne Nordmann, Bjørn Nordmann" in listed.text, listed.text

    await board.send("/nyttarrangement")                          # an evening past midnight, contact by phone
    await board.press("Sosialt")
    await board.send("Julebord")
    await board.press("Hopp over")
    await board.send("12.12 18:00")
    await board.send("13.12 01:00")
    await board.send("Folkets hus")
    await board.press("Ingen grense")
    await board.press("Hopp over")
    summary = await board.send("410 00 002")
    assert summary.text.startswith("Hører det til et av målene"), summary.text
    await board.press("Ferdig")
    summary = await board.press("Nei")
    assert "🏷 Sosialt" in summary.text and "👤 Kontaktperson: Anne Nordmann" in summary.text, summary.text
    assert "kl. 18:00–01:00 (neste dag)" in summary.text, summary.text
    created = await board.press("✅ Opprett")
    assert created.text.endswith("📅 Julebord\n🏷 Sosialt\n👤 Kontaktperson: Anne Nordmann"), created.text
    events = await english.send("/events")
    assert "Saturday 12 December, 18:00–01:00 (next day) — Julebord" in events.text, events.text

