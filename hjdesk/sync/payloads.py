"""Each synced kind's payload checked against its model before anyone stores it (architecture.md
§5a, "shape").

The hub checks every pushed op with `problem()`; a laptop checks every pulled record the same way
before applying it. The rules come from the ORM models themselves (one description of a record,
not two that drift): every column's type, its length for `String(n)`, dates and times as ISO text,
JSON columns as JSON text a laptop can read, of the shape the model declares (an object where the
code reads keys, an array of text where it lists names), no NUL, and the fields a row cannot be
stored without (NOT NULL and no default). Keys a model does not have are kept (a newer version's
fields) but
must be plain values of bounded size.
"""

from __future__ import annotations

import json
import math
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, Text, inspect
from sqlalchemy.sql.type_api import TypeEngine

from hjdesk.storage.models import NAME_CARD_FIELDS, Base, Signed, StaffNameCard, Synced
from hjdesk.storage.models.base import NAMES_STAFF
from hjdesk.storage.models.column_types import JsonText, UnreadableJson, stored_and_value
from hjdesk.sync.protocol import STAFF_CARD_KIND

# Long free text (narratives, JSON held in Text columns): generous, but bounded.
MAX_TEXT = 100_000
MAX_EXTRA_TEXT = 10_000
# A roll stamp (estate_ids.roll_stamp): as-of time | import time | device id, fixed width.
_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"
_STAMP = re.compile(_TIME + r"\|" + _TIME + r"\|[0-9a-f-]{1,36}")
MAX_STAMPS = 40


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: str  # "str", "json", "int", "float", "bool", "date", "datetime", "stamps"
    max_length: int | None
    nullable: bool
    required: bool
    shape: str = ""  # JSON fields: the value's shape (`_shape_of`), "" for the other kinds


@dataclass(frozen=True, slots=True)
class KindSpec:
    kind: str
    fields: dict[str, Field]
    signed: bool
    has_patient: bool


def _kind_of(column_type: TypeEngine[Any]) -> tuple[str, int | None]:
    if isinstance(column_type, JsonText):  # JSON held as text: checked as text, then as JSON
        return "json", MAX_TEXT
    base = getattr(column_type, "impl", column_type)
    if isinstance(base, JSON):  # the only JSON columns of synced models: roll stamps
        return "stamps", None
    if isinstance(base, DateTime):
        return "datetime", None
    if isinstance(base, Date):
        return "date", None
    if isinstance(base, Boolean):
        return "bool", None
    if isinstance(base, Integer):
        return "int", None
    if isinstance(base, Float):
        return "float", None
    if isinstance(base, Text):
        return "str", MAX_TEXT
    if isinstance(base, String):
        return "str", base.length or MAX_TEXT
    raise TypeError(f"no payload rule for column type {column_type!r}")


# The shapes a JSON column may declare (its `Mapped[...]` hint), and the check of each. The code
# reading these columns relies on the shape (`data.get(…)`, `", ".join(attendees)`): a pulled
# `[]` where an object belongs, or a `null` in a column that cannot be empty, would fail every
# laptop that reads or stores it.
_SHAPES: dict[Any, tuple[str, Callable[[Any], bool]]] = {
    dict[str, Any]: ("object", lambda v: isinstance(v, dict)),
    dict[str, int]: (
        "object of whole numbers",
        lambda v: (
            isinstance(v, dict)
            and all(isinstance(n, int) and not isinstance(n, bool) for n in v.values())
        ),
    ),
    list[str]: (
        "array of text",
        lambda v: isinstance(v, list) and all(isinstance(t, str) for t in v),
    ),
    Any: ("value", lambda v: True),
}
_SHAPE_CHECKS = dict(_SHAPES.values())


def _shape_of(cls: type, key: str) -> str:
    """A JSON column's declared shape, from its model's hint (`X | None` is X's shape: whether
    it may be empty is the column's nullability)."""
    hint = typing.get_type_hints(cls)[key]
    (inner,) = typing.get_args(hint)  # Mapped[inner]
    if isinstance(inner, types.UnionType):
        (inner,) = [arg for arg in typing.get_args(inner) if arg is not type(None)]
    if inner not in _SHAPES:
        raise TypeError(f"no payload rule for the JSON shape {inner!r} of {cls.__name__}.{key}")
    return _SHAPES[inner][0]


