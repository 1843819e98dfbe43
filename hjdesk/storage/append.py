"""Appending new synced rows without the unit of work: a signed entry's rows.

A signed clinical entry is only ever inserted (never updated, never deleted: `models.signed`), so
the ORM's change tracking, identity map and flush ordering buy it nothing, and the flush was the
largest part of signing one (docs/performance.md, "One entry: thirteenth session"). Here the
caller's new instances are written in the order given (parents before the rows that point at
them) by `bulk.insert_many`, one prepared INSERT per run of rows of one table, in the caller's
transaction.

What keeps the outbox's guarantee (architecture.md §4): the appender runs the mapper's own
`before_insert` and `after_insert` hooks for each row, the same listeners a flush runs (the
revision, clock and device stamps; the signer's role; the outbox op from the row as stored), so a
row appended here and the same row flushed are stored and queued alike
(`tests/storage/test_append.py` compares them column by column and op by op for every kind a
signed entry writes). Column defaults are filled in as SQLAlchemy fills them (a value left unset
or None takes the column's default) and set on the instance, so the caller reads what was stored.

The instances stay out of the session: the caller holds them (to show the entry) and a query in
the same transaction reads the stored rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, Table, inspect
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.attributes import instance_state

from hjdesk.storage.bulk import insert_many
from hjdesk.storage.models.base import Synced
from hjdesk.storage.outbox import APPENDING_KEY, REMOTE_KEY, OutboxBypassRefused, write_ops


@dataclass(frozen=True, slots=True)
class _Plan:
    """A mapped class's table, and for each column (attribute key, column key, default maker)."""

    mapper: Mapper[Any]
    table: Table
    columns: tuple[tuple[str, str, Callable[[], Any] | None], ...]
    relationships: frozenset[str]


def _default(column: Any) -> Callable[[], Any] | None:
    default = column.default
    if column.server_default is not None or (
        default is not None and not default.is_scalar and not default.is_callable
    ):
        raise TypeError(f"{column} has a default the appender does not make: flush it instead")
    if default is None:
        return None
    if default.is_scalar:
        value = default.arg
        return lambda: value
    # SQLAlchemy wraps a default made without arguments to take the execution context.
    make = default.arg
    return lambda: make(None)


@cache
def _plan(cls: type[Synced]) -> _Plan:
    mapper = inspect(cls)
    table = mapper.local_table
    if not isinstance(table, Table) or mapper.inherits is not None:
        raise TypeError(f"{cls.__name__} is not a plain table mapping: flush it instead")
    columns = tuple(
        (attr.key, attr.columns[0].key, _default(attr.columns[0])) for attr in mapper.column_attrs
    )
    return _Plan(mapper, table, columns, frozenset(mapper.relationships.keys()))


def _stored_values(plan: _Plan, row: Synced) -> dict[str, Any]:
    """The row's values by column, each None given its column's default (set on the row too)."""
    state = instance_state(row)
    held = state.dict
    values: dict[str, Any] = {}
    for attr, column, make in plan.columns:
        value = held.get(attr)
        if value is None and make is not None:
            value = held[attr] = make()
        values[column] = value
    return values


def append_rows(session: Session, rows: Sequence[Synced]) -> None:
    """Insert new rows, in order, with their stamps and outbox ops, in the session's transaction.

    Each row must be new (never added to a session) and carry its foreign keys as columns
    (`encounter_id=`, not a relationship): the appender writes columns only."""
    if not rows:
        return
    conn = session.connection()
    if conn.info.get(REMOTE_KEY):
        raise OutboxBypassRefused("a pull stores rows through sync.local_apply, not the appender")
    ops: list[dict[str, Any]] = []
    conn.info[APPENDING_KEY] = ops
    try:
        for cls, run in groupby(rows, key=type):
            _append_run(conn, _plan(cls), list(run))
    finally:
        conn.info.pop(APPENDING_KEY, None)
    write_ops(conn, ops)


def _append_run(conn: Connection, plan: _Plan, rows: list[Synced]) -> None:
    mapper = plan.mapper
    states = [instance_state(row) for row in rows]
    for row, state in zip(rows, states, strict=True):
        if state.key is not None or state.session_id is not None:
            raise ValueError(f"{type(row).__name__} {state.key}: the appender writes new rows only")
        if plan.relationships & state.dict.keys():
            raise ValueError(
                f"{type(row).__name__}: give foreign keys as columns (the appender writes columns)"
            )
        mapper.dispatch.before_insert(mapper, conn, state)
    insert_many(conn, plan.table, [_stored_values(plan, row) for row in rows])
    for state in states:
        mapper.dispatch.after_insert(mapper, conn, state)
