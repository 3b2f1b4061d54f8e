"""Random updates from a seed, and a small world to throw them at (tests/test_fuzz.py, bench/faults.py).

`Fuzzer(seed, world, api).update()` returns one update as Telegram's JSON: known and unknown
commands, menu labels, random and overlong text in odd unicode, button presses (real buttons from
the chat, well-formed data of every callback family with random, out-of-range or foreign ids,
mutated data, random bytes), contacts with one's own or someone else's number, locations,
documents, photos, stickers, group, supergroup and channel chats, edited messages, blocks, polls and
inline queries (updates with no user). The same seed and the same answers give the same updates.
"""

from __future__ import annotations

import itertools
import random
import time
import typing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot import callbacks
from bot.commands import BOARD_COMMANDS, COMMANDS
from tests.harness.fake_api import BOT_ID, BOT_USERNAME, FakeBotAPI

UNICODE = [
    "abcdefghijklmnopqrstuvwxyz", "ÆØÅæøå", "0123456789", "      ", ".,;:!?-_/\\'\"()[]{}<>@#%&*+=~|$^`",
    "😀👍🏽👩‍👩‍👧‍👦🇳🇴❤️", "مرحبا بالعالم", "שלום", "\u0301\u0308\u20dd", "\u200b\u200c\u200d\u2060\ufeff",
    "\u202e\u202d\u2066", "你好世界", "𝕳𝖊𝖑𝖑𝖔𝟘", "\x01\x07\x1b\x7f", "\t\n\r", "ẞﬁǅ", "\U0001f9ec\U000e0067",
]
ODD_TEXTS = [
    "stopp", "STOP!", "avslutt", "ja", "nei", "Ferdig", "{name}", "{0}", "%s%s%n", "'; DROP TABLE members;--",
    "<b>fet</b>", "=1+2", "@SUM(A1)", "+4791234567", "912 34 567", "0047 91234567", "31.04", "29.02.2027",
    "29.02.2028 18:00", "25:61", "i morgen kl 18", "-1", "0", "9" * 40, "1e309", "NaN", "null", "\\N",
]


@dataclass
class World:
    """What the fuzzer knows of the database: people (Telegram id, phone) and row ids."""

    members: list[tuple[int, str]]  # (telegram id, phone in the register)
    strangers: list[int]
    ids: list[int] = field(default_factory=list)  # ids of rounds, events, campaigns, members, rows …
    groups: list[int] = field(default_factory=lambda: [-4_100_000_001, -1_002_100_000_001])
    channel: int = -1_009_900_000_001