@cache
def specs() -> dict[str, KindSpec]:
    """Every synced kind's payload rules, from its ORM model; and the hub's name cards', from
    the fields of `StaffNameCard` they carry (all required: a card without them says nothing)."""
    found: dict[str, KindSpec] = {}
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if not (issubclass(cls, Synced) and cls.__sync_kind__):
            continue
        fields = {attr.key: _field(cls, attr.key) for attr in inspect(cls).column_attrs}
        found[cls.__sync_kind__] = KindSpec(
            kind=cls.__sync_kind__,
            fields=fields,
            signed=issubclass(cls, Signed),
            has_patient="patient_id" in fields,
        )
    card = {name: _field(StaffNameCard, name, required=True) for name in NAME_CARD_FIELDS}
    found[STAFF_CARD_KIND] = KindSpec(STAFF_CARD_KIND, card, signed=False, has_patient=False)
    return found


# Kinds only the hub writes: a device may never push one (`sync.hub.authorise`), and a laptop
# stores them read-only (`sync.local_apply`).
HUB_MADE_KINDS = frozenset({STAFF_CARD_KIND})


def _field(cls: type, key: str, *, required: bool | None = None) -> Field:
    column: Any = inspect(cls).column_attrs[key].columns[0]
    kind, length = _kind_of(column.type)
    has_default = column.default is not None or column.server_default is not None
    return Field(
        name=key,
        kind=kind,
        max_length=length,
        nullable=bool(column.nullable),
        required=(
            required
            if required is not None
            else not column.nullable and not has_default and not column.primary_key
        ),
        shape=_shape_of(cls, key) if kind == "json" else "",
    )


@cache
def staff_fields() -> tuple[str, ...]:
    """The payload fields, of any synced kind, that name a member of staff (`NAMES_STAFF`):
    whose names a person's records need wherever they go."""
    return tuple(
        sorted(
            {
                attr.key
                for mapper in Base.registry.mappers
                if issubclass(mapper.class_, Synced) and mapper.class_.__sync_kind__
                for attr in inspect(mapper.class_).column_attrs
                if attr.columns[0].info.get("names_staff") is NAMES_STAFF["names_staff"]
            }
        )
    )


class _Refused(Exception):
    """Why a field's value is refused (raised by a reader, turned into `problem`'s answer)."""


Reader = Callable[[Any], Any]


def _reader(field: Field) -> Reader:
    """The field's check, worked out once per kind: the value as stored, or `_Refused`.

    Dates and times come back parsed (the check had to parse them), and JSON as the text its
    column stores (`stored_text`), so a laptop storing a pulled record does not parse them a
    second time (`read`)."""
    plain = _PLAIN_READERS.get(field.kind)
    if plain is not None:
        return plain
    limit = field.max_length

    def read_text(value: Any) -> Any:
        """Text, dates and times: the kinds that travel as strings."""
        if not isinstance(value, str):
            raise _Refused("must be text")
        if "\x00" in value:
            raise _Refused("may not contain NUL characters")
        if limit is not None and len(value) > limit:
            raise _Refused(f"is longer than {limit} characters")
        return value

    if field.kind == "date":
        return lambda value: _parse(read_text(value), date, "must be a date (YYYY-MM-DD)")
    if field.kind == "datetime":
        return lambda value: _parse(
            read_text(value), datetime, "must be a date and time (ISO 8601)"
        )
    if field.kind == "json":
        shaped = _SHAPE_CHECKS[field.shape]
        shape, nullable = field.shape, field.nullable
        return lambda value: _json(read_text(value), shape, shaped, nullable)
    return read_text


def _json(text: str, shape: str, shaped: Callable[[Any], bool], nullable: bool) -> str | None:
    """JSON text as its column stores it. Refused at the hub, before any laptop pulls it: text
    that is not JSON, JSON nested too deeply to read (a device in hostile hands can push
    `[[[[…]]]]` thousands deep inside the length limit) or holding NaN or Infinity, and JSON
    not of the column's shape (`null` where the column cannot be empty)."""
    try:
        stored, value = stored_and_value(text)
    except json.JSONDecodeError:
        raise _Refused("must be JSON text") from None
    except UnreadableJson as unreadable:  # nested too deeply, NaN or Infinity
        raise _Refused(f"is JSON {unreadable.why}") from None
    if value is None:
        if nullable:
            return None
        raise _Refused("may not be JSON null")
    if not shaped(value):
        raise _Refused(f"must be a JSON {shape}")
    return stored


def _parse(text: str, kind: type[date], why: str) -> date:
    try:
        return kind.fromisoformat(text)
    except ValueError:
        raise _Refused(why) from None


def _read_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    raise _Refused("must be true or false")


