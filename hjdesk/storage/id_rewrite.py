"""Give a vault's estate-wide records their derived ids (architecture.md §5a), and rewrite every
reference to them.

Used by migration 0004 (a vault made before deterministic ids) and by enrolment (users made before
the laptop knew its establishment). Works on the tables as they are in the database, through Core,
so it does not depend on the ORM models of a later release.

- Rows of one real thing (two copies of one patient made by two laptops) become one: the row with
  the highest rev (then the latest update) stays, the others are deleted, and everything that
  pointed at any of them points at the one that stays — the fragmented record is joined up.
- Every text column of every table is rewritten, not only the `*_id` columns: the outbox, drafts
  and conflicts hold whole rows as JSON, and an unsent op must reach the hub with the new ids.
- Audit events are NOT rewritten: their hashes cover the ids, and rewriting them (even re-hashing)
  would rewrite a history that may already be at the hub. Each replaced id is written to
  `id_aliases` instead, which translates an old event's ids.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, String, Text, inspect, text

from hjdesk.clinical import estate_ids

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Never rewritten: the audit chain (see above), the alias table itself, Alembic's bookkeeping,
# and the worklist marks (keyed by person: two old ids joined into one would collide; the
# rewrite's own updates mark the new ids through the triggers).
KEEP = frozenset({"audit_events", "id_aliases", "alembic_version", "worklist_changes"})
AUDIT_KIND = "audit_event"


@dataclass
class Plan:
    """Old id → new id, the kind of each, and the duplicate rows to delete."""

    mapping: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    losers: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, table: str, kind: str, rows: list[dict[str, Any]], new_id: Any) -> None:
        """Map each row's id to `new_id(row)`; keep one row per new id."""
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            derived = new_id(row)
            if derived is None:
                continue
            groups[derived].append(row)
        for derived, group in groups.items():
            group.sort(key=lambda r: (r.get("rev") or 0, str(r.get("updated_at") or "")))
            for row in group:
                if row["id"] != derived:
                    self.mapping[row["id"]] = derived
                    self.kinds[row["id"]] = kind
            if len(group) > 1:
                # The last one stays; if a copy already has the derived id, it is that one.
                keep = next((r for r in group if r["id"] == derived), group[-1])
                self.losers[table] += [r["id"] for r in group if r is not keep]


def setting(conn: Connection, key: str) -> str | None:
    row = conn.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": key}).first()
    return None if row is None else str(row[0])


def vault_establishment(conn: Connection) -> str | None:
    """This laptop's establishment, if it knows it yet (from enrolment, or the admin setting)."""
    for key in ("sync.establishment", "establishment"):
        value = (setting(conn, key) or "").strip().upper()
        if value:
            return value
    return None


def staff_key(conn: Connection, username: str) -> str:
    code = vault_establishment(conn)
    if code:
        return estate_ids.staff_id(code, username)
    return estate_ids.local_staff_id(setting(conn, "vault_id") or "", username)


def _rows(conn: Connection, sql: str) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(text(sql)).mappings()]


