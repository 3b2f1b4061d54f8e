"""Findings of a season of door-knocking played against the bot (rounds): a member the leader marked
"kom ikke" after "Hvordan gikk det?" had gone out could still answer it, and the answer counted; a round
that never took place (rain, nobody came) could only be reported as 0 doors, and counted as held; the
leader's check-in buttons still acted days after the report was in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.activity_buttons import DoorTheme
from models import annual as an
from models import nudges as ng
from models import plan as pl
from models import rounds as rd
from models.membership import member_by_telegram
from models.round_tables import DoorInput, Round, RoundReport, Signup
from tests.helpers import tick
from tests.test_plan import board_member
from tests.test_season_member import START, grant, make_round, person
from tests.test_stale_buttons import file_report

END = START + timedelta(hours=3)
ABSENT = ("Dørbankgeneralen har merket at du ikke kom på denne runden, så svaret ditt lagres ikke. "
          "Stemmer ikke det, si fra til dørbankgeneralen.")


def labels(message) -> list[str]:
    return [label for label, _data in message.inline_buttons]


async def seat(db, user, rid) -> Signup:
    async with db.session() as session:
        member = await member_by_telegram(session, user.user_id)
        return await session.scalar(select(Signup).where(Signup.round_id == rid, Signup.member_id == member.id))


async def inputs(db, rid) -> list[str]:
    async with db.session() as session:
        return [item.text for item in await session.scalars(select(DoorInput).where(DoorInput.round_id == rid).order_by(DoorInput.id))]


# Ola checked his team in at the end of the round, after "Hvordan gikk det?" had gone out: Anne, whom
# he marked "kom ikke", answered it anyway — one answer before he marked her and one after — and both
# went to the programme committee as heard at the doors.
async def test_a_member_marked_absent_cannot_answer_how_it_went_and_earlier_answers_do_not_count(db, app, make_user, clock):
    ola = await person(make_user, 0, first="Ola"); await grant(db, ola, "leader")
    anne, bjorn = await person(make_user, 1, first="Anne"), await person(make_user, 2, first="Bjørn")
    rid = await make_round(db, clock, leader=ola)
    for user in (anne, bjorn):
        await user.press_data(f"rd.join:{rid}")
    clock.set(END + timedelta(minutes=31))
    await tick(app)
    for user in (anne, bjorn):
        assert user.last_message().text.startswith("Takk for at du banket på dører i dag! Hvordan gikk det"), user.last_message().text
    await anne.press("Bolig")
    await anne.send("Husleia er for høy")                    # stored while nobody had marked her
    await bjorn.press("Klima")
    await anne.press("Samferdsel")                           # a second theme, its text still to come
    await ola.send("/dorbank lag")
    await ola.press("✅ Bjørn: her")
    await ola.press("❌ Anne: kom ikke")
    assert (await seat(db, anne, rid)).attended is False

    typed = await anne.send("Bussen går for sjelden")        # the text of the open answer
    assert typed.text == ABSENT, typed.texts
    # an old button under the question (a theme pressed takes the buttons away now, so as an old client shows them)
    pressed = await anne.press_data(DoorTheme(round_id=rid, theme="schools").pack())
    assert pressed.alerts == [ABSENT], (pressed.alerts, pressed.texts)
    assert not any("hva hørte du" in text.lower() for text in pressed.texts), pressed.texts
    assert pressed.method("editMessageReplyMarkup"), "the old buttons go"
    nothing = await anne.press_data(f"rd.nothing:{rid}")      # "Nothing to add" on an old message: no thanks
    assert nothing.alerts == [ABSENT] and not any(t.startswith("Takk for at du banket") for t in nothing.texts), nothing.texts
    await bjorn.send("Folk vil ha mer kollektivtrafikk")
    assert await inputs(db, rid) == ["Husleia er for høy", "Folk vil ha mer kollektivtrafikk"]

    async with db.session() as session:                      # what the programme committee gets: Bjørn's only
        heard = [item["text"] for item in await rd.inputs_and_reports(session)]
        assert heard == ["Folk vil ha mer kollektivtrafikk"], heard
        assert (await pl.year_input(session, 2026)).door_by_theme == {"climate": 1}   # /rapport's input group too
        member = await member_by_telegram(session, anne.user_id)
        with pytest.raises(rd.MarkedAbsent):
            await rd.add_input(session, rid, member.id, "housing", "Likevel", now=clock())


# Ola's round on a rainy Saturday: nobody came. The report asked for doors and he wrote 0 and 0; the
# round counted as held in /dorbank rapport, the Monday digest and the annual figures, and Anne was asked
# "Hvordan gikk det?" about a round that never took place.
async def test_the_leader_records_that_the_round_did_not_take_place(db, app, make_user, clock):
    ola = await person(make_user, 0, first="Ola"); await grant(db, ola, "leader")
    anne = await person(make_user, 1, first="Anne")
    rid = await make_round(db, clock, leader=ola)
    await anne.press_data(f"rd.join:{rid}")
    clock.set(START + timedelta(minutes=40))
    await ola.send("/dorbank lag")
    asked = await ola.press("Skriv rapporten")
    assert asked.text.startswith("Rapport for «Dørbank på Lade». Hvor mange dører"), asked.texts
    assert asked.buttons == ["🌧 Runden ble ikke noe av"], asked.buttons
    sure = await ola.press("Runden ble ikke noe av")
    assert sure.text.startswith("Registrere at «Dørbank på Lade» ikke ble noe av?"), sure.texts
    assert sure.buttons == ["Ja, den ble ikke noe av", "Nei, den ble noe av"], sure.buttons
    async with db.session() as session:
        assert (await session.get(Round, rid)).status == rd.PLANNED   # nothing yet: only asked
    done = await ola.press("Ja, den ble ikke noe av")
    assert done.text == ("Registrert: «Dørbank på Lade» ble ikke noe av. Den telles ikke som holdt runde, "
                         "og ingen påmeldte blir spurt om hvordan det gikk."), done.texts
    async with db.session() as session:
        assert (await session.get(Round, rid)).status == rd.NOT_HELD
        assert await session.scalar(select(RoundReport).where(RoundReport.round_id == rid)) is None

    before = len(anne.messages()), len(ola.messages())
    clock.set(END + timedelta(days=1, hours=1))              # the question and the report nudge fell due
    await tick(app)
    assert anne.messages()[before[0]:] == [], [m.text for m in anne.messages()[before[0]:]]
    assert ola.messages()[before[1]:] == [], [m.text for m in ola.messages()[before[1]:]]
    stale = await anne.press_data(f"rd.theme:{rid}:housing")  # an answer anyway: refused, nothing stored
    assert stale.alerts == ["Den runden ble ikke noe av, så ingenting lagres om den."], stale.alerts
    assert await inputs(db, rid) == []

    async with db.session() as session:
        year = await rd.year_figures(session, START - timedelta(days=30), START + timedelta(days=30), clock())
        assert (year.rounds_held, year.participants) == (0, 0)
        assert (await an.annual(session, 2026, clock())).rounds_held == 0
        assert (await ng.digest(session, clock())).rounds_held == 0
        member = await member_by_telegram(session, anne.user_id)
        assert await rd.rounds_attended(session, member.id, clock()) == 0
    kari = await board_member(db, make_user)
    shown = (await kari.send("/dorbank rapport 2026")).text
    assert "Runder holdt: 0 av målet på 10" in shown and "Registrert som ikke noe av (telles ikke): 1" in shown, shown
    # Held after all (pressed by mistake): the report can still be filed, and the round counts again.
    again = await ola.press_data(f"rd:report:{rid}")
    assert again.texts[0].startswith("«Dørbank på Lade» er registrert som ikke noe av."), again.texts
    await file_report(ola, rid, "40", "9")
    async with db.session() as session:
        assert (await session.get(Round, rid)).status == rd.PLANNED
        assert (await rd.year_figures(session, START - timedelta(days=30), START + timedelta(days=30), clock())).rounds_held == 1


# Jon had filed 0 doors and 0 conversations for a round that never happened: in Nynorsk, replacing the
# report offers the same choice; a team's own leader (not the round's) is not offered it.
async def test_a_zero_report_becomes_not_held_in_nynorsk_and_a_team_leader_is_not_offered_it(db, app, make_user, clock):
    jon = await person(make_user, 0, lang="nn", first="Jon"); await grant(db, jon, "leader")
    siv = await person(make_user, 3, first="Siv"); await grant(db, siv, "leader")
    async with db.session() as session:
        ids = [(await member_by_telegram(session, user.user_id)).id for user in (jon, siv)]
        round_ = await rd.create_round(session, title="Dørbank på Moholt", district="ostbyen", starts_at=START, ends_at=END,
                                       meeting_point="Moholt torg", capacity=6, now=clock(), teams=[(ids[0], 3), (ids[1], 3)])
        rid = round_.id
    clock.set(START + timedelta(hours=4))
    await file_report(jon, rid, "0", "0")
    offered = await siv.press_data(f"rd:report:{rid}")       # the other team's leader
    assert "🌧 Runden ble ikke noe av" not in offered.buttons, offered.buttons
    forged = await siv.press_data(f"rdr.nh:{rid}:yes")
    assert forged.alerts, forged.texts
    await siv.send("/avbryt")
    replace = await jon.press_data(f"rd:report:{rid}")
    assert "🌧 Runden vart ikkje noko av" in replace.buttons, replace.buttons
    sure = await jon.press("Runden vart ikkje noko av")
    assert sure.buttons == ["Ja, han vart ikkje noko av", "Nei, han vart noko av"], sure.buttons
    done = await jon.press("Ja, han vart ikkje noko av")
    assert done.text.startswith("Registrert: «Dørbank på Moholt» vart ikkje noko av."), done.texts
    async with db.session() as session:
        assert (await session.get(Round, rid)).status == rd.NOT_HELD
        assert await session.scalar(select(RoundReport).where(RoundReport.round_id == rid)) is None


# Ola filed the report on Saturday evening; on Tuesday a tap on the old team list still marked Anne
# "kom ikke" and changed the round's figures.
async def test_check_in_is_closed_once_the_report_is_in_and_two_days_after_the_round(db, app, make_user, clock):
    ola = await person(make_user, 0, first="Ola"); await grant(db, ola, "leader")
    anne = await person(make_user, 1, first="Anne")
    rid = await make_round(db, clock, leader=ola)
    other = await make_round(db, clock, leader=ola, title="Dørbank på Rosten", start=START + timedelta(days=7))
    for round_id in (rid, other):
        await anne.press_data(f"rd.join:{round_id}")
    clock.set(START + timedelta(minutes=30))
    await ola.send("/dorbank lag")
    old_list, no_show = ola.find_button("❌ Anne: kom ikke")
    await file_report(ola, rid)
    clock.set(START + timedelta(days=3))
    pressed = await ola.press_data(no_show, old_list)
    assert pressed.alerts == ["Innsjekkingen for «Dørbank på Lade» er stengt: rapporten er levert."], pressed.alerts
    assert (await seat(db, anne, rid)).attended is None
    [edited] = pressed.method("editMessageText")
    assert not any("Anne:" in label for label in edited.buttons), edited.buttons
    assert "Innsjekkingen for «Dørbank på Lade» er stengt: rapporten er levert." in edited.text

    clock.set(START + timedelta(days=7, minutes=30))         # the next round: no report, checked in as usual
    await ola.send("/dorbank lag")
    await ola.press("✅ Anne: her")
    assert (await seat(db, anne, other)).attended is True
    team, no_show = ola.find_button("❌ Anne: kom ikke")
    clock.set(START + timedelta(days=7, hours=3) + timedelta(days=2, minutes=1))
    late = await ola.press_data(no_show, team)
    assert late.alerts == ["Innsjekkingen for «Dørbank på Rosten» er stengt: runden var slutt for mer enn to dager siden."], late.alerts
    assert (await seat(db, anne, other)).attended is True


# 0 doors: the next question offers the same choice; "Nei, den ble noe av" starts the figures afresh.
async def test_zero_doors_offers_not_held_and_no_asks_the_figures_again(db, app, make_user, clock):
    ola = await person(make_user, 0, first="Ola"); await grant(db, ola, "leader")
    rid = await make_round(db, clock, leader=ola)
    clock.set(END)
    await ola.press_data(f"rd:report:{rid}")
    talks = await ola.send("0")
    assert talks.text == "Og hvor mange ordentlige samtaler?" and talks.buttons == ["🌧 Runden ble ikke noe av"], talks.texts
    await ola.press("Runden ble ikke noe av")
    again = await ola.press("Nei, den ble noe av")
    assert again.texts[-1].startswith("Rapport for «Dørbank på Lade». Hvor mange dører"), again.texts
    await ola.send("30")
    await ola.send("10")
    await ola.press("Hopp over", exact=True)
    saved = await ola.press("Hopp over", exact=True)
    assert saved.texts[-1] == "Takk! Rapporten er lagret: 30 dører, 10 samtaler.", saved.texts
    async with db.session() as session:
        assert (await session.get(Round, rid)).status == rd.PLANNED
        report = await session.scalar(select(RoundReport).where(RoundReport.round_id == rid))
        assert (report.doors, report.conversations) == (30, 10)
