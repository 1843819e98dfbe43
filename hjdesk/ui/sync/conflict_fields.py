"""Field-by-field comparison of a conflict's two versions, and reading back a merged version.

No Qt here: the conflicts panel draws these rows, and the parsing of what a person typed into the
merged column is tested on its own terms.

Decisions (ours):
- Sync bookkeeping (id, rev, hlc, author, device, updated_at) is not compared or merged: the
  resolution writes its own. References (`…_id`) are shown but not editable: a typo there would
  point the record at something else.
- Typed text is read back as the type the versions hold (number, yes/no, JSON list…); text equal
  to one version's shown value keeps that value exactly.
- Patient identity fields go through the privacy switch; while names are hidden they cannot be
  edited (the person cannot see what they would change).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hjdesk.storage.errors import InvalidInput
from hjdesk.sync.client import ConflictView
from hjdesk.sync.conflicts import SYNC_FIELDS

# kind → field → which privacy mask applies ("name", "identifier" or "dob").
PRIVATE_FIELDS: dict[str, dict[str, str]] = {
    "patient": {
        "family_name": "name",
        "given_names": "name",
        "prison_number": "identifier",
        "nhs_number": "identifier",
        "date_of_birth": "dob",
    },
}
_YES, _NO = frozenset({"yes", "true", "y", "1"}), frozenset({"no", "false", "n", "0"})


def label(name: str) -> str:
    """`risk_management_plan` → `Risk management plan`."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def kind_label(kind: str) -> str:
    return label(kind)


def shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


@dataclass(frozen=True, slots=True)
class FieldRow:
    name: str
    label: str
    mine: Any
    hub: Any
    differs: bool
    editable: bool
    private: str | None  # privacy mask to apply, if any


def compare(conflict: ConflictView) -> list[FieldRow]:
    """One row per field either version has, differing ones first (in the payload's order)."""
    mine = conflict.mine or {}
    names = [n for n in conflict.hub if n not in SYNC_FIELDS]
    names += [n for n in mine if n not in SYNC_FIELDS and n not in conflict.hub]
    private = PRIVATE_FIELDS.get(conflict.kind, {})
    rows = [
        FieldRow(
            name=n,
            label=label(n),
            mine=mine.get(n),
            hub=conflict.hub.get(n),
            differs=conflict.mine is not None and mine.get(n) != conflict.hub.get(n),
            editable=conflict.mine is not None and not n.endswith("_id"),
            private=private.get(n),
        )
        for n in names
    ]
    return [r for r in rows if r.differs] + [r for r in rows if not r.differs]


def parse_value(text: str, row: FieldRow) -> Any:
    """What a person typed in the merged column, as the value to store."""
    if text == shown(row.mine):
        return row.mine
    if text == shown(row.hub):
        return row.hub
    sample = row.hub if row.hub is not None else row.mine
    value = text.strip()
    if not value:
        if row.mine is None or row.hub is None:
            return None  # the field may be blank: one version already has it blank
        if isinstance(sample, str):
            return ""
        raise InvalidInput(f"{row.label} cannot be empty.")
    if isinstance(sample, bool | int | float | dict | list):
        return _typed(value, sample, row.label)
    return text


def _typed(value: str, sample: bool | int | float | dict[str, Any] | list[Any], label: str) -> Any:
    """`value` read as the same type as the versions shown (bool before int: a bool is an int)."""
    if isinstance(sample, bool):
        if value.lower() in _YES:
            return True
        if value.lower() in _NO:
            return False
        raise InvalidInput(f"{label}: type yes or no.")
    if isinstance(sample, int | float):
        kind, words = (int, "a whole number") if isinstance(sample, int) else (float, "a number")
        try:
            return kind(value)
        except ValueError:
            raise InvalidInput(f"{label}: type {words}.") from None
    try:
        parsed = json.loads(value)
    except ValueError:
        raise InvalidInput(f"{label}: this is not valid JSON.") from None
    if not isinstance(parsed, type(sample)):
        raise InvalidInput(f"{label}: keep the same shape as the versions shown.")
    return parsed


def merged_values(rows: list[FieldRow], texts: dict[str, str]) -> dict[str, Any]:
    """The merged version's fields from the typed texts (fields not typed keep this laptop's)."""
    out: dict[str, Any] = {}
    for row in rows:
        if not row.editable:
            continue
        out[row.name] = parse_value(texts[row.name], row) if row.name in texts else row.mine
    return out
