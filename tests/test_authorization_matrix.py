"""The authorization matrix: every state-changing command and button × the people who may not use it.

Each refused cell gets a clear answer in the person's language (no silence, no exception) and leaves
every table as it was; the allowed cells succeed, so the matrix cannot pass by refusing everything.
The revoked board member is served from a stale member cache (the member as read before the CLI
took the role away), so only a role read again in the transaction of the change refuses them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Update

from bot import callbacks
from bot.activity_buttons import (
    ActivityAction,
    CantCome,
    CantComeAt,
    ConfirmCancel,
    CreateDraft,
    DoorTheme,
    EditField,
    EventCantCome,
    EventCheckIn,
    EventSeriesTags,
    EventTag,
    EventTags,
    FileReport,
    JoinRound,
    LeaveRound,
    LeaveWaitingList,
    LinkDebrief,
    MakeLeader,
    NotHeld,
    ReplaceReport,
    ReportSkipText,
    ReportThemesDone,
    RoundTeam,
    Rsvp,
    TeamCheckIn,
    WaitingRsvp,
)
from bot.ask_messages import AskAction
from bot.context import LagbotContext
from bot.i18n import translations
from bot.member_buttons import CallStep, DecideLink, NudgeControl, ReplyToBoard, WelcomeStep
from bot.round_buttons import JoinRoundAt
from handlers.admin import LinkNamesake, RejectSupporter, VerifySupporter
from handlers.asks import SendAsk
from handlers.broadcast import SendNow
from handlers.broadcast_scheduled import ChangeScheduled
from handlers.broadcast_scheduled import ConfirmCancel as ConfirmCancelBroadcast
from handlers.call_notes import CallNote
from handlers.event_series import ConfirmCancelSeries, MoveSeries
from handlers.onboarding import Consent
from handlers.partners import AddPartner, NewLink
from handlers.phonebank import CallOutcome
from handlers.phonebank_board import CampaignAction, CreateCampaign
from handlers.preferences import SetDistrict, SetInterest, SetLanguage, SetMessageKind, SetSuggestions
from handlers.privacy import ConfirmErase
from handlers.removal import RemoveStep
from handlers.round_leaders import GrantAndLead, RemoveLeader, SetLeader
from handlers.survey_create import Next as SurveyNext
from handlers.surveys import SurveyAction
from handlers.welcome import WelcomeInterest, WelcomeOutcome
from models import Base, Member, MemberRole
from models import events as ev
from models import phonebank as pb
from models import rounds as rd
from models import welcome as wl
from models.activity import minute
from models.broadcast import Audience
from models.constants import OSLO
from models.member import STATUS_MEMBER, STATUS_SUPPORTER
from models.membership import member_by_telegram, revoke_role
from tests.harness import FakeUser
from tests.harness.fake_api import BotMessage
from tests.harness.user import Exchange

# The matrix's actors, each writing in a language of their own, so a refusal in the wrong one shows.
# The revoked board member goes early, before an allowed actor has taken what they might take.
# "unfinished" consented and stopped before the end of onboarding (the other half of "declined").
ACTORS: dict[str, str] = {"never_started": "en", "declined": "nn", "unfinished": "en", "revoked_board": "nb", "member": "nb",
                          "caller": "nn", "other_leader": "nb", "welcomer": "en"}
ONBOARDED = frozenset(ACTORS) - {"never_started", "declined", "unfinished"}
# Tables that change with every update whatever it does: the durable inbox, PTB's conversation and
# user data (flow stamps), the HMAC secret; and when a member was last active.
VOLATILE_TABLES = {"inbox", "ptb_data", "ptb_conversations", "secrets"}
VOLATILE_COLUMNS = {"last_active_at", "updated_at", "unreachable_at"}
APOLOGY_START = ("Sorry, something went wrong", "Beklager, noe gikk galt", "Orsak, noko gjekk gale")


@dataclass
class World:
    users: dict[str, FakeUser]
    ids: dict[str, int]  # member ids by actor name
    round_id: int = 0  # R1: three teams, led by "leader" (first team, creator), "team_leader" and "third_leader"
    other_round_id: int = 0  # led by "other_leader"
    future_round_id: int = 0  # open for sign-up
    event_id: int = 0  # contact person "contact"
    rsvp_id: int = 0
    signup_team1: int = 0  # the member's seat, in the first team
    signup_team2: int = 0
    campaign_id: int = 0
    target_id: int = 0  # held by the caller
    task_id: int = 0  # a new member's welcome task
    supporter_id: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


Act = Callable[[World, FakeUser], Awaitable[list[Exchange]]]


@dataclass
class Action:
    """One state-changing thing a person can do, with the button families and commands it covers."""

    name: str
    families: tuple[str, ...]
    act: Act  # as a refused actor tries it (forged where the button is not theirs)
    positive: str  # who succeeds (a matrix actor or one of the world's other people)
    allowed: frozenset[str] = frozenset()  # matrix actors who may do it too (on their own behalf)
    commands: tuple[str, ...] = ()
    setup: Callable[[World], Awaitable[None]] | None = None
    drive: Act | None = None  # a flow: the steps before the last (taken while the role is still held)
    last: Act | None = None  # a flow's last step, which stores
    also_refused: tuple[str, ...] = ()  # people outside the matrix who must be refused too


async def forge(user: FakeUser, data: str) -> Exchange:
    """Press a button with this data, on the person's newest message (or one they never got)."""
    shown = user.messages()[-1] if user.messages() else BotMessage(message_id=1, chat_id=user.chat_id, text="-", markup=None)
    return await user.press_data(data, shown)


