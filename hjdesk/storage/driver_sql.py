"""Prepared statements run on the connection's own driver cursor, in its transaction.

`Connection.exec_driver_sql` builds an execution context, a cursor wrapper and a result for every
statement: ~34 µs against ~7 µs for the same read on the driver (docs/performance.md, "One
entry: rows filled, one read fewer, two index keys fewer, statements on the driver"). A signed
entry runs five statements besides BEGIN and COMMIT, and a pull or a push one per page and
table, so the hot paths (`bulk.insert_many`, the entry's first read, the audit chain's tail) run
them here. What SQLAlchemy's path gives that matters is kept:

- errors: a driver error goes through the connection's own error handling
  (`Connection._handle_dbapi_exception`: the engine's `handle_error` listeners, so a damaged page
  is still `VaultDamaged`; then SQLAlchemy's wrapping, so `except sqlalchemy.exc.IntegrityError`
  still matches and the values stay hidden, `hide_parameters`);
- the transaction: the statement runs only inside one the connection has begun (`BEGIN
  IMMEDIATE` for a writer), never in the driver's own implicit one; on a connection with none,
  it begins one first, as SQLAlchemy's autobegin would (the engine's `begin` listener says how);
- anyone watching statements (a test counting a transaction's INSERTs, a profiler): when a
  `before_cursor_execute` or `after_cursor_execute` listener is present the statement goes
  through `exec_driver_sql`, so they see it.

`tests/storage/test_driver_sql.py` checks each of these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

from sqlalchemy import Connection


def _watched(conn: Connection) -> bool:
    dispatch = conn.dispatch
    return bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute)


def _driver(conn: Connection) -> Any:
    if not conn.in_transaction():
        conn.begin()  # SQLAlchemy's autobegin: the caller commits or rolls back, as before
    return conn.connection.driver_connection


def _failed(conn: Connection, error: BaseException, sql: str, params: Any) -> NoReturn:
    # The engine's handlers first, then SQLAlchemy's wrapping of the driver's error.
    conn._handle_dbapi_exception(error, sql, params, None, None)


def fetch_one(conn: Connection, sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """The first row of a read, as the driver gives it (no result processing)."""
    if _watched(conn):
        row = conn.exec_driver_sql(sql, tuple(params)).first()
        return None if row is None else tuple(row)
    driver = _driver(conn)
    try:
        found: tuple[Any, ...] | None = driver.execute(sql, params).fetchone()
    except conn.dialect.loaded_dbapi.Error as error:
        _failed(conn, error, sql, params)
    return found


def execute_many(conn: Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """Run a prepared write once per row of positional values."""
    if _watched(conn):
        conn.exec_driver_sql(sql, rows)
        return
    driver = _driver(conn)
    try:
        driver.executemany(sql, rows)
    except conn.dialect.loaded_dbapi.Error as error:
        _failed(conn, error, sql, rows)
