"""The hub's log of administrators' commands (`hjdesk hub admin-log`): a hash chain.

Every command that changes who may do what, or what the hub holds, appends one event in the same
transaction as its change, so a command that fails leaves neither: an enrolment code issued, a
device enrolled with one (through the API), a device revoked, a wipe ordered, a transfer
confirmed, a name-card run. Events hold ids and establishment codes only: never a patient's name
or prison number, never an enrolment code, a token or a hash of either.

The chain is the laptops' (`hjdesk.storage.audit`): `hash = sha256(prev_hash ‖ canonical JSON of
the event)`, the first event linked to 64 zeros. `verify` finds an event edited or deleted in the
middle; it cannot tell a whole chain rewritten by someone who can write the database, nor the
newest events removed from its end (docs/threat-model.md).

Appending is serialised. On SQLite the caller's transaction is `BEGIN IMMEDIATE` (the hub's
writers all are: `HubStore.writing`, `HubStore.administering`), so it holds the database's one
write lock from its first statement. On PostgreSQL several hub processes may share the database:
`append` takes a transaction-scoped advisory lock (as `HubStore.upgrade` does for migrations)
before reading the tail, held to commit, so the next appender reads the committed tail (READ
COMMITTED reads afresh at each statement). It is not the change counter's row lock, so on
PostgreSQL enrolment and revoke do not wait for pushes. The unique `seq` and `prev_hash` would
refuse a fork anyway. Push and pull never append: their hot paths are unchanged.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, text

from hjdesk.storage.audit import GENESIS, chain_hash
from hjdesk.sync.hub import schema
from hjdesk.sync.hub.schema import utcnow
from hjdesk.sync.hub.store import HubStore

# pg_advisory_xact_lock key of the admin log (HubStore.upgrade's migration lock is 7342001).
ADMIN_LOG_LOCK = 7342002
WHO_LENGTH = 120  # schema.admin_events.c.who

CODE_ISSUED = "enrol_code_issued"
DEVICE_ENROLLED = "device_enrolled"
DEVICE_REVOKED = "device_revoked"
WIPE_ORDERED = "wipe_ordered"
TRANSFER_CONFIRMED = "transfer_confirmed"
NAME_CARDS_WRITTEN = "name_cards_written"


def operator() -> str:
    """The operating-system user running this command."""
    try:
        return getpass.getuser()
    # No login name in the environment, and no password-file entry (or no `pwd`, on Windows).
    except (OSError, KeyError, ImportError):
        return "unknown"


@dataclass(frozen=True, slots=True)
class AdminEvent:
    seq: int
    at: datetime
    who: str
    action: str
    target: str | None
    detail: str  # canonical JSON text, hashed as stored
    prev_hash: str
    hash: str

    def body(self) -> dict[str, Any]:
        return event_body(self.seq, self.at, self.who, self.action, self.target, self.detail)


def event_body(
    seq: int, at: datetime, who: str, action: str, target: str | None, detail: str
) -> dict[str, Any]:
    """The hashed fields: all but the two hashes."""
    return {
        "seq": seq,
        "at": at.isoformat(),
        "who": who,
        "action": action,
        "target": target,
        "detail": detail,
    }


def append(
    conn: Connection,
    who: str,
    action: str,
    target: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Add the next event in `conn`'s transaction (an IMMEDIATE one on SQLite); its seq."""
    table = schema.admin_events
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADMIN_LOG_LOCK})
    last = conn.execute(
        select(table.c.seq, table.c.hash).order_by(table.c.seq.desc()).limit(1)
    ).first()
    seq, prev = (int(last.seq) + 1, str(last.hash)) if last is not None else (1, GENESIS)
    who = who[:WHO_LENGTH]  # PostgreSQL refuses a longer one
    at = utcnow()
    text_detail = json.dumps(dict(detail or {}), sort_keys=True, separators=(",", ":"))
    body = event_body(seq, at, who, action, target, text_detail)
    conn.execute(
        table.insert().values(
            seq=seq,
            at=at,
            who=who,
            action=action,
            target=target,
            detail=text_detail,
            prev_hash=prev,
            hash=chain_hash(prev, body),
        )
    )
    return seq


def events(store: HubStore) -> list[AdminEvent]:
    """Every event, oldest first."""
    with store.reading() as conn:
        rows = conn.execute(select(schema.admin_events).order_by(schema.admin_events.c.seq))
        return [AdminEvent(**row) for row in rows.mappings()]


@dataclass(frozen=True, slots=True)
class Verified:
    count: int
    bad_seq: int | None  # the first event whose link does not hold
    reason: str = ""


def verify(store: HubStore) -> Verified:
    """Walk the chain from the first event: numbering, links and hashes."""
    listed = events(store)
    prev, expected = GENESIS, 1
    for event in listed:
        if event.seq != expected:
            return Verified(len(listed), event.seq, f"expected event {expected} (one is missing)")
        if event.prev_hash != prev:
            return Verified(len(listed), event.seq, "does not link to the event before it")
        if chain_hash(prev, event.body()) != event.hash:
            return Verified(len(listed), event.seq, "its contents do not match its hash")
        prev, expected = event.hash, expected + 1
    return Verified(len(listed), None)
