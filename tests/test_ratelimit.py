"""The dispatcher's pacing stays within Telegram's limits (on a simulated clock)."""

from __future__ import annotations

from bot.ratelimit import RateLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def window_max(times: list[float], width: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= width:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_overall_rate_and_per_chat_spacing():
    clock = FakeTime()
    limiter = RateLimiter(30, 1.0, 20, clock=clock, sleep=clock.sleep)
    slots = [limiter.reserve(chat) for chat in range(1, 301)]
    assert window_max(slots, 1.0) <= 30
    assert slots[-1] < 300 / 30 / 0.95  # and not much slower than allowed
    same_chat = [limiter.reserve(42) for _ in range(5)]
    gaps = [b - a for a, b in zip(same_chat, same_chat[1:], strict=False)]
    assert min(gaps) >= 1.0


async def test_group_limit_per_minute_and_pause():
    clock = FakeTime()
    limiter = RateLimiter(30, 1.0, 20, clock=clock, sleep=clock.sleep)
    slots = [limiter.reserve(-100) for _ in range(45)]
    assert window_max(slots, 60.0) <= 20
    limiter.pause_chat(7, 12)
    assert limiter.reserve(7) >= clock.now + 12
    await limiter.acquire(8)
    assert clock.now > 0  # acquire sleeps until its slot


async def test_a_short_429_on_a_reply_is_waited_out_and_asked_again(app, api, make_user, db, clock):
    """Two messages to one chat in quick succession: Telegram says 429, retry after 1 s. The reply
    is sent again after the wait instead of the member being told that something went wrong."""
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    app.bot.rate_limiter.sleep = no_sleep
    user = make_user()
    await user.send("/start")
    await user.press("Ja, jeg godtar")
    api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=user.chat_id)
    answer = await user.share_contact("+4791299998")  # not in the register: two messages at once
    assert waits == [1.0]
    assert any("står ikke i medlemsregisteret" in text for text in answer.texts)
    assert any("Hvilken bydel" in text for text in answer.texts)
    assert not any("gikk galt" in text for text in answer.texts)
    # The same for an answer to a button press and an edit.
    api.fail("editMessageText", 429, "Too Many Requests: retry after 2", retry_after=2, chat_id=user.chat_id)
    api.fail("answerCallbackQuery", 429, "Too Many Requests: retry after 1", retry_after=1)
    pressed = await user.press("Midtbyen")
    assert sorted(waits) == [1.0, 1.0, 2.0]  # the first reply, then the answer and the edit
    assert not any("gikk galt" in text for text in pressed.texts)


async def test_a_long_429_is_not_waited_and_the_dispatcher_handles_its_own(app, api, make_user, db, clock):
    from datetime import timedelta

    from telegram.error import RetryAfter

    from bot.ratelimit import NO_RETRY, RetryShortWaits
    from models import outbox as box
    from tests.helpers import onboard, stored, tick

    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    limiter = RetryShortWaits(max_wait=5.0, sleep=no_sleep)
    calls = 0

    async def flood(seconds: int) -> str:
        nonlocal calls
        calls += 1
        raise RetryAfter(seconds)

    for seconds, args in ((30, None), (1, NO_RETRY)):
        try:
            await limiter.process_request(flood, (seconds,), {}, "sendMessage", {"chat_id": 1}, args)
        except RetryAfter:
            pass
        else:
            raise AssertionError("a long wait, or a caller that handles 429 itself, gets the 429")
    assert calls == 2 and waits == []  # each asked once, nothing waited
    try:
        await limiter.process_request(flood, (1,), {}, "sendMessage", {"chat_id": 1}, None)
    except RetryAfter:
        pass
    assert calls == 5 and waits == [1.0, 1.0]  # asked again twice (max_retries), then given up

    # The outbox dispatcher puts a 429'd row back itself; the bot's limiter does not wait for it.
    app.bot.rate_limiter.sleep = no_sleep
    user = make_user()
    await onboard(user)
    async with db.session() as session:
        await box.schedule(session, dedupe_key="notice:flood", kind="notice", text="Vent", due_at=clock(),
                           member_id=(await stored(db, user.user_id)).id)
    api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=user.chat_id)
    await tick(app)
    async with db.session() as session:
        [row] = await box.rows_with_prefix(session, "notice:flood")
    assert row.status == "pending" and row.due_at == clock() + timedelta(seconds=1) and waits == [1.0, 1.0]


async def test_the_dispatcher_leaves_the_overall_limit_to_replies_but_is_never_starved():
    """Telegram's 30 messages a second count a handler's replies too: while members are answered,
    the dispatcher sends what is left over, and at least a fifth of the limit."""

    class Ticking(FakeTime):
        async def sleep(self, seconds: float) -> None:
            self.now += max(seconds, 1e-9)  # a real clock always moves on

    clock = Ticking()
    limiter = RateLimiter(30, 0.0, 20, clock=clock, sleep=clock.sleep, safety=1.0)
    for _ in range(25):
        limiter.note_other_send()  # a rush: 25 replies in this second
    sent = []
    for chat in range(1, 61):
        await limiter.acquire(chat)
        sent.append(clock.now)
    first_second = [t for t in sent if t < 1.0]
    assert len(first_second) == 6  # 30 - 25 would be 5, but a fifth of the limit is kept
    assert window_max(sent, 1.0) <= 30  # once the rush is over, the whole limit again
    assert sent[-1] < 3.0


async def test_replies_are_told_to_the_dispatchers_limiter(app, make_user, db):
    """The app's request hook counts each message a handler sends, not the dispatcher's own."""
    from bot.runtime import RUNTIME_KEY

    limiter = app.bot_data[RUNTIME_KEY].dispatcher.limiter
    before = len(limiter._others)
    user = make_user()
    answer = await user.send("/start")
    assert answer.texts
    assert len(limiter._others) - before == len(answer.texts)
