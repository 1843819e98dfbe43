"""Many-row INSERTs without SQLAlchemy's per-row parameter handling: sync's hot paths (the hub
applying a push, a laptop applying a pull) and the appending of a signed entry's rows
(`storage.append`).

`conn.execute(table.insert(), rows)` builds a parameter dictionary per row and runs each value
through its type's processor one call at a time: a third of the hub's time applying a push, and of
a laptop's storing a pull, on SQLite; on PostgreSQL every row is a statement the server runs on
its own (docs/performance.md). Here each column's own bind processor (the function SQLAlchemy
itself would call: JSON text or JSONB, naive UTC datetimes, SQLite's datetime strings) is looked
up once and applied in a tight loop; SQLite then gets one prepared INSERT run by the driver's
`executemany` (`driver_sql`: without SQLAlchemy's per-statement work, its error handling kept),
PostgreSQL one `COPY … FROM STDIN`, its bulk-load path. What is stored is what
`conn.execute` would have stored, and it is part of the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect

from hjdesk.storage.driver_sql import execute_many

_Processors = tuple[tuple[int, Callable[[Any], Any]], ...]


def insert_many(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    as_stored: frozenset[str] = frozenset(),
) -> None:
    """INSERT `rows` (dicts keyed by column name, all with the same keys) into `table`.

    `as_stored` names text columns whose values are already the text the column stores (a
    pulled record's JSON, `local_apply.read_to_row`): bound as they are, without their type's
    bind processor."""
    if not rows:
        return
    dialect = conn.dialect
    keys = tuple(rows[0])
    if dialect.name == "postgresql":
        processors = _processors(table, keys, as_stored, dialect)
        _copy(conn, table, list(keys), _all_values(rows, keys, processors))
        return
    sql, order, processors, positional = _statement(table, keys, as_stored, dialect)
    values = _all_values(rows, order, processors)
    if positional:
        execute_many(conn, sql, values)
    else:  # a driver taking named parameters
        conn.exec_driver_sql(sql, [dict(zip(order, row, strict=True)) for row in values])


@lru_cache(maxsize=256)
def _statement(
    table: Table, keys: tuple[str, ...], as_stored: frozenset[str], dialect: Dialect
) -> tuple[str, tuple[str, ...], _Processors, bool]:
    """The INSERT's text, the order its parameters take, the columns' processors in that order,
    and whether the driver takes them by position: worked out once per table and set of columns
    (compiling it was ~0.1 ms, as much as running it for one signed entry's row)."""
    compiled = table.insert().compile(dialect=dialect, column_keys=list(keys))
    order = tuple(compiled.positiontup or ()) if compiled.positional else keys
    processors = _processors(table, order, as_stored, dialect)
    return str(compiled), order, processors, bool(compiled.positional)


def _processors(
    table: Table, keys: tuple[str, ...], as_stored: frozenset[str], dialect: Dialect
) -> _Processors:
    """(position, processor) of each column in `keys` that has one."""
    found = []
    for i, key in enumerate(keys):
        if key in as_stored:
            continue
        process = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            found.append((i, process))
    return tuple(found)


def _all_values(
    rows: Sequence[dict[str, Any]], keys: tuple[str, ...], processors: _Processors
) -> list[tuple[Any, ...]]:
    """Each row's values in `keys` order, through its column's processor: the columns without
    one are taken as they are, in one step per row rather than a check per value."""
    out: list[tuple[Any, ...]] = []
    for row in rows:
        values = [row[key] for key in keys]
        for i, process in processors:
            values[i] = process(values[i])
        out.append(tuple(values))
    return out


def _copy(conn: Connection, table: Table, keys: list[str], rows: list[tuple[Any, ...]]) -> None:
    quote = conn.dialect.identifier_preparer.quote
    columns = ", ".join(quote(key) for key in keys)
    name = conn.dialect.identifier_preparer.format_table(table)
    raw: Any = conn.connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
        for values in rows:
            copy.write_row(values)