# What an INTEGER column holds (SQLite's and PostgreSQL's BIGINT: 64 bits, signed). A number
# past it is valid JSON and any number of digits long; a laptop storing it raises OverflowError,
# which is not a refusal of the record but the end of the pull, on every laptop, every time.
MIN_INT, MAX_INT = -(2**63), 2**63 - 1


def _read_int(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        if MIN_INT <= value <= MAX_INT:
            return value
        raise _Refused("is a whole number too large to store")
    raise _Refused("must be a whole number")


def _read_float(value: Any) -> Any:
    """A number, finite: NaN and infinity are not JSON (RFC 8259), though Python's `json`
    reads and writes them, and no laptop writes them; a NaN temperature stops the code that
    turns it into a decimal (the FHIR export)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return _read_int(value)  # stored as it came: past 64 bits, SQLite cannot take it
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        raise _Refused("must be a finite number (not NaN or infinity)")
    raise _Refused("must be a number")


def _read_stamps(value: Any) -> Any:
    why = _stamps_problem(value)
    if why is not None:
        raise _Refused(why)
    return value


_PLAIN_READERS: dict[str, Reader] = {
    "bool": _read_bool,
    "int": _read_int,
    "float": _read_float,
    "stamps": _read_stamps,
}


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A kind's rules as a loop can run them: per field (name, required, nullable, reader)."""

    fields: tuple[tuple[str, bool, bool, Reader], ...]
    known: frozenset[str]


@cache
def _compiled() -> dict[str, _Compiled]:
    """Every kind's rules compiled once (not cached per asked kind: a hostile peer could name
    any number of kinds)."""
    return {
        kind: _Compiled(
            fields=tuple(
                (name, field.required, field.nullable, _reader(field))
                for name, field in spec.fields.items()
            ),
            known=frozenset(spec.fields),
        )
        for kind, spec in specs().items()
    }


def _stamps_problem(value: Any) -> str | None:
    """Roll stamps: a map of field name to the stamp of the roll that wrote it."""
    if not isinstance(value, dict):
        return "must be a map of field names to roll stamps"
    if len(value) > MAX_STAMPS:
        return f"has more than {MAX_STAMPS} entries"
    for name, stamp in value.items():
        if not isinstance(name, str) or not 0 < len(name) <= 60 or "\x00" in name:
            return "has a field name that is not a short text"
        if not isinstance(stamp, str) or not _STAMP.fullmatch(stamp):
            return f"entry '{name[:60]}' is not a roll stamp"
    return None


def problem(kind: str, record_id: str, payload: dict[str, Any]) -> str | None:
    """Why this payload cannot be a `kind` record, or None when it can."""
    return read(kind, record_id, payload)[0]


def read(kind: str, record_id: str, payload: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """`problem`, and when there is none the kind's own fields as they are stored: dates and
    times parsed, everything else as sent (fields the payload leaves out are left out, and
    unknown fields are dropped). One pass: what `problem` refuses, this refuses, in the same
    order with the same reason."""
    rules = _compiled().get(kind)
    if rules is None:
        return f"'{kind}' is not a kind of record this hub knows", {}
    if payload.get("id", record_id) != record_id:
        return "the payload's id is not the op's record id", {}
    values: dict[str, Any] = {}
    for name, required, nullable, reader in rules.fields:
        if name not in payload:
            if required:
                return f"field '{name}' is missing", {}
            continue
        value = payload[name]
        if value is None:
            if not nullable:
                return f"field '{name}' may not be empty", {}
            values[name] = None
            continue
        try:
            values[name] = reader(value)
        except _Refused as refused:
            return f"field '{name}' {refused}", {}
    # Every key known (the usual case) is one set operation, not a loop in Python.
    why = None if rules.known.issuperset(payload) else _extra_field_problem(rules.known, payload)
    return (why, {}) if why is not None else (None, values)


def _extra_field_problem(known: frozenset[str], payload: dict[str, Any]) -> str | None:
    """Fields a newer version may send: kept, but only short plain values."""
    for name, value in payload.items():
        if name in known:
            continue
        if len(name) > 60:
            return "a field name is longer than 60 characters"
        if isinstance(value, dict | list):
            return f"unknown field '{name[:60]}' must be a plain value"
        if isinstance(value, str) and len(value) > MAX_EXTRA_TEXT:
            return f"unknown field '{name[:60]}' is longer than {MAX_EXTRA_TEXT} characters"
    return None


def is_signed_kind(kind: str) -> bool:
    spec = specs().get(kind)
    return spec is not None and spec.signed


def has_patient(kind: str) -> bool:
    spec = specs().get(kind)
    return spec is not None and spec.has_patient