class Fuzzer:
    def __init__(self, seed: int, world: World, api: FakeBotAPI) -> None:
        self.random = random.Random(seed)
        self.world, self.api = world, api
        self.update_ids = itertools.count(10_000_000 + seed * 1_000_000)
        self.message_ids = itertools.count(1)
        self.kinds: dict[str, int] = {}
        self.commands = [c for row in COMMANDS + BOARD_COMMANDS for c in row[:2]]
        self.families = sorted(callbacks._PREFIXES.values(), key=lambda family: family.prefix)  # noqa: SLF001

    # ---- the update ----------------------------------------------------------------------------

    def update(self) -> dict[str, Any]:
        kinds = [(self.text_message, 30), (self.press, 30), (self.contact, 5), (self.media, 6), (self.location, 3),
                 (self.edited, 4), (self.group_message, 6), (self.channel_post, 2), (self.blocked, 2),
                 (self.userless, 2), (self.inline_query, 1), (self.reply_to_bot, 3)]
        make = self.random.choices([k for k, _w in kinds], weights=[w for _k, w in kinds])[0]
        self.kinds[make.__name__] = self.kinds.get(make.__name__, 0) + 1
        return {"update_id": next(self.update_ids), **make()}

    # ---- people and chats -----------------------------------------------------------------------

    def person(self) -> int:
        pool = [m for m, _phone in self.world.members]
        return self.random.choice(pool) if self.random.random() < 0.8 else self.random.choice(self.world.strangers)

    def user(self, uid: int) -> dict[str, Any]:
        name = self.random.choice(["Kari", "Ola", "Åse", "🦊", "X" * 64])
        data: dict[str, Any] = {"id": uid, "is_bot": False, "first_name": name}
        language = self.random.choice(["nb", "nn", "en", "no", "de", "ar", None])
        if language:
            data["language_code"] = language
        if self.random.random() < 0.3:
            data["username"] = f"user{uid % 10_000}"
        return data

    def private(self, uid: int) -> dict[str, Any]:
        return {"id": uid, "type": "private", "first_name": "Kari"}

    def group(self) -> dict[str, Any]:
        chat = self.random.choice(self.world.groups)
        return {"id": chat, "type": "supergroup" if chat < -1_000_000_000_000 else "group", "title": self.text(20)}

    def message(self, chat: dict[str, Any], sender: dict[str, Any] | None, **content: Any) -> dict[str, Any]:
        message: dict[str, Any] = {"message_id": next(self.message_ids), "date": int(time.time()), "chat": chat, **content}
        if sender is not None:
            message["from"] = sender
        return message

    # ---- text -----------------------------------------------------------------------------------

    def text(self, limit: int = 60) -> str:
        roll = self.random.random()
        if roll < 0.05:
            return "".join(self.random.choice(UNICODE[0]) for _ in range(self.random.choice([4097, 5000, 12000])))
        if roll < 0.2:
            return self.random.choice(ODD_TEXTS)
        length = self.random.randint(1, limit)
        return "".join(self.random.choice(self.random.choice(UNICODE)) for _ in range(length)) or "x"

    def body(self, uid: int) -> dict[str, Any]:
        roll = self.random.random()
        if roll < 0.3:
            command = self.random.choice(self.commands)
            if self.random.random() < 0.2:
                command += f"@{BOT_USERNAME}"
            text = f"/{command}"
            if self.random.random() < 0.3:
                text += " " + self.random.choice(["inv_" + self.text(20), "inv_abc", self.text(30), "42", ""])
            return {"text": text, "entities": [{"type": "bot_command", "offset": 0, "length": len(command) + 1}]}
        if roll < 0.4:
            command = "/" + "".join(self.random.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(self.random.randint(1, 40)))
            return {"text": command, "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}]}
        if roll < 0.65:
            labels = self.reply_labels(uid)
            if labels:
                return {"text": self.random.choice(labels)}
        return {"text": self.text()}

    def reply_labels(self, chat_id: int) -> list[str]:
        for call in reversed(self.api.sent_to(chat_id)[-10:]):
            markup = call.markup or {}
            if "keyboard" in markup:
                return [b["text"] if isinstance(b, dict) else str(b) for row in markup["keyboard"] for b in row]
        return []

    # ---- kinds of update --------------------------------------------------------------------------

    def text_message(self) -> dict[str, Any]:
        uid = self.person()
        return {"message": self.message(self.private(uid), self.user(uid), **self.body(uid))}

    def reply_to_bot(self) -> dict[str, Any]:
        uid = self.person()
        shown = self.api.chats.get(uid) or []
        content = self.body(uid)
        if shown:
            bot_message = self.random.choice(shown[-5:])
            content["reply_to_message"] = {"message_id": bot_message.message_id, "date": int(time.time()),
                                           "chat": self.private(uid), "text": bot_message.text or "-",
                                           "from": {"id": BOT_ID, "is_bot": True, "first_name": "lagbot"}}
        return {"message": self.message(self.private(uid), self.user(uid), **content)}

    def edited(self) -> dict[str, Any]:
        uid = self.person()
        message = self.message(self.private(uid), self.user(uid), **self.body(uid))
        message["edit_date"] = int(time.time())
        return {"edited_message": message}

    def group_message(self) -> dict[str, Any]:
        uid = self.person()
        chat = self.group()
        roll = self.random.random()
        if roll < 0.15:
            return {"message": self.message(chat, self.user(uid), new_chat_members=[
                {"id": BOT_ID, "is_bot": True, "first_name": "lagbot", "username": BOT_USERNAME}])}
        if roll < 0.3:  # an anonymous admin: the group itself is the sender
            return {"message": self.message(chat, {"id": 1087968824, "is_bot": True, "first_name": "Group"},
                                            sender_chat=chat, text=self.text())}
        if roll < 0.5 and (data := self.callback_data(uid)) is not None:
            bot_message = {"message_id": self.random.randint(1, 999), "date": 0, "chat": chat}  # too old to show
            return {"callback_query": {"id": str(next(self.message_ids)), "from": self.user(uid), "chat_instance": "g",
                                       "data": data, "message": bot_message}}
        return {"message": self.message(chat, self.user(uid), **self.body(uid))}

    def channel_post(self) -> dict[str, Any]:
        chat = {"id": self.world.channel, "type": "channel", "title": "Kanal"}
        key = self.random.choice(["channel_post", "edited_channel_post"])
        post = self.message(chat, None, sender_chat=chat, text=self.text())
        if key == "edited_channel_post":
            post["edit_date"] = int(time.time())
        return {key: post}

    def userless(self) -> dict[str, Any]:
        """Reactions counted on a group message: an update with a chat and no user."""
        return {"message_reaction_count": {"chat": self.group(), "message_id": self.random.randint(1, 100),
                                           "date": int(time.time()),
                                           "reactions": [{"type": {"type": "emoji", "emoji": "👍"}, "total_count": 2}]}}

    def inline_query(self) -> dict[str, Any]:
        uid = self.person()
        return {"inline_query": {"id": str(next(self.message_ids)), "from": self.user(uid), "query": self.text(20),
                                 "offset": ""}}

    def blocked(self) -> dict[str, Any]:
        uid = self.person()
        old, new = self.random.choice([("member", "kicked"), ("kicked", "member")])
        bot = {"id": BOT_ID, "is_bot": True, "first_name": "lagbot"}
        def state(status: str) -> dict[str, Any]:
            return {"user": bot, "status": status, **({"until_date": 0} if status == "kicked" else {})}

        return {"my_chat_member": {"chat": self.private(uid), "from": self.user(uid), "date": int(time.time()),
                                   "old_chat_member": state(old), "new_chat_member": state(new)}}

    def contact(self) -> dict[str, Any]:
        uid = self.person()
        phones = [phone for _m, phone in self.world.members]
        phone = self.random.choice(phones + ["+4799999999", "12", "+" + "9" * 30, self.text(20), "004791234567"])
        contact: dict[str, Any] = {"phone_number": phone, "first_name": "Kari"}
        owner = self.random.random()
        if owner < 0.6:
            contact["user_id"] = uid  # one's own (as the share button sends it)
        elif owner < 0.8:
            contact["user_id"] = self.person()  # someone else's contact card
        return {"message": self.message(self.private(uid), self.user(uid), contact=contact)}

    def location(self) -> dict[str, Any]:
        uid = self.person()
        latitude = self.random.choice([63.43, 0.0, -90.0, 90.0, self.random.uniform(-90, 90)])
        longitude = self.random.choice([10.39, 0.0, 180.0, -180.0, self.random.uniform(-180, 180)])
        key = "venue" if self.random.random() < 0.2 else "location"
        location = {"latitude": latitude, "longitude": longitude}
        content: dict[str, Any] = {"location": location}
        if key == "venue":
            content["venue"] = {"location": location, "title": self.text(20), "address": self.text(20)}
        return {"message": self.message(self.private(uid), self.user(uid), **content)}

    def media(self) -> dict[str, Any]:
        uid = self.person()
        n = next(self.message_ids)
        kind = self.random.choice(["document", "photo", "sticker", "voice", "video_note", "dice"])
        content: dict[str, Any]
        if kind == "document":
            content = {"document": {"file_id": f"d{n}", "file_unique_id": f"u{n}", "file_size": self.random.randint(0, 2**31),
                                    "file_name": self.random.choice(["medlemmer.csv", "x.exe", self.text(40)]),
                                    "mime_type": self.random.choice(["text/csv", "application/pdf", "image/png"])}}
        elif kind == "photo":
            content = {"photo": [{"file_id": f"p{n}", "file_unique_id": f"u{n}", "width": 90, "height": 90}]}
        elif kind == "sticker":
            content = {"sticker": {"file_id": f"s{n}", "file_unique_id": f"u{n}", "type": "regular", "width": 512,
                                   "height": 512, "is_animated": False, "is_video": False, "emoji": "👍"}}
        elif kind == "voice":
            content = {"voice": {"file_id": f"v{n}", "file_unique_id": f"u{n}", "duration": 3}}
        elif kind == "video_note":
            content = {"video_note": {"file_id": f"n{n}", "file_unique_id": f"u{n}", "length": 240, "duration": 2}}
        else:
            content = {"dice": {"emoji": "🎲", "value": self.random.randint(1, 6)}}
        if kind in ("document", "photo") and self.random.random() < 0.5:
            content["caption"] = self.text()
        return {"message": self.message(self.private(uid), self.user(uid), **content)}

    # ---- button presses ---------------------------------------------------------------------------

    def press(self) -> dict[str, Any]:
        uid = self.person()
        shown = [m for m in (self.api.chats.get(uid) or [])[-8:]]
        data = self.callback_data(uid)
        query: dict[str, Any] = {"id": str(next(self.message_ids)), "from": self.user(uid), "chat_instance": f"ci{uid}"}
        if data is not None:
            query["data"] = data
        if shown and self.random.random() < 0.9:
            message = self.random.choice(shown)
            bot_message: dict[str, Any] = {"message_id": message.message_id, "date": int(time.time()),
                                           "chat": self.private(uid), "text": message.text or "-",
                                           "from": {"id": BOT_ID, "is_bot": True, "first_name": "lagbot"}}
            if message.markup and "inline_keyboard" in message.markup:
                bot_message["reply_markup"] = message.markup
            query["message"] = bot_message
        else:  # a message too old for Telegram to include: chat and id only (date 0)
            query["message"] = {"message_id": self.random.randint(1, 999), "date": 0, "chat": self.private(uid)}
        return {"callback_query": query}

    def callback_data(self, uid: int) -> str | None:
        roll = self.random.random()
        real = [data for m in (self.api.chats.get(uid) or [])[-8:] for _label, data in m.inline_buttons
                if data and not data.startswith("http")]
        if roll < 0.4 and real:
            return self.random.choice(real)
        if roll < 0.75:
            return self.well_formed()
        if roll < 0.85 and real:
            return self.mutate(self.random.choice(real))
        if roll < 0.9:
            return None  # a game button: no data at all
        raw = bytes(self.random.getrandbits(8) for _ in range(self.random.randint(0, 100)))
        return raw.decode(self.random.choice(["latin-1", "utf-8"]), errors="replace")

    def well_formed(self) -> str:
        family = self.random.choice(self.families)
        values = [self.value(kind) for _name, kind in family._spec()]  # noqa: SLF001
        return callbacks.SEPARATOR.join([family.prefix, *values])

    def value(self, kind: Any) -> str:
        origin = typing.get_origin(kind)
        if origin is typing.Literal:
            choices = [str(c) for c in typing.get_args(kind)]
            return self.random.choice(choices) if self.random.random() < 0.9 else self.text(8)
        if kind is bool:
            return self.random.choice(["0", "1", "1", "2", ""])
        if kind is str:
            return self.random.choice(["nb", "nn", "en", "midtbyen", "doorknock", "x", self.text(10), ""])
        return self.number()

    def number(self) -> str:
        roll = self.random.random()
        if roll < 0.5 and self.world.ids:
            return str(self.random.choice(self.world.ids))
        if roll < 0.6:
            return str(self.random.choice([m for m, _p in self.world.members]))
        return self.random.choice(["0", "1", "2", "-1", str(2**31), str(2**63 - 1), str(2**63), "9" * 20, "", "1.5",
                                   "١٢", "0x10", str(self.random.randint(1, 10_000))])

    def mutate(self, data: str) -> str:
        roll = self.random.random()
        if roll < 0.3:
            return data[: self.random.randint(0, len(data))]
        if roll < 0.6:
            digits = [i for i, ch in enumerate(data) if ch.isdigit()]
            if digits:
                i = self.random.choice(digits)
                return data[:i] + str(self.random.randint(0, 9)) + data[i + 1:]
        if roll < 0.8:
            return data + callbacks.SEPARATOR + self.number()
        return data.replace(callbacks.SEPARATOR, self.random.choice([";", "::", " ", ""]), 1)


def clock_steps(rng: random.Random, start: datetime) -> typing.Iterator[datetime]:
    """Simulated time that moves on by seconds to hours between updates."""
    now = start
    while True:
        now += timedelta(seconds=rng.choice([1, 5, 30, 300, 3600]))
        yield now


async def build_world(app: Any, api: FakeBotAPI, clock: Any, admin_id: int, first_id: int = 6_300_000_001) -> World:
    """A few realistic people and activities: an admin, board, caller, leader, welcomer and members
    in nb, nn and en; a member in the register who has not started; a round, an event, a phone round."""
    from bot.runtime import RUNTIME_KEY
    from models import broadcast as bc
    from models import events as ev
    from models import phonebank as pb
    from models import rounds as rd
    from models.membership import grant_role, member_by_telegram
    from models.register import import_register
    from tests.harness.user import FakeUser
    from tests.helpers import onboard

    db = app.bot_data[RUNTIME_KEY].db
    cast = [(admin_id, "nb", None), (first_id, "nb", "board"), (first_id + 1, "nn", "caller"),
            (first_id + 2, "en", "leader"), (first_id + 3, "nb", "welcomer"), (first_id + 4, "nn", None),
            (first_id + 5, "en", None)]
    members: list[tuple[int, str]] = []
    ids: list[int] = []
    for n, (uid, language, role) in enumerate(cast):
        phone = f"+479100{n:04d}"
        user = FakeUser(app, api, uid, language_code=language)
        await onboard(user, phone, lang=language)
        members.append((uid, phone))
        async with db.session() as session:
            member = await member_by_telegram(session, uid)
            assert member is not None, f"{uid} was not onboarded"
            ids.append(member.id)
            if role:
                await grant_role(session, member, role)
    async with db.session() as session:
        await import_register(session, b"navn;telefon;medlemsnummer\nRegi Ster;+4791009999;9999\n")
        members.append((first_id + 99, "+4791009999"))
        now = clock()
        for days, capacity in ((3, 2), (10, 8)):
            round_ = await rd.create_round(session, title=f"Dørbank {days}", district="midtbyen",
                                           starts_at=now + timedelta(days=days), ends_at=now + timedelta(days=days, hours=3),
                                           meeting_point="Torget", capacity=capacity, now=now)
            ids.append(round_.id)
        event = await ev.create_event(session, kind="social", title="Brettspill", starts_at=now + timedelta(days=5),
                                      ends_at=now + timedelta(days=5, hours=3), place="Tapperiet", now=now)
        ids.append(event.id)
        campaign, _targets = await pb.create_campaign(session, name="Ring rundt", purpose="Verv", scripts={"nb": "Hei!"},
                                                      audience=bc.Audience(), now=now)
        ids.append(campaign.id)
    strangers = [first_id + 500 + n for n in range(5)] + [12345, 2**31 - 1]
    return World(members=members, strangers=strangers, ids=sorted(set(ids)))


async def drive(app: Any, fuzzer: Fuzzer, count: int, clock: Any, *, tick_every: int = 50) -> dict[str, Any]:
    """Process `count` random updates through the Application; the outbox is sent every `tick_every`.
    Returns how many updates, how many raised out of the Application, and the handler errors."""
    from telegram import Update

    from bot.runtime import RUNTIME_KEY
    from tests.helpers import tick

    runtime = app.bot_data[RUNTIME_KEY]
    escaped: list[str] = []
    errors_before = runtime.error_count
    steps = clock_steps(fuzzer.random, clock())
    for n in range(count):
        raw = fuzzer.update()
        if fuzzer.random.random() < 0.2:
            clock.set(next(steps))
        try:
            await app.process_update(Update.de_json(raw, app.bot))
        except Exception as exc:  # noqa: BLE001 - counted: nothing may escape the Application
            escaped.append(f"{type(exc).__name__}: {exc} in {raw!r:.300}")
        if n % tick_every == tick_every - 1:
            try:
                await tick(app)
            except Exception as exc:  # noqa: BLE001
                escaped.append(f"tick: {type(exc).__name__}: {exc}")
    return {"updates": count, "escaped": escaped, "handler_errors": [repr(e) for e in list(runtime.errors)],
            "unhandled": len(escaped) + runtime.error_count - errors_before, "kinds": dict(fuzzer.kinds)}
