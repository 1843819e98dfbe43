"""Automatic outbox capture: every insert or update of a synced row queues one op, in the same
transaction (architecture.md §4, a **must**).

The hooks are mapper events on the `Synced` mixin, so they fire for every Session, not only the ones
services open. Bulk UPDATE/DELETE statements would bypass them, so those are refused outright for
synced tables; deletes are refused too (a signed record is never deleted; purge is sync's job and
says so with `applying_remote`).

The device context (device id, author, clock) travels on each DBAPI connection's `info`, set when
the vault opens the connection, so a Session made anywhere over the vault's engine is covered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, event, inspect
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, object_session

from hjdesk.storage.bulk import insert_many
from hjdesk.storage.ids import HybridClock
from hjdesk.storage.models.base import Synced, utcnow
from hjdesk.storage.models.system import OutboxOp

CONTEXT_KEY = "hjdesk_context"
REMOTE_KEY = "hjdesk_applying_remote"


@dataclass(slots=True)
class DeviceContext:
    """Who is writing on this laptop now; shared by every connection of an unlocked vault."""

    device_id: str
    author_id: str | None = None
    author_role: str | None = None  # the signed-in user's role, stamped on what they sign
    clock: HybridClock = field(default_factory=HybridClock)


class OutboxBypassRefused(RuntimeError):
    """A code path tried to change synced rows in a way the outbox cannot see."""


def _context(connection: Connection) -> DeviceContext:
    ctx = connection.info.get(CONTEXT_KEY)
    if not isinstance(ctx, DeviceContext):
        raise OutboxBypassRefused("synced rows can only be written through an unlocked vault")
    return ctx


def _applying_remote(connection: Connection) -> bool:
    return bool(connection.info.get(REMOTE_KEY))


def _stamp(connection: Connection, target: Synced, *, new: bool) -> None:
    if _applying_remote(connection):
        return
    ctx = _context(connection)
    target.hlc = ctx.clock.now()
    target.updated_at = utcnow()
    if new:
        target.rev = target.rev or 1
        target.origin_device = target.origin_device or ctx.device_id
    if target.author_id is None:
        target.author_id = ctx.author_id


# The ops a flush has queued so far, in `session.info`, written by one executemany when the flush
# has written its rows (`_write_queued`): one INSERT per op was ~15 % of signing an entry
# (docs/performance.md). Still inside the flush, so the ops commit or roll back with the rows.
_PENDING_KEY = "hjdesk_outbox_pending"


def _queue(connection: Connection, target: Synced, base_rev: int | None) -> None:
    if _applying_remote(connection):
        return
    op = _op(_context(connection), target, base_rev)
    session = object_session(target)
    if session is None:
        # A row `storage.append` writes is in no session: its ops gather on the connection until
        # the appender has inserted every row, then go in one executemany (`write_ops`).
        appending: list[dict[str, Any]] | None = connection.info.get(APPENDING_KEY)
        if appending is not None:
            appending.append(op)
        else:  # never let an op go unwritten
            write_ops(connection, [op])
        return
    pending: tuple[Connection, list[dict[str, Any]]] | None = session.info.get(_PENDING_KEY)
    if pending is None or pending[0] is not connection:
        if pending is not None:  # a second connection in one flush: write the first one's ops
            write_ops(*pending)
        pending = (connection, [])
        session.info[_PENDING_KEY] = pending
    pending[1].append(op)


APPENDING_KEY = "hjdesk_outbox_appending"


def _op(ctx: DeviceContext, target: Synced, base_rev: int | None) -> dict[str, Any]:
    return {
        "device_id": ctx.device_id,
        "kind": type(target).__sync_kind__,
        "record_id": target.id,
        "patient_id": target.sync_patient_id(),
        "base_rev": base_rev,
        "rev": target.rev,
        "payload": json.dumps(target.sync_payload(), ensure_ascii=False),
        "hlc": target.hlc,
        "created_at": utcnow(),
    }


def write_ops(connection: Connection, ops: list[dict[str, Any]]) -> None:
    """Write queued ops in one statement, in their order (the outbox's seq order): a prepared
    INSERT with each column's own bind processor (`storage.bulk`), not SQLAlchemy's per-row
    parameter handling."""
    insert_many(connection, _OUTBOX, ops)


_OUTBOX: Table = OutboxOp.__table__  # type: ignore[assignment]


@event.listens_for(Session, "before_flush")
def _forget_unwritten(session: Session, flush_context: Any, instances: Any) -> None:
    # Ops left by a flush that failed before `_write_queued` belong to rows its rollback undid.
    session.info.pop(_PENDING_KEY, None)


@event.listens_for(Session, "after_flush")
def _write_queued(session: Session, flush_context: Any) -> None:
    pending = session.info.pop(_PENDING_KEY, None)
    if pending is not None:
        write_ops(*pending)


@event.listens_for(Synced, "before_insert", propagate=True)
def _before_insert(mapper: Mapper[Any], connection: Connection, target: Synced) -> None:
    _stamp(connection, target, new=True)


@event.listens_for(Synced, "after_insert", propagate=True)
def _after_insert(mapper: Mapper[Any], connection: Connection, target: Synced) -> None:
    _queue(connection, target, base_rev=None)


@event.listens_for(Synced, "before_update", propagate=True)
def _before_update(mapper: Mapper[Any], connection: Connection, target: Synced) -> None:
    if _applying_remote(connection):
        return
    state = inspect(target)
    if not any(state.attrs[a.key].history.has_changes() for a in mapper.column_attrs):
        return
    rev_history = state.attrs["rev"].history
    # The edit is based on the rev loaded from the vault; it writes that plus one.
    base = rev_history.deleted[0] if rev_history.deleted else target.rev
    target.rev = base + 1
    state.info["hjdesk_base_rev"] = base
    _stamp(connection, target, new=False)


@event.listens_for(Synced, "after_update", propagate=True)
def _after_update(mapper: Mapper[Any], connection: Connection, target: Synced) -> None:
    state = inspect(target)
    base = state.info.pop("hjdesk_base_rev", None)
    if base is not None:
        _queue(connection, target, base_rev=base)


@event.listens_for(Synced, "before_delete", propagate=True)
def _before_delete(mapper: Mapper[Any], connection: Connection, target: Synced) -> None:
    if not _applying_remote(connection):
        raise OutboxBypassRefused(
            f"{type(target).__name__} rows are never deleted; record an amendment instead"
        )


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_writes(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    name: str | None
    if mapper is not None and issubclass(mapper.class_, Synced):
        name = mapper.class_.__name__
    else:
        # A Core statement on the table (`update(Patient.__table__)`) has no mapper but bypasses
        # the outbox just the same.
        table = getattr(state.statement, "table", None)
        name = _synced_tables().get(getattr(table, "name", None))
        if name is None:
            return
    if state.session.info.get(REMOTE_KEY):
        return
    raise OutboxBypassRefused(f"bulk UPDATE/DELETE of {name} would bypass the outbox")


def _synced_tables() -> dict[str | None, str]:
    """Table name → class name of every synced model."""
    from hjdesk.storage.models.base import Base

    return {
        mapper.local_table.name: mapper.class_.__name__  # type: ignore[attr-defined]
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, Synced)
    }
