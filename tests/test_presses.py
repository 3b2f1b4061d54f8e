"""A press is offered to every handler in turn: a handler for one button family turns away the
others by their prefix, without asking its pattern, and still takes every spelling of its own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from telegram import CallbackQuery, Chat, Message, Update, User
from telegram.constants import ChatType

from bot.activity_buttons import JoinRound, accepts
from bot.callbacks import with_prefixes
from handlers.preferences import SetMessageKind
from handlers.presses import Press


def press(data: str) -> Update:
    user = User(5_000_000_321, "Kari", False)
    message = Message(1, datetime.now(UTC), Chat(5_000_000_321, ChatType.PRIVATE))  # type: ignore[arg-type]
    return Update(1, callback_query=CallbackQuery("q1", user, chat_instance="c", data=data, message=message))


async def nothing(_update: Any, _context: Any) -> None:
    return None


def test_another_familys_press_is_turned_away_without_asking_the_pattern() -> None:
    asked: list[object] = []

    def pattern(data: object) -> bool:
        asked.append(data)
        return SetMessageKind.matches(data)

    handler = Press(nothing, pattern=with_prefixes(pattern, SetMessageKind))
    assert handler.check_update(press(JoinRound(round_id=7).pack())) is False
    assert asked == []
    assert handler.check_update(press(SetMessageKind(code="nudges").pack()))
    assert asked == [SetMessageKind(code="nudges").pack()]


def test_a_familys_filter_and_its_old_spelling_still_match() -> None:
    assert Press(nothing, pattern=SetMessageKind.filter()).prefixes == {SetMessageKind.prefix}
    join = Press(nothing, pattern=accepts(JoinRound))
    assert join.check_update(press("rd.join:7"))
    assert join.check_update(press("rd:join:7"))  # sent before the families had one spelling
    assert not join.check_update(press("rd.leave:7"))


def test_a_pattern_that_does_not_say_its_prefixes_is_asked_every_time() -> None:
    handler = Press(nothing, pattern=lambda data: data == "anything")
    assert handler.prefixes is None
    assert handler.check_update(press("anything"))


def test_a_run_of_presses_hands_a_press_to_the_first_of_its_family_that_takes_it() -> None:
    from handlers.presses import PressRun

    taken: list[str] = []

    def taking(name: str, answer: bool) -> Any:
        def pattern(data: object) -> bool:
            taken.append(name)
            return answer and SetMessageKind.matches(data)
        return with_prefixes(pattern, SetMessageKind)

    first, second = Press(nothing, pattern=taking("first", False)), Press(nothing, pattern=taking("second", True))
    other = Press(nothing, pattern=JoinRound.filter())
    open_ = Press(nothing, pattern=lambda data: data == "anything")
    run = PressRun([first, other, second, open_])
    handler, _check = run.check_update(press(SetMessageKind(code="nudges").pack()))
    assert handler is second and taken == ["first", "second"]
    assert run.check_update(press("anything"))[0] is open_  # a pattern that names no family is asked of every press
    assert run.check_update(press(JoinRound(round_id=7).pack()))[0] is other
    assert run.check_update(press("rd.leave:7")) is None


def test_the_application_gathers_runs_without_changing_their_order(app) -> None:
    from handlers.presses import PressRun

    group = app.handlers[0]
    assert any(isinstance(h, PressRun) for h in group)
    assert not any(isinstance(a, Press) and isinstance(b, Press) for a, b in zip(group, group[1:], strict=False))


def text(value: str) -> Update:
    from telegram import MessageEntity

    user = User(5_000_000_321, "Kari", False)
    entities = [MessageEntity(MessageEntity.BOT_COMMAND, 0, len(value.split()[0]))] if value.startswith("/") else None
    message = Message(2, datetime.now(UTC), Chat(5_000_000_321, ChatType.PRIVATE), from_user=user, text=value,  # type: ignore[arg-type]
                      entities=entities)
    return Update(2, message=message)


def test_a_flow_answers_as_ptb_would_for_someone_not_in_it(app) -> None:
    """The flows' quick answer ("starts none of it") agrees with PTB's own walk over their entry points."""
    from telegram.ext import ConversationHandler

    from bot.callbacks import _PREFIXES
    from handlers.flows import Flow

    samples = [text("hei"), text("⚙️ Innstillinger"), *(text(f"/{c}") for c in ("nyrunde", "utsending", "start", "hjelp"))]
    samples += [press(f"{prefix}:1") for prefix in _PREFIXES] + [press("rd:join:7"), press("")]
    samples = [Update.de_json(update.to_dict(), app.bot) for update in samples]  # as they arrive, with the bot
    flows = [h for group in app.handlers.values() for h in group if isinstance(h, Flow)]
    assert flows
    for flow in flows:
        for update in samples:
            ours, ptbs = flow.check_update(update), ConversationHandler.check_update(flow, update)
            assert (ours is None) == (ptbs is None), (flow.name, update.to_dict())
