"""Turn ORM rows into JSON-ready dictionaries and back, for the outbox and sync."""

from __future__ import annotations

import enum
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Mapper

from hjdesk.storage.models.column_types import JsonText, to_text


def _json_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


# Values `_json_value` returns unchanged, by exact type: an enum member (a str or int subclass)
# still goes through it.
_AS_IS = frozenset({str, int, float, bool, type(None)})

_COLUMNS: dict[type, tuple[tuple[str, bool], ...]] = {}


def _columns(cls: type) -> tuple[tuple[str, bool], ...]:
    """(attribute, held as JSON text) of each column, worked out once per class (the outbox
    serialises every write)."""
    found = _COLUMNS.get(cls)
    if found is None:
        mapper: Mapper[Any] = inspect(cls)
        attrs = mapper.column_attrs
        found = tuple((attr.key, isinstance(attr.columns[0].type, JsonText)) for attr in attrs)
        _COLUMNS[cls] = found
    return found


def row_payload(obj: object) -> dict[str, Any]:
    """Every column as a JSON-ready value. A `JsonText` column travels as its stored text (what
    it was before migration 0009), so the hub and older laptops see the same payloads; an enum
    column's member travels as its value."""
    payload: dict[str, Any] = {}
    # A loaded column's value is in the instance's dict; reading it there skips the instrumented
    # attribute (the outbox serialises every row of every flush). Anything not there (expired,
    # never set) goes through the attribute as before, loading it if it must.
    loaded = obj.__dict__
    for key, as_text in _columns(type(obj)):
        value = loaded[key] if key in loaded else getattr(obj, key)
        if as_text:
            payload[key] = None if value is None else to_text(value)
        elif type(value) in _AS_IS:  # most columns: skip the conversion's checks (exact types)
            payload[key] = value
        else:
            payload[key] = _json_value(value)
    return payload


def canonical_json(value: Any) -> str:
    """Stable text for hashing: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
