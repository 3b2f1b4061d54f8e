"""Asks for input as members, partners and the board read them: the buttons, the texts, the
outbox renderers (the ask, its reminder, the board's summary) and the files of answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import Id, callback
from bot.csvfile import csv_datetime, csv_text
from bot.i18n import N_, fmt_date, fmt_datetime, translator
from bot.render import Gone, Message, now, renderer
from models import asks as ak
from models import outbox as box
from models.constants import DISTRICTS, INTERESTS
from models.member import Member
from models.membership import members_with_role

KIND_LABELS = {"council": N_("🏛 Council matter"), "programme": N_("📘 Programme chapter"), "general": N_("💬 Question")}
DISTRICT_WORDS = {"midtbyen": N_("Midtbyen"), "ostbyen": N_("Østbyen"), "lerkendal": N_("Lerkendal"), "heimdal": N_("Heimdal"),
                  "outside": N_("Outside Trondheim"), "none": N_("No district")}
INTEREST_WORDS = {"doorknock": N_("Door-knocking"), "phoning": N_("Phoning members"), "social": N_("Social activities"),
                  "programme": N_("Writing the programme"), "campaign": N_("The election campaign"), "courses": N_("Courses"),
                  "district_chapter": N_("A district chapter")}


@callback("ask.ans")
class AnswerAsk:
    ask_id: Id


@callback("ask.no")
class NotForMe:
    ask_id: Id


@callback("ask.doc")
class AskDocument:
    ask_id: Id


@callback("ask.files")
class AskFiles:
    ask_id: Id


@callback("ask.show")
class ShowAsk:
    ask_id: Id


@callback("ask.act")
class AskAction:
    ask_id: Id
    action: Literal["close", "extend"]


def ask_text(ask: ak.Ask, lang: str, *, reminder: bool = False) -> str:
    _ = translator(lang)
    lines = [_("⏰ Reminder: the deadline is {deadline}.").format(deadline=fmt_datetime(ask.deadline_at, lang))] if reminder else []
    lines += [f"{_(KIND_LABELS[ask.kind])}: {ask.title}"]
    if ask.meeting_on is not None:
        lines.append(_("In the city council on {day}.").format(day=fmt_date(_noon(ask.meeting_on), lang)))
    lines += ["", ask.body]
    if ask.link:
        lines += ["", "🔗 " + ask.link]
    lines += ["", _("Answer by {deadline}. You can answer more than once, with your name or anonymously.").format(
        deadline=fmt_datetime(ask.deadline_at, lang))]
    return "\n".join(lines)


def _noon(day: object) -> datetime:
    from datetime import UTC, time

    return datetime.combine(day, time(12), tzinfo=UTC)  # type: ignore[arg-type]


def ask_buttons(ask: ak.Ask, lang: str, *, member: bool = True) -> list[list[box.Button]]:
    _ = translator(lang)
    rows = [[box.Button(_("✍️ Answer"), AnswerAsk(ask.id).pack())]]
    if member:
        rows[0].append(box.Button(_("Not for me"), NotForMe(ask.id).pack()))
    if ask.file_id:
        rows.append([box.Button(_("📄 The document"), AskDocument(ask.id).pack())])
    if ask.event_id:
        from bot.activity_buttons import ShowEvent

        rows.append([box.Button(_("📅 The member meeting"), ShowEvent(ask.event_id).pack())])
    return rows


async def _open_ask(session: AsyncSession, row: box.OutboxMessage) -> ak.Ask:
    ask = await ak.find(session, row.subject_id or 0)
    if ask is None:
        raise Gone("the ask is gone")
    if not ak.is_open(ask, now() or ask.created_at):
        raise Gone("the ask is closed")
    return ask


@renderer("ask.open")
async def _ask(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    ask = await _open_ask(session, row)
    return Message(ask_text(ask, to.language), ask_buttons(ask, to.language))


@renderer("ask.reminder")
async def _reminder(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    ask = await _open_ask(session, row)
    got = await ak.recipient(session, ask.id, to.id)
    if got is None or got.answered_at is not None or got.declined_at is not None:
        raise Gone("answered or not for them")
    return Message(ask_text(ask, to.language, reminder=True), ask_buttons(ask, to.language))


@renderer("ask.summary")
async def _summary(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    ask = await ak.find(session, row.subject_id or 0)
    if ask is None:
        raise Gone("the ask is gone")
    text = summary_text(ask, await ak.summary(session, ask.id), to.language)
    _ = translator(to.language)
    return Message(text, [[box.Button(_("📎 All answers as files"), AskFiles(ask.id).pack())],
                          [box.Button(_("⏳ Extend by 7 days"), AskAction(ask.id, "extend").pack())]])


def summary_text(ask: ak.Ask, summary: ak.Summary, lang: str) -> str:
    _ = translator(lang)
    state = _("open until {deadline}") if ask.status == ak.OPEN else _("closed {deadline}")
    lines = [f"#{ask.id} {_(KIND_LABELS[ask.kind])}: {ask.title}", state.format(deadline=fmt_datetime(ask.deadline_at, lang)),
             _("Answers: {answers} from {people} of {recipients} members; {partners} partner organisations.").format(
                 answers=summary.answers, people=summary.people, recipients=summary.recipients, partners=summary.partners),
             _("Not for me: {count}").format(count=summary.declined)]
    if summary.by_district:
        lines.append(_("By district: {list}").format(list=", ".join(
            f"{_(DISTRICT_WORDS.get(d, d))} {n}" for d, n in sorted(summary.by_district.items(), key=_district_order))))
    if summary.by_interest:
        lines.append(_("By interest: {list}").format(list=", ".join(
            f"{_(INTEREST_WORDS.get(i, i))} {n}" for i, n in sorted(summary.by_interest.items(), key=_interest_order))))
    return "\n".join(lines)


def _district_order(item: tuple[str, int]) -> int:
    return DISTRICTS.index(item[0]) if item[0] in DISTRICTS else len(DISTRICTS)


def _interest_order(item: tuple[str, int]) -> int:
    return INTERESTS.index(item[0]) if item[0] in INTERESTS else len(INTERESTS)


async def queue_summaries(session: AsyncSession, asks: list[ak.Ask], at: datetime, admins: list[int],
                          skip: int | None = None) -> None:
    """The summary of each closed ask to the board (and the programme role for a programme ask);
    `skip`: the member who closed it, who sees it already."""
    board = await members_with_role(session, "board", admins)
    programme = await members_with_role(session, "programme", admins)
    for ask in asks:
        readers = {m.id: m for m in board} | ({m.id: m for m in programme} if ask.kind == "programme" else {})
        stamp = int(ask.deadline_at.timestamp())
        for reader in readers.values():
            if reader.id == skip:
                continue
            await box.schedule(session, dedupe_key=f"ask:{ask.id}:summary:{stamp}:{reader.id}", kind="notice",
                               member_id=reader.id, due_at=at, topic="ask.summary", subject_id=ask.id)


async def answer_files(session: AsyncSession, ask: ak.Ask, lang: str) -> tuple[str, str]:
    """Every answer as Markdown and as a formula-safe CSV (semicolons, for Excel)."""
    _ = translator(lang)
    rows = await ak.answers(session, ask.id)
    anonymous = _("anonymous")
    markdown = [f"# {ask.title}", "", summary_text(ask, await ak.summary(session, ask.id), lang), ""]
    table = []
    for answer, name, partner in rows:
        who = partner or (anonymous if answer.anonymous else name or _("(erased)"))
        district = _(DISTRICT_WORDS.get(answer.district or "none", "")) if not partner else ""
        markdown += [f"## {who} · {fmt_datetime(answer.created_at, lang)}" + (f" · {district}" if district else ""), "",
                     answer.text, ""]
        table.append([csv_datetime(answer.created_at), who, _("partner organisation") if partner else _("member"),
                      district, answer.text])
    header = [_("When"), _("From"), _("Kind"), _("District"), _("Answer")]
    return "\n".join(markdown), csv_text(header, table)
