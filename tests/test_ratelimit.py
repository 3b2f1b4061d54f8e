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
