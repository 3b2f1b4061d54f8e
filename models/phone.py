"""Phone numbers: everything is compared in E.164 (+4791234567)."""

from __future__ import annotations

import re
from functools import cache

import phonenumbers

from models.errors import InvalidPhone

DEFAULT_REGION = "NO"


# An eight-digit Norwegian number, bare or with +47, 0047 or a bare 47 in front (spreadsheets drop the +).
NORWEGIAN = re.compile(r"(?:\+47|0047|47)?([2-9]\d{7})")


@cache
def _norwegian_prefix_is_valid(prefix: str) -> bool:
    """libphonenumber's Norwegian ranges are decided by the first five digits (the rest is any digit),
    so one answer per prefix is exact, and an import of 100,000 members asks a few hundred times."""
    return phonenumbers.is_valid_number(phonenumbers.parse(f"+47{prefix}000", DEFAULT_REGION))


def normalise_phone(raw: str) -> str:
    """Return `raw` in E.164, reading bare numbers as Norwegian; raise InvalidPhone."""
    text = (raw or "").strip()
    digits = re.sub(r"[^\d+]", "", text)
    if not digits:
        raise InvalidPhone(raw)
    if (norwegian := NORWEGIAN.fullmatch(digits)) is not None:
        national = norwegian.group(1)
        if not _norwegian_prefix_is_valid(national[:5]):
            raise InvalidPhone(raw)
        return "+47" + national
    # Telegram and spreadsheets drop the '+': "4791234567" is a Norwegian number with its
    # country code, not a ten-digit national one.
    if not digits.startswith("+") and not digits.startswith("00") and len(digits) > 8:
        digits = "+" + digits
    try:
        parsed = phonenumbers.parse(digits, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(raw) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(raw)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# A Norwegian mobile number (4xx xx xxx, 9xx xx xxx), as Norwegians write it: 3-2-3 digits.
NORWEGIAN_MOBILE = re.compile(r"\+47([49]\d{2})(\d{2})(\d{3})")


def display_phone(e164: str) -> str:
    """Format for people: a Norwegian mobile number as +47 913 22 222 (libphonenumber writes it
    +47 91 32 22 22, which reads wrong to a Norwegian caller); others as libphonenumber does
    (+47 22 33 44 55 for a landline, +46 70 123 45 67)."""
    if (mobile := NORWEGIAN_MOBILE.fullmatch(e164 or "")) is not None:
        return "+47 " + " ".join(mobile.groups())
    try:
        parsed = phonenumbers.parse(e164, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
