"""Column types that hand the code clinical enums and JSON values while storing the same text as
before (migration 0009): the vault, the outbox and the sync wire hold exactly what they held when
these columns were `Mapped[str]`.

- `enum_type`: a clinical `StrEnum` stored as its value (not its member name) in a VARCHAR with a
  named CHECK constraint, so a row outside the enum cannot be written by any code path, and a
  string that is not one of its values is refused before it reaches the database.
- `JsonText`: a JSON value in a TEXT column, written with the one set of `json.dumps` options the
  services always used (sorted keys, non-ASCII kept). Sync still carries the text (`to_text`,
  `from_text`), so the hub and older laptops see the same payloads.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Enum, Text, TypeDecorator, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapper

E = TypeVar("E", bound=enum.StrEnum)


def _values(members: type[enum.Enum]) -> list[str]:
    return [str(member.value) for member in members]


def enum_type(members: type[E], length: int, name: str) -> Enum:
    """A `members` column stored as its values; `name` names the CHECK (`ck_<table>_<name>`).

    `length` is the column's existing VARCHAR length: values must fit it, and it keeps the sync
    payload rule (its maximum length) what it was.
    """
    return Enum(
        members,
        name=name,
        native_enum=False,
        create_constraint=True,
        values_callable=_values,
        validate_strings=True,
        length=length,
    )


def member_of(column_type: Enum) -> Callable[[Any], Any]:
    """The column's enum member for a stored value (None stays None); a ValueError naming the
    column's enum otherwise."""
    members: dict[str, enum.Enum] = {str(m.value): m for m in column_type.enum_class or ()}

    def convert(value: Any) -> Any:
        if value is None or isinstance(value, enum.Enum):
            return value
        found = members.get(value) if isinstance(value, str) else None
        if found is None:
            raise ValueError(f"{str(value)[:40]!r} is not one of {column_type.name}'s values")
        return found

    return convert


def hold_members(mapper: Mapper[Any], cls: type[Any]) -> None:
    """Make an enum attribute hold its member even when code assigns the value's text (a form's
    choice, a pulled payload): reads in the same session then see what a reload would give."""
    for attr in mapper.column_attrs:
        column_type = attr.columns[0].type
        if isinstance(column_type, Enum) and column_type.enum_class is not None:
            convert = member_of(column_type)
            event.listen(
                getattr(cls, attr.key),
                "set",
                lambda _target, value, _old, _initiator, convert=convert: convert(value),
                retval=True,
            )


def enum_values(column_type: Any) -> tuple[str, ...] | None:
    """The stored values an enum column allows, or None for any other column type."""
    return tuple(column_type.enums) if isinstance(column_type, Enum) else None


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


# What `json.dumps(value, sort_keys=True, ensure_ascii=False, default=_default)` builds on every
# call, built once: `dumps` with these options is exactly `JSONEncoder(...).encode(value)`, and
# `encode` keeps no state between calls (its circular-reference marks are made per call).
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=_default)


def to_text(value: Any) -> str:
    """The stored (and synced) text of a JSON value: stable key order, non-ASCII kept readable.

    These are the options `services.common.dumps` used for every one of these columns, so rows
    written before 0009 read back and re-serialise to the same text.
    """
    return _ENCODER.encode(value)


def from_text(text: str) -> Any:
    return json.loads(text)


# `stored_text` remembers the answer for short texts: the values of these columns that recur
# across records (an empty list of red flags, a NEWS2 subscore map, a care plan's attendees).
# Longer texts (an encounter's answers, mostly different per record) are worked out each time.
# Bounded: when full it starts again, so a peer sending endless different texts costs a clear.
_STORED_LONGEST = 128
_STORED_MAX = 4096
_stored: dict[str, tuple[str | None, Any]] = {}


class UnreadableJson(ValueError):
    """JSON text a pull must not store, with the payload rules' words for why (`why`)."""

    def __init__(self, why: str) -> None:
        super().__init__(f"JSON {why}")
        self.why = why


def _no_constants(name: str) -> Any:
    raise UnreadableJson("holding NaN or Infinity, which JSON does not allow")


def stored_text(text: str) -> str | None:
    """What a `JsonText` column stores for a value that arrived as its text (a pulled record):
    exactly `to_text(from_text(text))`, the bind of the parsed value, None for JSON `null`. The
    same exception as `from_text` for text that is not JSON (nothing is remembered for it), and
    `UnreadableJson` (a ValueError) for JSON nested too deeply to read or holding NaN or Infinity.

    The text comes from another device, and may be on a hub from before the hub refused it
    (`sync.payloads`): `[[[[…]]]]` a few thousand deep, which `json` answers with
    RecursionError. Turned into the ValueError a pull already sets a record aside for, it costs
    that one record, not every later pull of every laptop in the estate. NaN and Infinity are
    not JSON (RFC 8259), though Python's `json` reads them; no laptop writes them, and a score
    of NaN stops the code that turns it into a whole number (a transfer summary's answers)."""
    return stored_and_value(text)[0]


def stored_and_value(text: str) -> tuple[str | None, Any]:
    """`stored_text`, and the parsed value it stores, from one parse (the payload rules check
    the value's shape). The value may be shared with later calls: read it, never change it."""
    short = len(text) <= _STORED_LONGEST
    if short:
        known = _stored.get(text)
        if known is not None:
            return known
    try:
        value = json.loads(text, parse_constant=_no_constants)
        found = (None if value is None else to_text(value), value)
    except RecursionError:
        raise UnreadableJson("nested too deeply to read") from None
    if short:
        if len(_stored) >= _STORED_MAX:
            _stored.clear()
        _stored[text] = found
    return found


class JsonText(TypeDecorator[Any]):
    """A JSON value (dict, list, …) held as text in a TEXT column; empty text reads as None."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else to_text(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return from_text(value) if value else None
