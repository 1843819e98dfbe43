"""Statements on the driver (`storage.driver_sql`) keep what SQLAlchemy's path gave: the
connection's error handling (its `handle_error` listeners, SQLAlchemy's exception classes, the
values hidden), the transaction, and what anyone watching statements sees. (The rows an entry
writes through it are compared with flushed ones in tests/services/test_encounter_append.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from hjdesk.storage.driver_sql import execute_many, fetch_one
from hjdesk.storage.vault import OpenVault

INSERT = "INSERT INTO settings (key, value) VALUES (?, ?)"
SECRET = "Value-That-Must-Not-Be-Logged"


def test_a_refused_write_is_sqlalchemys_error_its_values_hidden_and_the_engine_heard_it(
    vault: OpenVault,
) -> None:
    heard: list[Any] = []

    def listen(context: Any) -> None:
        heard.append(context.original_exception)

    def write_twice() -> None:
        with vault.transaction() as session:
            execute_many(session.connection(), INSERT, [("test.key", SECRET)] * 2)

    event.listen(vault.engine, "handle_error", listen)
    try:
        with pytest.raises(IntegrityError) as raised:
            write_twice()
    finally:
        event.remove(vault.engine, "handle_error", listen)
    assert SECRET not in str(raised.value)
    assert "UNIQUE constraint failed: settings.key" in str(raised.value)
    assert [type(e).__module__.split(".")[0] for e in heard] == ["sqlcipher3"]
    with vault.session() as session:  # the transaction rolled back: neither row stayed
        assert fetch_one(session.connection(), "SELECT value FROM settings WHERE key = ?",
                         ("test.key",)) is None  # fmt: skip


def test_a_write_and_a_read_run_in_the_connections_transaction(vault: OpenVault) -> None:
    with vault.transaction() as session:
        conn = session.connection()
        execute_many(conn, INSERT, [("test.a", "1"), ("test.b", "2")])
        row = fetch_one(conn, "SELECT count(*) FROM settings WHERE key LIKE 'test.%'", ())
        assert row == (2,)
        session.rollback()
    with vault.session() as session:
        row = fetch_one(
            session.connection(), "SELECT count(*) FROM settings WHERE key = ?", ("test.a",)
        )
        assert row == (0,)


def test_on_a_connection_with_no_transaction_the_engine_begins_one_first(
    vault: OpenVault,
) -> None:
    """As SQLAlchemy's autobegin: through the engine's `begin` listener (which says BEGIN or
    BEGIN IMMEDIATE), so no statement runs in the driver's own implicit transaction."""
    began: list[Any] = []

    def listen(conn: Any) -> None:
        began.append(conn)

    event.listen(vault.engine, "begin", listen)
    try:
        with vault.engine.connect() as conn:
            assert not conn.in_transaction()
            execute_many(conn, INSERT, [("test.c", "3")])
            assert conn.in_transaction()
            assert len(began) == 1
            assert fetch_one(conn, "SELECT value FROM settings WHERE key = ?", ("test.c",)) == (
                "3",
            )
            conn.rollback()
            assert fetch_one(conn, "SELECT count(*) FROM settings WHERE key = 'test.c'", ()) == (0,)
            assert len(began) == 2
    finally:
        event.remove(vault.engine, "begin", listen)


def test_a_statement_listener_sees_the_statements(vault: OpenVault) -> None:
    seen: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(vault.engine, "before_cursor_execute", listen)
    try:
        with vault.transaction() as session:
            conn = session.connection()
            execute_many(conn, INSERT, [("test.d", "4")])
            assert fetch_one(conn, "SELECT value FROM settings WHERE key = ?", ("test.d",)) == (
                "4",
            )
    finally:
        event.remove(vault.engine, "before_cursor_execute", listen)
    assert INSERT in seen
    assert "SELECT value FROM settings WHERE key = ?" in seen
