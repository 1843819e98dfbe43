"""Many-row INSERTs for sync's hot paths (the hub applying a push, a laptop applying a pull),
without SQLAlchemy's per-row parameter handling.

`conn.execute(table.insert(), rows)` builds a parameter dictionary per row and runs each value
through its type's processor one call at a time: a third of the hub's time applying a push, and of
a laptop's storing a pull, on SQLite; on PostgreSQL every row is a statement the server runs on
its own (docs/performance.md). Here each column's own bind processor (the function SQLAlchemy
itself would call: JSON text or JSONB, naive UTC datetimes, SQLite's datetime strings) is looked
up once and applied in a tight loop; SQLite then gets one prepared INSERT run by the driver's
`executemany`, PostgreSQL one `COPY … FROM STDIN`, its bulk-load path. What is stored is what
`conn.execute` would have stored, and it is part of the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Connection, Table, any_, bindparam


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
    keys = list(rows[0])
    processors: dict[str, Callable[[Any], Any] | None] = {
        key: None
        if key in as_stored
        else table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        for key in keys
    }
    if dialect.name == "postgresql":
        _copy(conn, table, keys, _all_values(rows, keys, processors))
        return
    compiled = table.insert().compile(dialect=dialect, column_keys=keys)
    if compiled.positional:
        order = list(compiled.positiontup or ())
        params: list[Any] = _all_values(rows, order, processors)
    else:
        params = [
            dict(zip(keys, values, strict=True)) for values in _all_values(rows, keys, processors)
        ]
    conn.exec_driver_sql(str(compiled), params)


def _all_values(
    rows: Sequence[dict[str, Any]],
    keys: list[str],
    processors: dict[str, Callable[[Any], Any] | None],
) -> list[tuple[Any, ...]]:
    """Each row's values in `keys` order, through its column's processor: the columns without
    one are taken as they are, in one step per row rather than a check per value."""
    processed = [
        (i, key, process) for i, key in enumerate(keys) if (process := processors[key]) is not None
    ]
    out: list[tuple[Any, ...]] = []
    for row in rows:
        values = [row[key] for key in keys]
        for i, key, process in processed:
            values[i] = process(row[key])
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


def among(
    conn: Connection, column: ColumnElement[Any], values: Sequence[str]
) -> ColumnElement[bool]:
    """`column IN (values)`; on PostgreSQL `column = ANY(array)`: one parameter, so the same
    statement text every time, instead of hundreds each rendered, cast and parsed per query."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)
