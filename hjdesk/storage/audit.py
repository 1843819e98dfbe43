"""The audit chain: every create, amend, view, print, export, sync, unlock and failed unlock
appends a hash-linked event (architecture.md §4).

`hash = sha256(prev_hash ‖ canonical_json(event))`; the first event links to 64 zeros. A unique
constraint on `prev_hash` makes a fork impossible: two writers racing for the same tail cannot both
commit. Details never hold names or numbers, only record ids and codes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from hjdesk.storage import driver_sql
from hjdesk.storage.ids import uuid7
from hjdesk.storage.models.base import utcnow
from hjdesk.storage.models.new_rows import new_row
from hjdesk.storage.models.system import AuditEvent
from hjdesk.storage.serialise import canonical_json

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does an action: the unlocked user (or 'system' for automatic work)."""

    staff_id: str | None
    username: str
    role: str


def event_body(event: AuditEvent) -> dict[str, Any]:
    """The hashed fields: everything but the hash itself and sync bookkeeping."""
    return {
        "id": event.id,
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "actor_role": event.actor_role,
        "patient_id": event.patient_id,
        "action": event.action,
        "detail": event.detail,
        "device_id": event.device_id,
    }


def chain_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(body)).encode("utf-8")).hexdigest()


def append(
    session: Session,
    actor: Actor,
    action: str,
    *,
    device_id: str,
    patient_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add the next link in the current transaction (it commits with the change it describes).

    Nothing is flushed here: the event joins the transaction's next flush with the rows it
    describes (one flush per entry instead of three, docs/performance.md)."""
    event = next_event(
        session, actor, action, device_id=device_id, patient_id=patient_id, detail=detail, at=at
    )
    session.add(event)
    session.info[_NEWEST] = event
    return event


def next_event(
    session: Session,
    actor: Actor,
    action: str,
    *,
    device_id: str,
    patient_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    after: AuditEvent | tuple[int, str] | None = None,
) -> AuditEvent:
    """The next link, made but not written: after `after`, an event made here and not yet
    written or the chain's last link as (seq, hash) that the caller read in this transaction
    before anything was audited in it (`TAIL_SEQ`, `TAIL_HASH`, `tail_of`); without it, after
    the chain's last link as this transaction sees it, read now. The caller writes it
    (`storage.append`) before anything else links to the chain."""
    if isinstance(after, AuditEvent):
        last_seq, prev = after.seq, after.hash
    else:
        last_seq, prev = after if after is not None else last_link(session)
    event = new_row(
        AuditEvent,
        seq=last_seq + 1,
        at=at or utcnow(),
        actor_id=actor.staff_id,
        actor_username=actor.username,
        actor_role=actor.role,
        patient_id=patient_id,
        action=action,
        detail=json.dumps(dict(detail or {}), sort_keys=True),
        device_id=device_id,
        prev_hash=prev,
        hash="",
    )
    event.id = uuid7()
    event.hash = chain_hash(prev, event_body(event))
    return event


# The newest event `append` added in a session, kept in `session.info` (not a scan of
# `session.new`, which would make a transaction auditing thousands of rows quadratic).
_NEWEST = "hjdesk_audit_newest"


def last_link(session: Session) -> tuple[int, str]:
    """The chain's last link as this transaction sees it: (seq, hash), or (0, GENESIS).

    An event appended earlier in this session and still pending (added, not yet flushed) is the
    tail: every AuditEvent is made by `append`, which records the newest. Once it has been
    flushed, committed, or dropped by a rollback (a savepoint's included), the last row is read
    again, every time, from the seq index: no link is remembered between transactions, because
    another writer (the CLI in another process, a second vault handle) could have moved the
    tail, and a stale tail would fork or break the chain. The read costs one index probe; it
    runs without autoflush, so it does not force a flush of the rows being written (a flush
    writes every pending event, so none older than the newest can still be pending)."""
    newest = session.info.get(_NEWEST)
    if isinstance(newest, AuditEvent) and inspect(newest).pending:
        return newest.seq, newest.hash
    # `session.connection()` never autoflushes. Plain SQL on the driver skips compiling and
    # caching an ORM statement and SQLAlchemy's per-statement work (docs/performance.md), errors
    # still translated by the engine's handlers (`driver_sql`).
    row = driver_sql.fetch_one(session.connection(), _LAST_LINK_SQL, ())
    return (row[0], row[1]) if row else (0, GENESIS)


_LAST_LINK_SQL = "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1"

# The chain's last link as two columns a caller can add to the first read of its transaction
# (one statement fewer for a signed entry, docs/performance.md): each is one probe of the seq
# index. `tail_of` turns what they gave into `next_event`'s `tail`.
_EVENTS = AuditEvent.__table__
TAIL_SEQ = select(_EVENTS.c.seq).order_by(_EVENTS.c.seq.desc()).limit(1).scalar_subquery()
TAIL_HASH = select(_EVENTS.c.hash).order_by(_EVENTS.c.seq.desc()).limit(1).scalar_subquery()


def tail_of(seq: int | None, hash_: str | None) -> tuple[int, str]:
    """The last link from `TAIL_SEQ` and `TAIL_HASH`: (0, GENESIS) for an empty chain."""
    return (seq, hash_) if seq is not None and hash_ is not None else (0, GENESIS)


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    first_bad_id: str | None = None
    reason: str = ""


def verify_events(events: Iterable[AuditEvent]) -> ChainReport:
    """Walk events in seq order; report the first whose link or content does not hold."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    for event in events:
        if event.seq != expected_seq:
            return ChainReport(False, checked, event.seq, event.id, "events are missing before it")
        if event.prev_hash != prev:
            reason = "it does not follow the event before it (removed or reordered)"
            return ChainReport(False, checked, event.seq, event.id, reason)
        if chain_hash(prev, event_body(event)) != event.hash:
            return ChainReport(False, checked, event.seq, event.id, "its content was altered")
        prev = event.hash
        expected_seq += 1
        checked += 1
    return ChainReport(True, checked)


def verify(session: Session) -> ChainReport:
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(2000)
    return verify_events(events)


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0