def press(family: Any) -> Act:
    async def act(world: World, user: FakeUser) -> list[Exchange]:
        return [await forge(user, family(world).pack())]

    return act


def steps(*items: Any) -> Act:
    """Steps of a flow: a str is sent as text, a callable (world -> CallbackData) is pressed, a tuple
    ("label", text) presses the newest button with that label."""

    async def act(world: World, user: FakeUser) -> list[Exchange]:
        done = []
        for item in items:
            if isinstance(item, str):
                done.append(await user.send(item))
            elif isinstance(item, tuple):
                done.append(await user.press(item[1], exact=item[1] in ("Ferdig",)))
            else:
                done.append(await forge(user, item(world).pack()))
        return done

    return act


def then(*acts: Act) -> Act:
    async def act(world: World, user: FakeUser) -> list[Exchange]:
        return [exchange for one in acts for exchange in await one(world, user)]

    return act


# World ---------------------------------------------------------------------------------------------


async def build_world(db: Any, app: Any, make_user: Callable[..., FakeUser], clock: Any) -> World:
    now = clock()
    people = {name: lang for name, lang in ACTORS.items()}
    people |= {"board": "nb", "leader": "nb", "team_leader": "nb", "third_leader": "nb", "contact": "nb", "newcomer": "nb",
               "callee": "nb"}
    roles = {"caller": "caller", "other_leader": "leader", "welcomer": "welcomer", "revoked_board": "board",
             "board": "board", "leader": "leader", "team_leader": "leader", "third_leader": "leader"}
    users = {name: make_user(language_code=lang, first_name=name.replace("_", "-").title()) for name, lang in people.items()}
    ids: dict[str, int] = {}
    async with db.session() as session:
        for k, (name, lang) in enumerate(people.items()):
            if name in ("never_started", "declined"):
                continue
            linked = name not in ("newcomer", "callee")
            member = Member(name=f"{name.title()} Nordmann", phone=f"+479100{k:04d}", language=lang, district="midtbyen",
                            telegram_id=users[name].user_id if linked else None, consent_at=now if linked else None,
                            onboarded_at=now if linked and name != "unfinished" else None, linked_at=now if linked else None,
                            joined_on=(now - timedelta(days=3)).date() if name == "newcomer" else None,
                            invite_token=f"tok{k}", verified=True)
            if name in roles:
                member.roles.append(MemberRole(role=roles[name]))
            session.add(member)
            await session.flush()
            ids[name] = member.id
        supporter = Member(name="Støtte Spiller", phone="+4791999999", status=STATUS_SUPPORTER, verified=False, language="nb")
        session.add(supporter)
        await session.flush()
        world = World(users=users, ids=ids, supporter_id=supporter.id, extra={"db": db, "now": now})
        # R1 began an hour ago: its team is checked in, its report filed, what was heard told.
        r1 = await rd.create_round(session, title="Runde 1", district="midtbyen", starts_at=now - timedelta(hours=1),
                                   ends_at=now + timedelta(hours=2), meeting_point="Torget", capacity=15, now=now - timedelta(hours=2),
                                   teams=[(ids["leader"], 5), (ids["team_leader"], 5), (ids["third_leader"], 5)],
                                   created_by=ids["leader"])
        r2 = await rd.create_round(session, title="Runde 2", district="ostbyen", starts_at=now + timedelta(days=3),
                                   ends_at=now + timedelta(days=3, hours=3), meeting_point="Lade", capacity=10, now=now,
                                   teams=[(ids["other_leader"], 10)], created_by=ids["other_leader"])
        r3 = await rd.create_round(session, title="Runde 3", district="midtbyen", starts_at=now + timedelta(days=5),
                                   ends_at=now + timedelta(days=5, hours=3), meeting_point="Solsiden", capacity=10, now=now)
        world.round_id, world.other_round_id, world.future_round_id = r1.id, r2.id, r3.id
        world.extra["future_start"] = minute(r3.starts_at)  # what a reminder's button carries
        # R4, led as R1 but still ahead: what has begun is not moved or cancelled (tests/test_stale_buttons.py).
        r4 = await rd.create_round(session, title="Runde 4", district="midtbyen", starts_at=now + timedelta(days=9),
                                   ends_at=now + timedelta(days=9, hours=3), meeting_point="Torget", capacity=15, now=now,
                                   teams=[(ids["leader"], 5), (ids["team_leader"], 5), (ids["third_leader"], 5)],
                                   created_by=ids["leader"])
        world.extra["led_ahead"] = r4.id
        world.extra["team3"] = sorted(r1.teams, key=lambda t: t.id)[2].id
        first = await rd.sign_up(session, r1.id, ids["member"], now - timedelta(hours=2))
        second = await rd.sign_up(session, r1.id, ids["callee"], now - timedelta(hours=2))
        world.signup_team1, world.signup_team2 = first.signup.id, second.signup.id
        assert first.signup.team_id != second.signup.team_id
        await rd.sign_up(session, r3.id, ids["member"], now)
        event = await ev.create_event(session, kind="social", title="Pub", starts_at=now + timedelta(hours=1),
                                      ends_at=now + timedelta(hours=3), place="Tapperiet", now=now, contact_id=ids["contact"])
        world.event_id = event.id
        world.extra["event_start"] = minute(event.starts_at)
        world.rsvp_id = (await ev.answer(session, event.id, ids["member"], "yes", now)).rsvp.id
        campaign, _count = await pb.create_campaign(session, name="Ring rundt", purpose="Test", scripts={"nb": "Hei, dette er et manus."},
                                                    audience=Audience(), now=now, mode="callers")
        world.campaign_id = campaign.id
        claim = await pb.claim_next(session, campaign.id, ids["caller"], now, timedelta(minutes=30))
        assert claim.card is not None
        world.target_id = claim.card.target_id
        tasks = await wl.ensure_tasks(session, now)
        world.task_id = next(t.id for t in tasks if t.member_id == ids["newcomer"])
    for user in users.values():  # a message of lagbot's in every chat, under which forged buttons are pressed
        await user.send("/hjelp")
    await users["declined"].send("/start")
    await forge(users["declined"], Consent("no").pack())
    return world


