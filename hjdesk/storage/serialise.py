"""Turn ORM rows into JSON-ready dictionaries and back, for the outbox and sync."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def row_payload(obj: object) -> dict[str, Any]:
    mapper = inspect(type(obj))
    return {attr.key: _json_value(getattr(obj, attr.key)) for attr in mapper.column_attrs}


def canonical_json(value: Any) -> str:
    """Stable text for hashing: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
