"""A declined consent keeps only a keyed hash of the Telegram id, with a key lagbot made itself."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select

from models import ConsentRefusal
from models.secrets import TELEGRAM_HASH, secret


async def test_a_refusal_is_a_keyed_hash_the_id_cannot_be_tried_against(db, make_user):
    user = make_user()
    await user.send("/start")
    await user.press("Nei takk")
    async with db.session() as session:
        refusal = await session.scalar(select(ConsentRefusal))
        key = await secret(session, TELEGRAM_HASH)
    bare = hashlib.sha256(f"lagbot:{user.user_id}".encode()).hexdigest()
    assert refusal.hash_kind == "hmac" and refusal.telegram_hash != bare
    assert refusal.telegram_hash == hmac.new(key, f"lagbot:{user.user_id}".encode(), hashlib.sha256).hexdigest()


async def test_the_secret_is_made_once_and_kept(db):
    async with db.session() as session:
        first = await secret(session, "example")
    async with db.session() as session:
        again = await secret(session, "example")
    assert first == again and len(first) == 32
