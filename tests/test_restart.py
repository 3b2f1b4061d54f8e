"""A conversation in progress survives a restart: state and user data live in the database."""

from __future__ import annotations

from bot.app import build_application
from models import ConversationRow, PersistedData
from tests.harness import FakeUser
from tests.helpers import count, stored


async def test_onboarding_continues_after_restart(db, settings, api, clock, make_user):
    first_app = None
    user = make_user(language_code="nn")
    first_app = user.app
    await user.send("/start round_42")  # a payload that waits until onboarding is done
    await user.press("Ja, eg godtek")
    await user.share_contact("+4791234567")
    await first_app.shutdown()  # flushes persistence, as a clean stop does
    assert await count(db, ConversationRow) == 1
    assert await count(db, PersistedData) == 1

    second_app = build_application(settings, db, request=api, clock=clock)
    await second_app.initialize()
    try:
        again = FakeUser(second_app, api, user.user_id, language_code="nn")
        district = await again.press("Østbyen")
        assert "Kva har du lyst til å bidra med?" in district.text
        assert second_app.user_data[user.user_id]["after_onboarding"] == "round_42"
        await again.press("Ferdig", exact=True)
        member = await stored(db, user.user_id)
        assert member is not None and member.district == "ostbyen" and member.onboarded_at is not None
    finally:
        await second_app.shutdown()
    # The app fixture shuts the first app down again; that must be harmless.
    await first_app.initialize()