async def revoke_board(db: Any, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """`roles revoke board` from the command line, while lagbot still serves the member as cached."""
    user = world.users["revoked_board"]
    async with db.session() as session:
        stale = await member_by_telegram(session, user.user_id)
        assert stale is not None and "board" in stale.role_names
    async with db.session() as session:
        member = await member_by_telegram(session, user.user_id)
        assert await revoke_role(session, member, "board")
    load, reload = LagbotContext.load_member, LagbotContext.reload_member

    async def cached_load(self: LagbotContext, update: object) -> Member | None:
        if isinstance(update, Update) and update.effective_user is not None and update.effective_user.id == user.user_id:
            self._telegram_language = update.effective_user.language_code
            self.set_member(stale)
            return stale
        return await load(self, update)

    async def cached_reload(self: LagbotContext) -> Member | None:
        if self._user_id == user.user_id:
            self.set_member(stale)
            return stale
        return await reload(self)

    monkeypatch.setattr(LagbotContext, "load_member", cached_load)
    monkeypatch.setattr(LagbotContext, "reload_member", cached_reload)


async def snapshot(db: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    async with db.session() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in VOLATILE_TABLES:
                continue
            columns = [c for c in table.columns if c.name not in VOLATILE_COLUMNS]
            rows = (await session.execute(select(*columns))).all()
            found[table.name] = sorted(repr(tuple(row)) for row in rows)
    return found


def changed(before: dict[str, list[str]], after: dict[str, list[str]]) -> dict[str, tuple[list[str], list[str]]]:
    return {name: (sorted(set(before[name]) - set(after[name])), sorted(set(after[name]) - set(before[name])))
            for name in before if before[name] != after[name]}


def speaks(text: str, lang: str) -> bool:
    """Whether `text` starts like one of lagbot's messages in `lang` (up to its first placeholder)."""
    catalog = translations(lang)._catalog  # type: ignore[attr-defined]
    for key, value in catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        prefix = (value or msgid).split("{")[0].strip()
        if msgid and len(prefix) >= 6 and text.startswith(prefix):
            return True
    return False


# The actions ---------------------------------------------------------------------------------------


async def caller_recorded(world: World) -> None:
    await forge(world.users["caller"], CallOutcome(world.target_id, "nn").pack())


async def welcomer_took(world: World) -> None:
    await forge(world.users["welcomer"], WelcomeStep("take", world.task_id).pack())


async def register_namesake(world: World) -> None:
    """The register has a member named as the supporter, not on lagbot; the supporter came by Telegram."""
    async with world.extra["db"].session() as session:
        supporter = await session.get(Member, world.supporter_id)
        supporter.telegram_id = 6_999_000_123
        namesake = Member(name="Støtte Spiller", phone="+4791999998", status=STATUS_MEMBER, language="nb", verified=True,
                          member_number="9999", invite_token="toknamesake")
        session.add(namesake)
        await session.flush()
        world.extra["namesake"] = namesake.id


async def team_leader_filed(world: World) -> None:
    """The second team's leader filed their team's report; they may file it anew (the leader of another team
    files their own team's report, and never reaches this one)."""
    async with world.extra["db"].session() as session:
        round_ = await rd.get_round(session, world.round_id)
        await rd.file_report(session, world.round_id, doors=50, conversations=10, themes=[], text="", filed_by=world.ids["team_leader"],
                             team_id=round_.teams[1].id, now=world.extra["now"])


async def scheduled_broadcast(world: World) -> None:
    from models import broadcast as bc

    async with world.extra["db"].session() as session:
        cast = await bc.create(session, author_id=world.ids["board"], text="Stand lørdag", audience=Audience(), urgent=False,
                               send_at=world.extra["now"] + timedelta(days=2), now=world.extra["now"])
        world.extra["scheduled"] = cast.id


async def broadcast_to_member(world: World) -> None:
    """A broadcast the member got (sent, with its Telegram message), which they may answer."""
    from models import broadcast as bc
    from models.outbox import OutboxMessage

    async with world.extra["db"].session() as session:
        cast = await bc.create(session, author_id=world.ids["board"], text="Hvem kan stå på stand?", audience=Audience(),
                               urgent=False, send_at=None, now=world.extra["now"])
        cast.status = bc.DONE
        session.add(OutboxMessage(dedupe_key=f"broadcast:{cast.id}:member:{world.ids['member']}", member_id=world.ids["member"],
                                  kind="broadcast", text="Hvem kan stå på stand?", due_at=world.extra["now"], status="sent",
                                  sent_at=world.extra["now"], telegram_message_id=1, broadcast_id=cast.id))
        await session.flush()
        world.extra["broadcast"] = cast.id


async def weekly_series(world: World) -> None:
    async with world.extra["db"].session() as session:
        series = await ev.create_series(session, kind="social", title="Pub hver uke", rule="FREQ=WEEKLY;COUNT=3",
                                        first_local=(world.extra["now"] + timedelta(days=2)).astimezone(OSLO).replace(tzinfo=None),
                                        minutes=120, place="Tapperiet", now=world.extra["now"], contact_id=world.ids["contact"])
        first = await session.scalar(select(ev.Event).where(ev.Event.series_id == series.id).order_by(ev.Event.starts_at))
        world.extra["series_event"] = first.id


async def link_requested(world: World) -> None:
    """Someone opened the newcomer's invite link without the matching number: the board decides."""
    from models import linking

    async with world.extra["db"].session() as session:
        requester = Member(name="Ukjent", status=STATUS_SUPPORTER, verified=False, language="nb", telegram_id=7_700_000_001)
        session.add(requester)
        await session.flush()
        newcomer = await session.get(Member, world.ids["newcomer"])
        request = await linking.request_link(session, newcomer.invite_token, requester, "Ukjent", world.extra["now"])
        world.extra["link_request"] = request.id


async def open_survey(world: World) -> None:
    """A survey the board sent to everyone: the member may answer it; the board may close it."""
    from models import surveys as sv
    from models.survey_spec import spec_from_data

    async with world.extra["db"].session() as session:
        spec = spec_from_data({"title": "Valgkampen", "anonymous": False,
                               "questions": [{"text": "Blir du med?", "kind": "single", "options": ["Ja", "Nei"]}]})
        survey = await sv.create(session, spec, created_by=world.ids["board"])
        world.extra["survey"] = survey.id


ASK_FLOW = steps(("label", "💬 Spørsmål"), "Bussveien gjennom Midtbyen", "Bystyret skal vedta traseen. Hva mener du?",
                 ("label", "Hopp over"), "10.12.2026 12:00", ("label", "Forhåndsvis ▸"))
PARTNER_FLOW = steps(("label", "➕ Legg til en partner"), "Kvinnegruppa Ottar", ("label", "Kvinnebevegelsen"),
                     ("label", "Hopp over"))


async def member_said_yes_to_training(world: World) -> None:
    """The member was offered leader training and said yes: the board can make them a leader."""
    from models import leader_training as training

    async with world.extra["db"].session() as session:
        await training.offer(session, world.ids["member"], 3, world.extra["now"])
        await training.accept(session, world.ids["member"], world.extra["now"])


async def a_partner(world: World) -> None:
    from models import partners as pt

    async with world.extra["db"].session() as session:
        world.extra["partner"] = (await pt.add(session, name="Natur og Ungdom", kind="environmental")).id


async def an_open_ask(world: World) -> None:
    from models import asks as ak

    async with world.extra["db"].session() as session:
        ask, _members, _partners = await ak.create_and_send(
            session, ak.Draft(kind="general", title="Bussveien", body="Hva mener du?",
                              deadline_at=world.extra["now"] + timedelta(days=7)),
            author_id=world.ids["board"], now=world.extra["now"], weekly_cap=99)
        world.extra["ask"] = ask.id


SURVEY_FLOW = steps("Valgkampen 2027", ("label", "👤 Koblet"), "Blir du med?", ("label", "Ett valg"), "Ja\nNei",
                    ("label", "✅ Ferdig"))


def draft_press(family: Any, label: str) -> Act:
    """A creation flow's last button (its data carries the draft's id): the real one when the
    person has it, a forged one (draft 1) when not."""

    async def act(world: World, user: FakeUser) -> list[Exchange]:
        try:
            return [await user.press(label)]
        except AssertionError:
            return [await forge(user, family(1).pack())]

    return act


ROUND_FLOW = steps("Dørbank på Lade", ("label", "Midtbyen"), "12.12 12:00", "15:00", "Lade kirke", "6",
                   ("label", "Jeg gjør det"), ("label", "Fortsett"), ("label", "Hopp over"), ("label", "Hopp over"))
EVENT_FLOW = steps(("label", "Sosialt"), "Pub", ("label", "Hopp over"), "04.12 19:00", "22:00", "Tapperiet",
                   ("label", "Ingen grense"), ("label", "Hopp over"), ("label", "Meg"), ("label", "Ferdig"), ("label", "Nei"))
CAMPAIGN_FLOW = steps("Ring for dørbank", "Få folk med", "Hei! Jeg ringer fra Trondheim SV.", ("label", "Fortsett"),
                      ("label", "Fortsett"), ("label", "Ingenting koblet til"), ("label", "Medlemmer med ringerrollen"))
BROADCAST_FLOW = steps("Vi trenger folk på lørdag!", ("label", "Forhåndsvis ▸"))

REPLACE_REPORT = steps(lambda w: FileReport(round_id=w.round_id), lambda w: ReplaceReport(round_id=w.round_id), "90", "25",
                       lambda w: ReportThemesDone(round_id=w.round_id))


def flow(command: str, rest: Act) -> Act:
    return then(steps(command), rest)


ACTIONS: list[Action] = [
    # What every member does for themselves.
    # The round's own leader has a team in it, not a seat (rd.LeadsRound): refused like the ones not onboarded.
    Action("join a round", ("rd.join",), press(lambda w: JoinRound(round_id=w.other_round_id)), "board", ONBOARDED - {"other_leader"}),
    Action("join a round from a suggestion", ("rd.joinat",), press(lambda w: JoinRoundAt(round_id=w.other_round_id, at=0)), "board",
           ONBOARDED - {"other_leader"}),
    Action("leave a round", ("rd.leave", "rd.cant", "rd.unwait", "rd.cantat"),  # rd.unwait: from the waiting list (a seat stays)
           then(press(lambda w: LeaveWaitingList(round_id=w.future_round_id)), press(lambda w: LeaveRound(round_id=w.future_round_id)),
                press(lambda w: CantCome(round_id=w.future_round_id)),
                press(lambda w: CantComeAt(round_id=w.future_round_id, at=w.extra["future_start"]))),
           "member", frozenset({"member"})),
    Action("answer an event", ("ev.rsvp", "ev.wrsvp", "ev.cantat"),
           then(press(lambda w: Rsvp(event_id=w.event_id, answer="maybe")), press(lambda w: WaitingRsvp(event_id=w.event_id, answer="no")),
                press(lambda w: EventCantCome(event_id=w.event_id, at=w.extra["event_start"]))),
           "board", ONBOARDED),
    Action("input from the doors", ("rd.theme",),
           then(press(lambda w: DoorTheme(round_id=w.round_id, theme="housing")), steps("Folk vil ha flere busser")),
           "member", frozenset({"member"})),
    Action("suggestions: not now / off", ("ng",),
           then(press(lambda w: NudgeControl("snooze", "social")), press(lambda w: NudgeControl("off", "doorknock"))),
           "board", ONBOARDED),
    Action("settings", ("set.lang", "set.district", "set.int", "set.msg", "set.ng"),
           then(press(lambda w: SetDistrict(code="heimdal")), press(lambda w: SetInterest(code="social")),
                press(lambda w: SetMessageKind(code="nudges")), press(lambda w: SetSuggestions(code="caller")),
                press(lambda w: SetLanguage(code="nn"))),
           "board", ONBOARDED, commands=("innstillinger",)),
    Action("stop word", (), steps("stopp"), "board", ONBOARDED),
    Action("erase my data", ("priv.erase",), then(steps("/slett_meg"), press(lambda w: ConfirmErase("yes"))),
           "board", ONBOARDED | {"unfinished"}, commands=("slett_meg",)),  # whoever has data stored may erase it
    # Rounds: the round's own leader, each team's leader, the board.
    Action("create a round", ("rd.new", "rdc.district", "rdc.leader", "rdc.lead", "rdc.team", "draft.skip", "draft.create", "draft.stop"),
           then(steps("/nyrunde"), press(lambda w: CreateDraft())), "board", frozenset({"other_leader"}),
           commands=("nyrunde",), drive=flow("/nyrunde", ROUND_FLOW), last=steps(("label", "✅ Opprett"))),
    Action("file a round's report", ("rd.report", "rdr.theme", "rdr.done", "rdr.skip", "rdr.replace", "rdr.team", "rd.rep.more"),
           then(press(lambda w: FileReport(round_id=w.round_id)), press(lambda w: ReportSkipText(round_id=w.round_id))),
           "team_leader", also_refused=(),
           drive=steps(lambda w: FileReport(round_id=w.round_id), "120", "30", lambda w: ReportThemesDone(round_id=w.round_id)),
           last=press(lambda w: ReportSkipText(round_id=w.round_id))),
    Action("replace one's own team's report", (), then(REPLACE_REPORT, press(lambda w: ReportSkipText(round_id=w.round_id))),
           "team_leader", setup=team_leader_filed,
           drive=REPLACE_REPORT, last=press(lambda w: ReportSkipText(round_id=w.round_id))),
    Action("record that a round did not take place", ("rdr.nh",),
           then(press(lambda w: FileReport(round_id=w.round_id)), press(lambda w: NotHeld(round_id=w.round_id, step="ask")),
                press(lambda w: NotHeld(round_id=w.round_id, step="yes"))),
           "leader", also_refused=("team_leader",),
           drive=steps(lambda w: FileReport(round_id=w.round_id), lambda w: NotHeld(round_id=w.round_id, step="ask")),
           last=press(lambda w: NotHeld(round_id=w.round_id, step="yes"))),
    Action("check in a round's team", ("rd.in",), press(lambda w: TeamCheckIn(signup_id=w.signup_team1, present=True)),
           "leader", also_refused=("team_leader",)),
    Action("link a gathering after the round", ("rdm.link",),
           press(lambda w: LinkDebrief(round_id=w.round_id, event_id=w.event_id)), "leader", also_refused=("team_leader",)),
    Action("move a round", ("act.do",),
           steps(lambda w: ActivityAction(kind="rd", action="move", activity_id=w.extra["led_ahead"]), "13.12 12:00", "15:00"),
           "leader", also_refused=("team_leader",),
           drive=steps(lambda w: ActivityAction(kind="rd", action="move", activity_id=w.extra["led_ahead"]), "13.12 12:00"),
           last=steps("15:00")),
    Action("edit a round", ("act.field",),
           steps(lambda w: ActivityAction(kind="rd", action="edit", activity_id=w.round_id),
                 lambda w: EditField(kind="rd", activity_id=w.round_id, field="title"), "Ny tittel"),
           "leader", also_refused=("team_leader",),
           drive=steps(lambda w: ActivityAction(kind="rd", action="edit", activity_id=w.round_id),
                       lambda w: EditField(kind="rd", activity_id=w.round_id, field="title")),
           last=steps("Ny tittel")),
    Action("cancel a round", ("act.cancel",), then(
        press(lambda w: ActivityAction(kind="rd", action="cancel", activity_id=w.extra["led_ahead"])),
        press(lambda w: ConfirmCancel(kind="rd", activity_id=w.extra["led_ahead"]))), "leader", also_refused=("team_leader",)),
    # Events: the contact person and the board.
    Action("create an event", ("ev.new", "evc.kind", "evc.me", "evc.tag", "evc.tagsdone", "evc.repeat"), then(steps("/nyttarrangement"), press(lambda w: CreateDraft())),
           "board", commands=("nyttarrangement",), drive=flow("/nyttarrangement", EVENT_FLOW), last=steps(("label", "✅ Opprett"))),
    Action("tag an event with the plan's goals", ("ev.tags", "ev.tag"),
           then(press(lambda w: EventTags(event_id=w.event_id)), press(lambda w: EventTag(event_id=w.event_id, tag="pride"))),
           "board", also_refused=("contact",)),  # the event's own contact person too: only the board sets the goals
    Action("tag a series with the plan's goals", ("ev.stags",),
           then(press(lambda w: EventTag(event_id=w.extra["series_event"], tag="march_8")),
                press(lambda w: EventSeriesTags(event_id=w.extra["series_event"]))),
           "board", setup=weekly_series, also_refused=("contact",)),
    Action("check people in at an event", ("ev.in",),
           press(lambda w: EventCheckIn(event_id=w.event_id, rsvp_id=w.rsvp_id, present=True)), "contact"),
    Action("edit an event", (), steps(lambda w: ActivityAction(kind="ev", action="edit", activity_id=w.event_id),
                                      lambda w: EditField(kind="ev", activity_id=w.event_id, field="place"), "Et annet sted"),
           "contact"),
    Action("cancel an event", (), then(
        press(lambda w: ActivityAction(kind="ev", action="cancel", activity_id=w.event_id)),
        press(lambda w: ConfirmCancel(kind="ev", activity_id=w.event_id))), "contact"),
    # Phone rounds: the caller who holds a call, and the board.
    Action("take the next call", ("pb",), press(lambda w: CallStep("next", w.campaign_id)), "caller", frozenset({"caller"})),
    Action("record a call's outcome", ("pb.o",), press(lambda w: CallOutcome(w.target_id, "nn")), "caller", frozenset({"caller"}),
           also_refused=("board",)),
    Action("note on a call", ("pb.note",), then(press(lambda w: CallNote(w.target_id)), steps("Ring etter kl. 17")),
           "caller", frozenset({"caller"}), setup=caller_recorded, also_refused=("board",)),
    Action("pause a phone round", ("pbb",), press(lambda w: CampaignAction("pause", w.campaign_id)), "board"),
    Action("start a phone round", ("pbb.new", "pbc.lang", "pbc.aud", "pbc.all", "pbc.next", "pbc.round", "pbc.event", "pbc.mode",
                                   "pbc.create", "pbc.cancel"),
           then(steps("/nyringerunde"), press(lambda w: CreateCampaign(1))), "board", commands=("nyringerunde",),
           drive=flow("/nyringerunde", CAMPAIGN_FLOW), last=draft_press(CreateCampaign, "✅ Start ringerunden")),
    # Welcome calls: welcomers and the board.
    Action("take a welcome call", ("wl",), press(lambda w: WelcomeStep("take", w.task_id)), "welcomer", frozenset({"welcomer"})),
    Action("record a welcome call", ("wl.o",), press(lambda w: WelcomeOutcome(w.task_id, "ph")), "welcomer",
           frozenset({"welcomer"}), setup=welcomer_took),
    Action("interests from a welcome call", ("wl.int",), press(lambda w: WelcomeInterest(w.task_id, "social")), "welcomer",
           frozenset({"welcomer"}), setup=welcomer_took),
    Action("note on a welcome call", (), then(press(lambda w: WelcomeStep("note", w.task_id)), steps("Ring igjen i mai")),
           "welcomer", frozenset({"welcomer"}), setup=welcomer_took),
    # The board.
    Action("verify a supporter", ("adm.verify",), press(lambda w: VerifySupporter(w.supporter_id)), "board"),
    Action("reject a supporter", ("adm.reject",), then(press(lambda w: RejectSupporter("ask", w.supporter_id)),
                                                      press(lambda w: RejectSupporter("yes", w.supporter_id))), "board"),
    Action("link a supporter to the register's namesake", ("adm.link",),
           press(lambda w: LinkNamesake(w.supporter_id, w.extra["namesake"])), "board", setup=register_namesake),
    Action("broadcast", ("bc.send", "bc.schedule", "bc.button", "bc.kind", "bc.pick", "bc.nobutton", "bc.sec", "bc.tog", "bc.opt",
                         "bc.preview", "bc.cancel"),
           then(steps("/utsending"), press(lambda w: SendNow(1))), "board", commands=("utsending",),
           drive=flow("/utsending", BROADCAST_FLOW), last=draft_press(SendNow, "Send nå")),
    Action("change or cancel a scheduled broadcast", ("bcs.change", "bcs.confirm"), then(
        steps(lambda w: ChangeScheduled(w.extra["scheduled"], "text"), "Ny tekst"),
        press(lambda w: ConfirmCancelBroadcast(w.extra["scheduled"]))), "board", setup=scheduled_broadcast),
    Action("change a round's team leaders", ("rdl.set", "rdl.grant", "rdl.none"), then(
        press(lambda w: SetLeader(w.extra["team3"], w.ids["member"])), press(lambda w: GrantAndLead(w.extra["team3"], w.ids["member"])),
        press(lambda w: RemoveLeader(w.extra["team3"]))), "board", also_refused=("leader", "third_leader")),
    Action("move or cancel a series", ("evs.move", "evs.confirm"), then(
        steps(lambda w: MoveSeries(w.extra["series_event"]), "23:30"),
        press(lambda w: ConfirmCancelSeries(w.extra["series_event"]))), "contact", setup=weekly_series),
    Action("reply to the board", ("bc.reply",), then(press(lambda w: ReplyToBoard(w.extra["broadcast"])), steps("Jeg kan!")),
           "member", frozenset({"member"}), setup=broadcast_to_member),
    Action("close a survey", ("sv.act", "sv.to", "sv.attach", "sv.map"),
           press(lambda w: SurveyAction(w.extra["survey"], "close")), "board", setup=open_survey),
    Action("create a survey", ("svc.anon", "svc.kind", "svc.more", "svc.cancel"),
           then(steps("/nyundersokelse"), press(lambda w: SurveyNext(1, "create"))), "board", commands=("nyundersokelse",),
           drive=flow("/nyundersokelse", SURVEY_FLOW), last=draft_press(lambda n: SurveyNext(n, "create"), "✅ Opprett undersøkelsen")),
    Action("create an ask", ("ask.kind", "ask.meet", "ask.nomeet", "ask.partners", "ask.send"),
           then(steps("/nyttinnspill"), press(lambda w: SendAsk(1))), "board", commands=("nyttinnspill",),
           drive=flow("/nyttinnspill", ASK_FLOW), last=draft_press(SendAsk, "Send nå")),
    Action("close or extend an ask", ("ask.act",), then(press(lambda w: AskAction(w.extra["ask"], "extend")),
                                                        press(lambda w: AskAction(w.extra["ask"], "close"))),
           "board", setup=an_open_ask),
    Action("add a partner", ("ptn.add", "ptn.kind"), then(steps("/partnere"), press(lambda w: AddPartner())), "board",
           commands=("partnere",), drive=flow("/partnere", PARTNER_FLOW), last=steps("900 00 000")),
    Action("give a partner a new link", ("ptn.relink",), press(lambda w: NewLink(w.extra["partner"])), "board", setup=a_partner),
    Action("decide a link request", ("lnk",), press(lambda w: DecideLink("no", w.extra["link_request"])), "board",
           setup=link_requested),
    Action("make a leader from /dorbank ledere", ("rd.mkldr",), press(lambda w: MakeLeader(member_id=w.ids["member"])), "board",
           setup=member_said_yes_to_training),
    Action("remove a member who left", ("adm.rm",), press(lambda w: RemoveStep("yes", w.ids["callee"])), "board",
           commands=("fjern_medlem",)),
]

# Buttons that change nothing stored (lists, pages, cards, files, a flow's own entry shown elsewhere),
# and onboarding, which is for anyone by design.
READ_ONLY = {"rd.page", "ev.page", "act.page", "rd.list", "rd.coming", "rd.comeat", "rd.nothing", "rd.manage", "rdm.qr", "rdm.team",
             "rdm.debrief", "ev.kind", "ev.show", "ev.ics", "ev.manage", "act.keep", "set",
             # lists and pickers that show, files the board gets, and flows' first steps that only ask
             "lst.get", "lst.bcs", "lst.bc", "rdl.show", "rdl.pick", "rdl.find", "bcs.cancel", "evs.cancel", "set.phone",
             "sv.card", "sv.page", "sv.new", "sv.aud", "sv.nosend",
             "ask.doc", "ask.files", "ask.show", "ask.page", "ptn.page", "ptn.csv"}  # documents, lists, files  # surveys: cards, pages, an audience kept for the next broadcast
# Answering a survey changes only the person's own answers, to a survey sent to them, or a caller's for the
# person on the call they hold: forged and foreign presses are refused in tests/test_surveys.py
# (test_stale_and_forged_survey_buttons) and tests/test_survey_calls.py.
OWN_ANSWERS = {"sv.open", "sv.pick", "sv.go", "sv.call",
               # answers to an ask the person got (a forged Answer is refused: tests/test_asks.py)
               "ask.ans", "ask.no", "ask.how",
               # the member's own yes to leader training offered to them (a press by anyone not offered it is
               # refused: tests/test_plan_year.py)
               "rd.ltr"}
OPEN_TO_ANYONE = {"ob.consent", "ob.lang", "ob.district", "ob.int", "ob.done",
                  "pask.pick", "pask.ok"}  # a partner organisation's link: whoever holds it answers as the organisation
READ_COMMANDS = {"start", "dorbank", "mine", "ringerunde", "arrangementer", "arshjul", "mine_data", "hjelp", "velkomst",
                 "supportere", "avbryt", "lister", "roller", "undersokelse", "innspill",
                 "rapport"}


def registered_commands(app: Any) -> set[str]:
    from telegram.ext import CommandHandler

    from handlers.flows import Flow

    found: set[str] = set()

    def visit(handler: Any) -> None:
        if isinstance(handler, Flow):
            for inner in [*handler.entry_points, *handler.fallbacks, *(h for hs in handler.states.values() for h in hs)]:
                visit(inner)
        elif isinstance(handler, CommandHandler):
            found.update(handler.commands)

    for group in app.handlers.values():
        for handler in group:
            visit(handler)
    return found


def test_the_matrix_covers_every_button_family_and_command(app):
    """A new button family or command must be placed: in the matrix, or named as changing nothing."""
    covered = {family for action in ACTIONS for family in action.families}
    families = set(callbacks._PREFIXES)
    assert families - covered - READ_ONLY - OPEN_TO_ANYONE - OWN_ANSWERS == set(), "add these to the authorization matrix"
    assert covered & READ_ONLY == set()
    from bot.commands import BOARD_COMMANDS, COMMANDS, NYNORSK

    english = {english: norwegian for norwegian, english, _d in [*COMMANDS, *BOARD_COMMANDS]} | {"cancel": "avbryt"}
    english |= {nynorsk: norwegian for norwegian, nynorsk in NYNORSK.items()}  # the same commands by their Nynorsk names
    commands = {english.get(c, c) for c in registered_commands(app)}
    assert {"utsending", "nyrunde", "slett_meg", "velkomst"} <= commands
    matrix = {c for action in ACTIONS for c in action.commands}
    assert commands - matrix - READ_COMMANDS == set(), "add these commands to the authorization matrix"


@pytest.mark.slow
@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
async def test_authorization_matrix(db, app, make_user, clock, monkeypatch, action):
    world = await build_world(db, app, make_user, clock)
    if action.setup is not None:
        await action.setup(world)
    if action.drive is not None:  # the flow is under way when the role goes
        await action.drive(world, world.users["revoked_board"])
    await revoke_board(db, world, monkeypatch)
    for actor in [*ACTORS, *action.also_refused]:
        user, lang = world.users[actor], ACTORS.get(actor, "nb")
        before = await snapshot(db)
        if action.last is not None and actor == "revoked_board":  # the flow's last step, after the revocation
            exchanges = await action.last(world, user)
        elif action.drive is not None and action.last is not None and actor in action.allowed:
            exchanges = await action.drive(world, user) + await action.last(world, user)
        else:
            exchanges = await action.act(world, user)
        after = await snapshot(db)
        said = [text for exchange in exchanges for text in [*exchange.alerts, *exchange.texts]]
        if actor in action.allowed:
            assert changed(before, after), f"{action.name}: {actor} may do this, but nothing was stored: {said}"
            continue
        assert not changed(before, after), f"{action.name}: {actor} changed {changed(before, after)}"
        assert said, f"{action.name}: {actor} got no answer"
        assert not any(text.startswith(APOLOGY_START) for text in said), f"{action.name}: {actor}: {said}"
        refusal = next(text for text in said)
        assert speaks(refusal, lang), f"{action.name}: {actor} ({lang}) was answered “{refusal}”"
    # The one who may, can: the matrix does not pass by refusing everything.
    if action.positive in action.allowed:
        return
    user = world.users[action.positive]
    before = await snapshot(db)
    if action.drive is not None and action.last is not None:
        await action.drive(world, user)
        await action.last(world, user)
    else:
        await action.act(world, user)
    assert changed(before, await snapshot(db)), f"{action.name}: {action.positive} could not do it"


async def test_a_note_only_from_the_caller_who_made_the_last_call(db, app, make_user, clock):
    """A caller who tried once cannot write over the note of the call a colleague made since."""
    world = await build_world(db, app, make_user, clock)
    first, second = world.users["caller"], world.users["board"]
    await forge(first, CallOutcome(world.target_id, "na").pack())  # no answer: back in the queue
    async with db.session() as session:
        target = await session.get(pb.CallTarget, world.target_id)
        target.next_attempt_at = None  # its cooling-down is over
        await session.flush()
        claim = await pb.claim_next(session, world.campaign_id, world.ids["board"], clock(), timedelta(minutes=30))
        assert claim.card is not None and claim.card.target_id == world.target_id
    await forge(second, CallOutcome(world.target_id, "nn").pack())
    await forge(second, CallNote(world.target_id).pack())
    await second.send("Vil ha ringeliste")
    before = await snapshot(db)
    refused = await forge(first, CallNote(world.target_id).pack())
    assert refused.alerts == ["Du har ikkje denne samtalen lenger — han kan ha gått tilbake i køen."]
    await first.send("Ring igjen")
    assert before == await snapshot(db)
    async with db.session() as session:  # and in the domain, whatever the chat lets through
        with pytest.raises(pb.NotHolding):
            await pb.add_note(session, world.target_id, world.ids["caller"], "Ring igjen")


async def test_the_board_sees_every_team_and_a_team_leader_their_own(db, app, make_user, clock):
    world = await build_world(db, app, make_user, clock)
    board = await forge(world.users["board"], RoundTeam(round_id=world.round_id).pack())
    assert board.text.startswith("Alle på «Runde 1»") and "Member Nordmann" in board.text and "Callee Nordmann" in board.text
    own = await forge(world.users["team_leader"], RoundTeam(round_id=world.round_id).pack())
    assert "Callee Nordmann" in own.text and "Member Nordmann" not in own.text
