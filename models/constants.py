"""The one home of lagbot's fixed vocabulary: time zone, languages, districts, kinds, themes, roles."""

from __future__ import annotations

from zoneinfo import ZoneInfo

TIMEZONE = "Europe/Oslo"
OSLO = ZoneInfo(TIMEZONE)

LANGUAGES: tuple[str, ...] = ("nb", "nn", "en")
DEFAULT_LANGUAGE = "nb"

DISTRICTS: tuple[str, ...] = ("midtbyen", "ostbyen", "lerkendal", "heimdal", "outside")
INTERESTS: tuple[str, ...] = (
    "doorknock",
    "phoning",
    "social",
    "programme",
    "campaign",
    "courses",
    "district_chapter",
)
ROLES: tuple[str, ...] = ("member", "caller", "leader", "welcomer", "board", "admin", "programme")
# Kinds of messages a member can turn on and off in /innstillinger.
MESSAGE_KINDS: tuple[str, ...] = ("reminders", "nudges", "broadcasts")

EVENT_KINDS: tuple[str, ...] = (
    "social", "member_meeting", "course", "open_meeting", "council_group", "movement_day", "programme",
)
# Tags the board sets on events: the plan's goals count these, not the kind (DECISIONS "The plan on one screen").
EVENT_TAGS: tuple[str, ...] = ("voter_course", "may_day_breakfast", "march_8", "pride", "movements_meeting")
# What people talked about at the doors (door input and round reports).
THEMES: tuple[str, ...] = ("housing", "health", "schools", "climate", "transport", "culture", "economy", "other")

# Seats on one activity (a round or an event): one limit for both.
MAX_CAPACITY = 5000
# The plan's yearly goals (arbeidsplan 2026–2028, D1.3 and D1.6).
ROUNDS_PER_YEAR_GOAL = 10
COURSES_PER_YEAR_GOAL = 2
OPEN_MEETINGS_PER_YEAR_GOAL = 1
