"""Typed callback data: one small class per button family, packed where the button is built and
parsed where it is handled (after aiogram's `CallbackData`).

`Join(round_id=42).pack()` gives "rd.join:42"; `Join.parse("rd.join:42")` gives it back, checked:
ids are positive integers that fit a 64-bit column, words are short and plain, choices are one of
their `Literal` values, and the whole fits Telegram's 64 bytes. Anything else is `BadCallback`,
which the handlers answer as a stale button instead of raising.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal, Self, get_args, get_origin, get_type_hints

MAX_BYTES = 64
MAX_ID = 2**63 - 1
SEPARATOR = ":"
_WORD = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


class BadCallback(ValueError):
    """Callback data that is not (or no longer) one of ours."""


class _IdMarker:
    """A positive 64-bit integer: a database row or a Telegram id."""


class _NumberMarker:
    """A non-negative integer below 2**63: a page, an index, a count."""


Id = Annotated[int, _IdMarker]
Number = Annotated[int, _NumberMarker]

_PREFIXES: dict[str, type[CallbackData]] = {}


class CallbackData:
    """Base of every button family; subclasses are frozen dataclasses with a unique `prefix`."""

    prefix: ClassVar[str]
    _fields: ClassVar[tuple[tuple[str, Any], ...]]

    def __init_subclass__(cls, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _WORD.match(prefix) or prefix in _PREFIXES:
            raise TypeError(f"callback prefix {prefix!r} is not a unique word")
        cls.prefix = prefix
        _PREFIXES[prefix] = cls

    @classmethod
    def _spec(cls) -> tuple[tuple[str, Any], ...]:
        if "_fields" not in cls.__dict__:
            hints = get_type_hints(cls, include_extras=True)
            cls._fields = tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))  # type: ignore[arg-type]
        return cls._fields

    def pack(self) -> str:
        parts = [self.prefix]
        for name, kind in self._spec():
            value = getattr(self, name)
            _check(kind, value)
            parts.append(_encode(value))
        data = SEPARATOR.join(parts)
        if len(data.encode("utf-8")) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def parse(cls, data: object) -> Self:
        if not isinstance(data, str) or len(data.encode("utf-8")) > MAX_BYTES:
            raise BadCallback(data)
        prefix, *values = data.split(SEPARATOR)
        spec = cls._spec()
        if prefix != cls.prefix or len(values) != len(spec):
            raise BadCallback(data)
        decoded = {name: _decode(kind, text, data) for (name, kind), text in zip(spec, values, strict=True)}
        return cls(**decoded)

    @classmethod
    def owns(cls, data: object) -> bool:
        """Whether the press is of this family, by its prefix alone. Every press is offered to every
        handler's pattern: another family's press is turned away without parsing (and raising) for it."""
        return prefix_of(data) == cls.prefix

    @classmethod
    def matches(cls, data: object) -> bool:
        if not cls.owns(data):
            return False
        try:
            cls.parse(data)
        except BadCallback:
            return False
        return True

    @classmethod
    def filter(cls) -> Callable[[object], bool]:
        """For `CallbackQueryHandler(pattern=…)`: the press is ours and well-formed."""
        return cls.matches

    @classmethod
    def family(cls) -> Callable[[object], bool]:
        """Any press with this prefix, well-formed or not (to answer a forged one as stale)."""
        return lambda data: prefix_of(data) == cls.prefix


def callback(prefix: str) -> Callable[[type], Any]:
    """Declare a button family: `@callback("rd.join") class Join: round_id: Id`."""

    def decorate(cls: type) -> Any:
        namespace = {k: v for k, v in cls.__dict__.items() if k not in ("__dict__", "__weakref__")}
        made = type(cls.__name__, (CallbackData,), namespace, prefix=prefix)
        made.__module__, made.__qualname__ = cls.__module__, cls.__qualname__
        return dataclasses.dataclass(frozen=True)(made)

    return decorate


def _check(kind: Any, value: Any) -> None:
    _decode(kind, _encode(value), repr(value))


def _encode(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if value is None:
        return ""
    return str(value)


def _decode(kind: Any, text: str, data: object) -> Any:
    origin = get_origin(kind)
    if origin is Annotated:
        base, *marks = get_args(kind)
        number = _integer(text, data)
        low = 1 if _IdMarker in marks else 0
        if not low <= number <= MAX_ID:
            raise BadCallback(data)
        return number
    if origin is Literal:
        choices = {str(choice): choice for choice in get_args(kind)}
        if text not in choices:
            raise BadCallback(data)
        return choices[text]
    if kind is bool:
        if text not in ("0", "1"):
            raise BadCallback(data)
        return text == "1"
    if kind is int:
        number = _integer(text, data)
        if not 0 <= number <= MAX_ID:
            raise BadCallback(data)
        return number
    if kind is str:
        if not _WORD.match(text):
            raise BadCallback(data)
        return text
    if kind == (Id | None) or kind == (Number | None):  # optional id: empty means none
        return None if text == "" else _decode(get_args(kind)[0], text, data)
    raise TypeError(f"unsupported callback field type {kind!r}")


def _integer(text: str, data: object) -> int:
    if not text.isdigit() or len(text) > 19:
        raise BadCallback(data)
    return int(text)


PREFIXES_ATTR = "lagbot_prefixes"


def prefixes_of(pattern: object) -> frozenset[str] | None:
    """The prefixes a `pattern=` can accept, where it says (a family's `filter()`, or a function
    marked with `with_prefixes`); None when it could accept anything."""
    owner = getattr(pattern, "__self__", None)
    if isinstance(owner, type) and issubclass(owner, CallbackData):
        return frozenset({owner.prefix})
    return getattr(pattern, PREFIXES_ATTR, None)


def prefix_of(data: object) -> str | None:
    """The family prefix a press's data names (None for data that is not text)."""
    return data.partition(SEPARATOR)[0] if isinstance(data, str) else None


def with_prefixes(pattern: Callable[[object], bool], *families: type[CallbackData],
                  extra: tuple[str, ...] = ()) -> Callable[[object], bool]:
    """Mark a `pattern=` function as accepting only presses of these families (and `extra` prefixes)."""
    setattr(pattern, PREFIXES_ATTR, frozenset({f.prefix for f in families} | set(extra)))
    return pattern


def family_of(data: object) -> type[CallbackData] | None:
    """The button family a press claims to belong to (for answering stale or forged ones)."""
    prefix = prefix_of(data)
    return None if prefix is None else _PREFIXES.get(prefix)
