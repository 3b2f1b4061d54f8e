"""District names as people write them ("Østbyen", "østbyen", "Ostbyen", "utenfor Trondheim") read
into the stored keys (constants.DISTRICTS), for every command and file that names a district."""

from __future__ import annotations

import unicodedata

from models.constants import DISTRICTS
from models.errors import UnknownChoice

# Spellings beyond the key itself, folded (lower case, no accents, ø → o).
OTHER_NAMES: dict[str, str] = {
    "utenfor": "outside",
    "utanfor": "outside",
    "utenfor trondheim": "outside",
    "utanfor trondheim": "outside",
    "outside trondheim": "outside",
    "sentrum": "midtbyen",
}
FOLD = str.maketrans({"ø": "o", "æ": "ae", "å": "a"})


def fold(value: str) -> str:
    text = " ".join(value.strip().lower().translate(FOLD).split())
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def read_district(value: str) -> str:
    """The district key for a name as written; UnknownChoice names what was not understood."""
    key = fold(value)
    if key in DISTRICTS:
        return key
    if key in OTHER_NAMES:
        return OTHER_NAMES[key]
    raise UnknownChoice(f"district '{value}' is not one of Midtbyen, Østbyen, Lerkendal, Heimdal, utenfor")
