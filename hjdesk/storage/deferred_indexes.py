"""Secondary indexes (and the worklist triggers) set aside while a first sync fills an empty vault,
and built again after.

A million pulled records keyed by random UUIDs land on a different page of every index they
belong to, so once the indexes outgrow the page cache each insert reads (and SQLCipher decrypts)
pages it had evicted, and each commit encrypts thousands of dirtied ones: a first sync's cost per
record doubled from 200,000 to 1,000,000 records (docs/performance.md). `CREATE INDEX` over a
full table is one sorted pass instead.

Only plain (non-unique) indexes are set aside: primary keys and UNIQUE indexes guard the data's
integrity and stay in place throughout. What is dropped is rebuilt from the schema's own SQL, read
from `sqlite_master` and kept in the vault's `settings` in the same transaction as the drop, so
the rebuilt schema is the migrated one, byte for byte (partial indexes keep their WHERE). A vault
is never left without them: `rebuild` runs at the end of the pull, when a pull fails, and on the
next unlock of a vault whose pull was killed (`Vault.unlock`, before any migration).

The triggers that mark whose Today items changed (migration 0012) are set aside the same way: a
first sync would otherwise raise a person's mark once per record it stores, a million times.
Built again, they mark everyone changed at once, so kept lists are all worked out afresh.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from sqlalchemy import Connection, text

# The `settings` key holding the set-aside indexes: [[name, sql], …] (JSON).
SETTING = "storage.deferred_indexes"

# What a kept statement must look like before it is run again: one plain CREATE INDEX, nothing
# after it. The vault is encrypted, so only its key holder could have written another; checked
# anyway, since this is SQL read back from data.
_PLAIN_INDEX = re.compile(r'CREATE INDEX "?([A-Za-z0-9_]+)"? ON [^;]+')
# …and one worklist trigger: each statement of its body raises a mark in worklist_changes.
_WORKLIST_TRIGGER = re.compile(
    r"CREATE TRIGGER (worklist_changed_[a-z_]+) AFTER (?:INSERT|UPDATE|DELETE) ON [a-z_]+ "
    r"BEGIN(?: INSERT INTO worklist_changes \(patient_id, seq\) VALUES [^;]+;)+ END"
)
_MARK_EVERYONE = (
    "INSERT INTO worklist_changes (patient_id, seq) VALUES "
    "('*', (SELECT coalesce(max(seq), 0) + 1 FROM worklist_changes)) "
    "ON CONFLICT (patient_id) DO UPDATE SET seq = excluded.seq"
)


def _stored(conn: Connection) -> list[tuple[str, str]] | None:
    value = conn.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": SETTING}).scalar()
    if value is None:
        return None
    return [(str(name), str(sql)) for name, sql in json.loads(value)]


def pending(conn: Connection) -> bool:
    """Whether indexes are set aside (a first sync is filling the vault, or was stopped)."""
    return _stored(conn) is not None


def defer(conn: Connection, tables: Iterable[str]) -> int:
    """Drop the plain secondary indexes of `tables`, their SQL kept in `settings`; in the
    caller's transaction (both or neither). Returns how many were set aside."""
    names = sorted(set(tables))
    if not names or _stored(conn) is not None:
        return 0
    found = conn.execute(
        text(
            "SELECT name, tbl_name, sql FROM sqlite_master "
            "WHERE type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY name"
        )
    ).all()
    kept = [
        (str(name), str(sql))
        for name, table, sql in found
        if table in names and _plain(str(name), str(sql))
    ]
    if not kept:
        return 0
    conn.execute(
        text("INSERT INTO settings (key, value) VALUES (:k, :v)"),
        {"k": SETTING, "v": json.dumps(kept)},
    )
    for name, sql in kept:
        kind = "TRIGGER" if _WORKLIST_TRIGGER.fullmatch(sql) else "INDEX"
        conn.exec_driver_sql(f'DROP {kind} "{name}"')
    return len(kept)


def rebuild(conn: Connection) -> int:
    """Build every set-aside index that is not there, then forget them; in the caller's
    transaction, so a rebuild cut short leaves them all still to build. Returns how many."""
    stored = _stored(conn)
    if stored is None:
        return 0
    present = set(
        conn.execute(
            text("SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger')")
        ).scalars()
    )
    built = 0
    triggers = False
    for name, sql in stored:
        if not _plain(name, sql):
            raise ValueError(f"not a plain index definition: {name!r}")
        triggers = triggers or _WORKLIST_TRIGGER.fullmatch(sql) is not None
        if name not in present:
            conn.exec_driver_sql(sql)
            built += 1
    if triggers:
        conn.exec_driver_sql(_MARK_EVERYONE)
    conn.execute(text("DELETE FROM settings WHERE key = :k"), {"k": SETTING})
    return built


def _plain(name: str, sql: str) -> bool:
    """A non-unique index's own statement (UNIQUE ones, and those SQLite makes for a
    constraint, which have no SQL, are never set aside), or a worklist trigger's."""
    match = _PLAIN_INDEX.fullmatch(sql) or _WORKLIST_TRIGGER.fullmatch(sql)
    return match is not None and match.group(1) == name
