"""Drive the real python-telegram-bot Application offline: a fake Bot API and a fake user."""

from tests.harness.fake_api import ApiCall, FakeBotAPI
from tests.harness.user import FakeUser

__all__ = ["ApiCall", "FakeBotAPI", "FakeUser"]
