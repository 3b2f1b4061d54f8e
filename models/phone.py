"""Phone numbers: everything is compared in E.164 (+4791234567)."""

from __future__ import annotations

import re

import phonenumbers

from models.errors import InvalidPhone

DEFAULT_REGION = "NO"


def normalise_phone(raw: str) -> str:
    """Return `raw` in E.164, reading bare numbers as Norwegian; raise InvalidPhone."""
    text = (raw or "").strip()
    digits = re.sub(r"[^\d+]", "", text)
    if not digits:
        raise InvalidPhone(raw)
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


def display_phone(e164: str) -> str:
    """Format for people: +47 912 34 567."""
    try:
        parsed = phonenumbers.parse(e164, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