def _clashed(conn: Connection, kind: str, key: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    query = text(
        "SELECT record_id, hub_payload FROM sync_conflicts WHERE reason = 'clash' AND kind = :k"
    )
    for row in conn.execute(query, {"k": kind}).mappings():
        try:
            value = json.loads(row["hub_payload"]).get(key)
        except (ValueError, AttributeError):
            continue
        if isinstance(value, str) and value:
            found.append({"record_id": row["record_id"], key: value})
    return found


def plan_vault(conn: Connection, *, staff_only: bool = False) -> Plan:
    """Derived ids for every estate-wide row of this vault (or only its staff)."""
    plan = Plan()
    if not staff_only:
        ests = _rows(conn, "SELECT id, code, rev, updated_at FROM establishments")
        # Another laptop's copy of an establishment this one holds was kept aside as a "clash";
        # records pulled from that laptop point at it: it is the same establishment.
        ests += [
            {"id": r["record_id"], "code": r["code"], "rev": 0, "updated_at": ""}
            for r in _clashed(conn, "establishment", "code")
        ]
        codes = {e["id"]: e["code"] for e in ests}
        plan.add("establishments", "establishment", ests,
                 lambda r: estate_ids.establishment_id(r["code"]))  # fmt: skip
        locs = _rows(conn, "SELECT id, establishment_id, path, rev, updated_at FROM locations")
        plan.add("locations", "location", locs,
                 lambda r: estate_ids.location_id(codes[r["establishment_id"]], r["path"])
                 if r["establishment_id"] in codes else None)  # fmt: skip
        pats = _rows(conn, "SELECT id, prison_number, rev, updated_at FROM patients")
        plan.add("patients", "patient", pats, lambda r: estate_ids.patient_id(r["prison_number"]))
        new_patient = {p["id"]: plan.mapping.get(p["id"], p["id"]) for p in pats}
        alerts = _rows(conn, "SELECT id, patient_id, code, rev, updated_at FROM alerts")
        plan.add("alerts", "alert", alerts,
                 lambda r: estate_ids.alert_id(new_patient.get(r["patient_id"], r["patient_id"]),
                                               r["code"]))  # fmt: skip
    staff = _rows(conn, "SELECT id, username, rev, updated_at FROM staff")
    staff += [
        {"id": r["record_id"], "username": r["username"], "rev": 0, "updated_at": ""}
        for r in _clashed(conn, "staff", "username")
    ]
    plan.add("staff", "staff", staff, lambda r: staff_key(conn, r["username"]))
    return plan


def apply(conn: Connection, plan: Plan) -> int:
    """Carry out a plan on an SQLite vault in the caller's transaction; returns rows rewritten."""
    if not plan.mapping:
        return 0
    # References are checked at commit, once every one of them has been rewritten.
    conn.execute(text("PRAGMA defer_foreign_keys = ON"))
    for table, ids in plan.losers.items():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join(f":p{i}" for i in range(len(chunk)))
            conn.execute(
                text(f"DELETE FROM {table} WHERE id IN ({marks})"),  # noqa: S608 - our own names
                {f"p{i}": v for i, v in enumerate(chunk)},
            )
    rewritten = 0
    inspector = inspect(conn)
    for table in inspector.get_table_names():
        if table in KEEP:
            continue
        columns = [
            c["name"]
            for c in inspector.get_columns(table)
            if isinstance(c["type"], String | Text) or "JSON" in str(c["type"]).upper()
        ]
        if columns:
            rewritten += _rewrite_table(conn, table, columns, plan.mapping)
    # Clashes between two copies of one estate record are settled: they are one record now.
    conn.execute(
        text(
            "DELETE FROM sync_conflicts WHERE reason = 'clash' AND kind IN "
            "('establishment', 'location', 'patient', 'alert', 'staff')"
        )
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    conn.execute(
        text(
            "INSERT OR REPLACE INTO id_aliases (old_id, new_id, kind, at) "
            "VALUES (:old, :new, :kind, :at)"
        ),
        [
            {"old": old, "new": new, "kind": plan.kinds[old], "at": now}
            for old, new in plan.mapping.items()
        ],
    )
    return rewritten


def _swap(value: str, mapping: dict[str, str]) -> str:
    found = mapping.get(value)
    if found is not None:
        return found
    return UUID.sub(lambda m: mapping.get(m.group(0), m.group(0)), value)


def _rewrite_table(
    conn: Connection, table: str, columns: list[str], mapping: dict[str, str]
) -> int:
    names = ", ".join(f'"{c}"' for c in columns)
    changed: list[dict[str, Any]] = []
    for row in conn.execute(text(f'SELECT rowid AS "_rid", {names} FROM "{table}"')).mappings():  # noqa: S608
        if table == "outbox" and row.get("kind") == AUDIT_KIND:
            continue  # an audit event travels exactly as it was hashed
        new: dict[str, Any] = {}
        for column in columns:
            value = row[column]
            if isinstance(value, str) and UUID.search(value):
                swapped = _swap(value, mapping)
                if swapped != value:
                    new[column] = swapped
        if new:
            changed.append({"_rid": row["_rid"], **new})
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for item in changed:
        by_shape[tuple(sorted(k for k in item if k != "_rid"))].append(item)
    for shape, items in by_shape.items():
        sets = ", ".join(f'"{c}" = :{c}' for c in shape)
        conn.execute(text(f'UPDATE "{table}" SET {sets} WHERE rowid = :_rid'), items)  # noqa: S608
    return len(changed)
