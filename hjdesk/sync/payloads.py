"""Each synced kind's payload checked against its model before anyone stores it (architecture.md
§5a, "shape").

The hub checks every pushed op with `problem()`; a laptop checks every pulled record the same way
before applying it. The rules come from the ORM models themselves (one description of a record,
not two that drift): every column's type, its length for `String(n)`, dates and times as ISO text,
no NUL, and the fields a row cannot be stored without (NOT NULL and no default). Keys a model does
not have are kept (a newer version's fields) but must be plain values of bounded size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, Text, inspect
from sqlalchemy.sql.type_api import TypeEngine

from hjdesk.storage.models import Base, Signed, Synced

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
    kind: str  # "str", "int", "float", "bool", "date", "datetime", "stamps"
    max_length: int | None
    nullable: bool
    required: bool


@dataclass(frozen=True, slots=True)
class KindSpec:
    kind: str
    fields: dict[str, Field]
    signed: bool
    has_patient: bool


def _kind_of(column_type: TypeEngine[Any]) -> tuple[str, int | None]:
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


@cache
def specs() -> dict[str, KindSpec]:
    """Every synced kind's payload rules, from its ORM model."""
    found: dict[str, KindSpec] = {}
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if not (issubclass(cls, Synced) and cls.__sync_kind__):
            continue
        fields: dict[str, Field] = {}
        for attr in inspect(cls).column_attrs:
            column = attr.columns[0]
            kind, length = _kind_of(column.type)
            has_default = column.default is not None or column.server_default is not None
            fields[attr.key] = Field(
                name=attr.key,
                kind=kind,
                max_length=length,
                nullable=bool(column.nullable),
                required=not column.nullable and not has_default and not column.primary_key,
            )
        found[cls.__sync_kind__] = KindSpec(
            kind=cls.__sync_kind__,
            fields=fields,
            signed=issubclass(cls, Signed),
            has_patient="patient_id" in fields,
        )
    return found


def _type_problem(field: Field, value: Any) -> str | None:
    if field.kind == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if field.kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else "must be a whole number"
    if field.kind == "float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else "must be a number"
    if field.kind == "stamps":
        return _stamps_problem(value)
    return _text_problem(field, value)


def _text_problem(field: Field, value: Any) -> str | None:
    """Text, dates and times: the kinds that travel as strings."""
    if not isinstance(value, str):
        return "must be text"
    if "\x00" in value:
        return "may not contain NUL characters"
    if field.max_length is not None and len(value) > field.max_length:
        return f"is longer than {field.max_length} characters"
    if field.kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return "must be a date (YYYY-MM-DD)"
    if field.kind == "datetime":
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return "must be a date and time (ISO 8601)"
    return None


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
    spec = specs().get(kind)
    if spec is None:
        return f"'{kind}' is not a kind of record this hub knows"
    if payload.get("id", record_id) != record_id:
        return "the payload's id is not the op's record id"
    return _known_field_problem(spec, payload) or _extra_field_problem(spec, payload)


def _known_field_problem(spec: KindSpec, payload: dict[str, Any]) -> str | None:
    """The kind's own fields: present when required, empty only when nullable, of their type."""
    for name, field in spec.fields.items():
        if name not in payload:
            if field.required:
                return f"field '{name}' is missing"
            continue
        value = payload[name]
        if value is None:
            if not field.nullable:
                return f"field '{name}' may not be empty"
            continue
        why = _type_problem(field, value)
        if why is not None:
            return f"field '{name}' {why}"
    return None


def _extra_field_problem(spec: KindSpec, payload: dict[str, Any]) -> str | None:
    """Fields a newer version may send: kept, but only short plain values."""
    for name, value in payload.items():
        if name in spec.fields:
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
