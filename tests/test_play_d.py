"""Findings of a season played against the real bot as members, leaders and the board (play-playD)
that were written down and not fixed then: each test plays the finding through the chat and checks
what the person saw and what was stored."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models.member import Member
from models.membership import member_by_telegram
from tests.helpers import import_members, stored, tick
from tests.test_season_member import START, person

REGISTER = ("navn;telefon;bydel;innmeldt;medlemsnummer\n"
            "Kari Nordmann;912 34 567;Heimdal;01.01.2020;1001\n"
            "Jon Vik;934 56 789;Lerkendal;01.01.2020;1002\n"
            "Lucy Lee;900 11 222;;01.01.2020;1003\n")


def labels(message) -> list[str]:
    return [label for label, _data in message.inline_buttons]


# Kari shared her number, was greeted by name from the register (which has her in Heimdal), and
# was then asked "Hvilken bydel bor du i?" all the same.
async def test_onboarding_takes_the_district_from_the_register_and_does_not_ask(db, app, make_user):
    await import_members(db, REGISTER)
    kari = make_user(first_name="Kari", language_code="nb")
    await kari.send("/start")
    await kari.press("Ja, jeg godtar")
    shared = await kari.share_contact("+4791234567")
    assert "Takk, Kari Nordmann!" in shared.texts[0], shared.texts
    assert "Bydel: Heimdal (fra medlemsregisteret; du kan endre den i /innstillinger)" in shared.texts, shared.texts
    assert not any("Hvilken bydel" in text for text in shared.texts), shared.texts
    assert "Hva har du lyst til å bidra med?" in shared.texts[-1] and "Midtbyen" not in shared.buttons, shared.buttons
    await kari.press("Ferdig", exact=True)
    stored_kari = await stored(db, kari.user_id)
    assert (stored_kari.district, stored_kari.is_onboarded) == ("heimdal", True)
    jon = make_user(first_name="Jon", language_code="nn")          # the same in Nynorsk
    await jon.send("/start")
    await jon.press("Ja, eg godtek")
    shared = await jon.share_contact("+4793456789")
    assert "Bydel: Lerkendal (frå medlemsregisteret; du kan endre han i /innstillingar)" in shared.texts, shared.texts
    again = await jon.send("/start")                                # he starts over before "Ferdig": still not asked
    assert again.texts[0].startswith("Bydel: Lerkendal (frå medlemsregisteret") and "Kva bydel" not in again.text, again.texts
    await jon.press("Ferdig", exact=True)
    assert (await stored(db, jon.user_id)).district == "lerkendal"
    lucy = make_user(first_name="Lucy", language_code="en")        # the register has no district for her: asked
    await lucy.send("/start")
    await lucy.press("Yes, I agree")
    shared = await lucy.share_contact("+4790011222")
    assert shared.texts[-1] == "Which district do you live in?", shared.texts
    await lucy.press("Østbyen")
    assert (await stored(db, lucy.user_id)).district == "ostbyen"


# Bjørn's /mine said "🚪 Dørbank på Lade — … (venteliste, nummer 1)" for the round but only
# "📅 Pubkveld — … (venteliste)" for the pub evening, where he was number 2.
async def test_my_activities_give_the_number_on_an_events_waiting_list(db, app, make_user, clock):
    from models import events as ev
    from tests.test_play_c import make_event, seat_of

    anne = await person(make_user, 1, first="Anne")
    cato = await person(make_user, 2, first="Cato")
    bjorn = await person(make_user, 3, first="Bjørn")
    jon = await person(make_user, 4, lang="nn", first="Jon")
    eid = await make_event(db, clock, capacity=1)
    for user in (anne, cato, bjorn, jon):
        await user.press_data(f"ev.rsvp:{eid}:yes")
    mine = await bjorn.send("/mine")
    assert "📅 Pubkveld — lørdag 5. desember kl. 12:00–15:00 (venteliste, nummer 2)" in mine.text, mine.text
    assert "(kommer)" in (await anne.send("/mine")).text
    assert "(venteliste, nummer 3)" in (await jon.send("/mine")).text
    await cato.press_data(f"ev.rsvp:{eid}:no")                     # Bjørn is number 1 now
    assert "(venteliste, nummer 1)" in (await bjorn.send("/mine")).text
    assert await seat_of(db, bjorn, eid) == ev.WAITING


# Åse took the welcome call of Nora, who had already started lagbot and shared her number: the
# card and the suggested SMS still offered "sign up for activities here: https://t.me/…?start=inv_…".
async def test_the_welcome_card_offers_an_invite_link_only_to_someone_not_on_lagbot(db, app, make_user, clock):
    from models.welcome import WelcomeTask
    from tests.helpers import onboard
    from tests.test_welcome import welcomer

    await import_members(db, "navn;telefon;bydel;innmeldt;medlemsnummer\n"
                             "Nora Ny;912 34 567;Lerkendal;25.11.2026;7001\n"
                             "Siv Sen;900 11 222;Midtbyen;20.11.2026;7003\n")
    nora = make_user(first_name="Nora", language_code="nn")
    await onboard(nora, phone="+4791234567", lang="nn")
    ase = await welcomer(db, make_user)
    await ase.send("/velkomst")
    card = await ase.press("Ta: Nora Ny")
    text = card.texts[0]
    assert "start=inv_" not in text and "🔗 bruker allerede lagbot: trenger ingen invitasjonslenke" in text, text
    assert ("Hei Nora! Velkomen til Trondheim SV — så fint at du er med. Eg heiter Åse og er med i lokallaget. "
            "Du brukar allereie boten vår lagbot på Telegram") in text, text
    await ase.send("/velkomst")
    siv = await ase.press("Ta: Siv Sen")                       # not on lagbot: the link is what she needs
    assert "https://t.me/lagbot_test_bot?start=inv_" in siv.texts[0] and "bruker allerede lagbot" not in siv.texts[0]
    async with db.session() as session:
        taken = {m.name: t.status for t, m in (await session.execute(
            select(WelcomeTask, Member).join(Member, Member.id == WelcomeTask.member_id))).all()}
    assert taken == {"Nora Ny": "taken", "Siv Sen": "taken"}, taken
    assert (await stored(db, nora.user_id)).telegram_id == nora.user_id


# Ola filed the report for his round: after tapping Bolig and Samferdsel the themes message still
# ended in "Hopp over", and once he went on nothing in the chat said which themes he had chosen;
# the "Hopp over" under the last question stayed after he had written his text.
async def test_the_round_report_shows_the_chosen_themes_and_done_replaces_skip(db, app, make_user, clock):
    from models.rounds import RoundReport
    from tests.test_season_member import grant, make_round

    ola = await person(make_user, 0, first="Ola"); await grant(db, ola, "leader")
    rid = await make_round(db, clock, leader=ola)
    clock.set(START + timedelta(hours=4))
    await ola.press_data(f"rd:report:{rid}")
    await ola.send("120")
    asked = await ola.send("35")
    assert asked.buttons[-1] == "Hopp over" and "Ferdig" not in asked.buttons, asked.buttons
    await ola.press("Bolig")
    ticked = await ola.press("Samferdsel")
    [edited] = ticked.method("editMessageText")
    assert edited.text.endswith("Valgt: Bolig, Samferdsel"), edited.text
    assert "✅ Bolig" in edited.buttons and "✅ Samferdsel" in edited.buttons and "▫️ Klima" in edited.buttons, edited.buttons
    assert edited.buttons[-1] == "Ferdig" and "Hopp over" not in edited.buttons, edited.buttons
    themes_message = ola.find_button("✅ Bolig")[0]
    done = await ola.press("Ferdig", exact=True)
    assert ola.api.find(ola.chat_id, themes_message.message_id).text.endswith("✅ Temaer: Bolig, Samferdsel")
    assert not ola.api.find(ola.chat_id, themes_message.message_id).inline_buttons
    assert done.texts[-1].startswith("Noe mer programkomiteen bør vite?") and done.buttons == ["Hopp over"], done.texts
    saved = await ola.send("Bussen til Lade er for sjelden.")
    assert saved.text == "Takk! Rapporten er lagret: 120 dører, 35 samtaler."
    assert not [m for m in ola.messages() if "Hopp over" in labels(m)], "a Skip is left in the chat"
    async with db.session() as session:
        report = await session.scalar(select(RoundReport).where(RoundReport.round_id == rid))
    assert (report.themes, report.text) == (["housing", "transport"], "Bussen til Lade er for sjelden.")


async def test_a_round_report_without_themes_is_skipped_in_nynorsk(db, app, make_user, clock):
    from models.rounds import RoundReport
    from tests.test_season_member import grant, make_round

    jon = await person(make_user, 0, lang="nn", first="Jon"); await grant(db, jon, "leader")
    rid = await make_round(db, clock, leader=jon)
    clock.set(START + timedelta(hours=4))
    await jon.press_data(f"rd:report:{rid}")
    await jon.send("40")
    asked = await jon.send("8")
    assert asked.text.startswith("Kva snakka folk om? Trykk på temaa de høyrde"), asked.text
    themes_message = jon.find_button("Klima")[0]
    await jon.press("Hopp over", exact=True)
    assert jon.api.find(jon.chat_id, themes_message.message_id).text.endswith("✅ Tema: ingen")
    skipped = await jon.press("Hopp over", exact=True)
    assert skipped.texts[-1] == "Takk! Rapporten er lagra: 40 dører, 8 samtalar.", skipped.texts
    async with db.session() as session:
        report = await session.scalar(select(RoundReport).where(RoundReport.round_id == rid))
    assert (report.doors, report.conversations, report.themes, report.text) == (40, 8, [], "")


# Ola led the team on "Dørbank på Lade" and erased his data with /slett_meg: the round still had him
# as its leader (an erased, nameless member), and nobody on the board was told the team had none.
async def test_erasing_gives_up_leading_a_team_and_the_board_is_told(db, app, make_user, clock):
    from models.round_tables import Team
    from tests.test_season_member import grant, make_round

    ola = await person(make_user, 0, first="Ola"); await grant(db, ola, "leader")
    kari = await person(make_user, 1, lang="nn", first="Kari"); await grant(db, kari, "board")
    anne = await person(make_user, 2, first="Anne")
    rid = await make_round(db, clock, leader=ola, title="Dørbank på Lade")
    past = await make_round(db, clock, leader=ola, title="Dørbank i dag", start=clock() + timedelta(hours=1))
    await anne.press_data(f"rd.join:{rid}")
    clock.advance(hours=2)                                          # "Dørbank i dag" is under way
    async with db.session() as session:
        ola_id = (await member_by_telegram(session, ola.user_id)).id
    asked = await ola.send("/slett_meg")
    assert "Du leder et lag på disse; laget får ingen leder, og styret får beskjed:" in asked.text, asked.text
    assert "• Dørbank på Lade — lørdag 5. desember kl. 12:00" in asked.text and "Dørbank i dag" not in asked.text, asked.text
    await ola.press("Ja, slett dataene mine")
    async with db.session() as session:
        leaders = {round_id: leader for round_id, leader in (await session.execute(select(Team.round_id, Team.leader_id))).all()}
        assert (await session.get(Member, ola_id)).status == "erased"
    assert leaders == {rid: None, past: ola_id}, leaders           # a round under way keeps who leads it
    await tick(app)
    told = [m.text for m in kari.messages() if "Lag 1 på «Dørbank på Lade»" in m.text]
    assert told == [("Lag 1 på «Dørbank på Lade», laurdag 5. desember kl. 12:00–15:00, har ikkje lenger nokon dørbankgeneral: "
                     "leiaren er ikkje lenger i lagbot (dataa er sletta). Vel ein ny under /dorbank → «⚙️ Administrer rundar» "
                     "→ «👥 Dørbankgeneralar».")], [m.text for m in kari.messages()[-3:]]
    assert not [m for m in anne.messages() if "dørbankgeneral" in m.text]    # only the board is told


# Ola Hansen is in the register (member 1002) but went on without sharing his number; Berit (board,
# nn) verified the supporter "Ola Hansen" from /supportere: a second Ola Hansen, a verified
# supporter, and nothing told her the register already had one not on lagbot.
async def test_the_board_sees_a_namesake_in_the_register_and_can_link_instead_of_verifying(db, app, make_user, clock):
    from sqlalchemy import func

    from models.member import STATUS_MEMBER
    from tests.helpers import onboard
    from tests.test_linking import board_member

    await import_members(db, REGISTER.replace("Jon Vik", "Ola Hansen"))
    berit = await board_member(db, make_user, lang="nn")
    ola = make_user(first_name="Ola", last_name="Hansen")
    await onboard(ola, phone=None)                                  # a supporter, by his Telegram name
    per = make_user(first_name="Per", last_name="Annen")
    await onboard(per, phone=None)
    listing = await berit.send("/supportere")
    assert ("⚠️ Medlemsregisteret har Ola Hansen (1002) med same namn, som ikkje er på lagbot enno. "
            "Er det same person, kople dei i staden for å stadfeste.") in listing.text, listing.text
    assert listing.text.count("⚠️") == 1, listing.text             # nobody in the register is called Per Annen
    assert "🔗 Kople til Ola Hansen (1002)" in listing.buttons and "Stadfest Per Annen" in listing.buttons, listing.buttons
    linked = await berit.press("🔗 Kople til Ola Hansen (1002)")
    assert linked.alerts == ["✅ Kopla: «Ola Hansen» er no Ola Hansen (1002)."], linked.alerts
    [edited] = linked.method("editMessageText")
    assert "Ola Hansen" not in edited.text and "Stadfest Per Annen" in edited.buttons, (edited.text, edited.buttons)
    await tick(app)
    assert ola.last_message().text.startswith("Styret har bekreftet det: nå er du koblet til medlemskapet ditt"), ola.last_message().text
    async with db.session() as session:
        olas = list(await session.scalars(select(Member).where(Member.name == "Ola Hansen")))
        assert [(m.member_number, m.status, m.telegram_id) for m in olas] == [("1002", STATUS_MEMBER, ola.user_id)]
        assert await session.scalar(select(func.count()).select_from(Member).where(Member.verified.is_(True),
                                                                                   Member.name == "Per Annen")) == 0
    verified = await berit.press("Stadfest Per Annen")             # verifying is still there for who has no namesake
    assert verified.alerts == ["Per Annen er stadfesta."], verified.alerts
    assert (await stored(db, per.user_id)).verified
