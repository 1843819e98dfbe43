"""Indexes a first sync sets aside come back exactly as migrated, and never stay missing.

`hjdesk.storage.deferred_indexes` drops a table's plain secondary indexes with their SQL kept in
the vault; `rebuild` (or the next unlock, after a kill) builds them from that SQL. The sync side
(a whole first sync, and one killed mid-way) is in tests/sync/test_first_sync_indexes.py."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from hjdesk.storage import deferred_indexes
from hjdesk.storage.engine import IMMEDIATE
from hjdesk.storage.errors import VaultDamaged
from hjdesk.storage.vault import OpenVault, Vault
from tests.conftest import PASSWORD


def _schema(opened: OpenVault) -> set[tuple[str, str, str, str | None]]:
    with opened.engine.connect() as conn:
        return {
            (kind, name, table, sql)
            for kind, name, table, sql in conn.execute(
                text("SELECT type, name, tbl_name, sql FROM sqlite_master")
            )
        }


def _defer(opened: OpenVault, *tables: str) -> int:
    with opened.engine.execution_options(**{IMMEDIATE: True}).begin() as conn:
        return deferred_indexes.defer(conn, tables)


def _index_names(opened: OpenVault, table: str) -> set[str]:
    with opened.engine.connect() as conn:
        return set(
            conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"),
                {"t": table},
            ).scalars()
        )


def test_only_plain_indexes_are_set_aside_and_rebuilt_byte_for_byte(vault: OpenVault) -> None:
    migrated = _schema(vault)
    before = _index_names(vault, "outbox")
    assert _defer(vault, "outbox", "staff") > 0
    left = _index_names(vault, "outbox")
    # The primary key's and UNIQUE constraints' indexes (no SQL of their own) stay throughout.
    assert left == {n for n in before if n.startswith("sqlite_autoindex")}
    assert "ix_outbox_pending_contributions" not in left
    with vault.engine.connect() as conn:
        assert deferred_indexes.pending(conn)
        kept = dict(json.loads(conn.execute(text(
            "SELECT value FROM settings WHERE key = :k"), {"k": deferred_indexes.SETTING}
        ).scalar_one()))  # fmt: skip
    assert "WHERE" in kept["ix_outbox_pending_contributions"]  # a partial index keeps its rule
    # staff.username is UNIQUE: its index is not among those set aside.
    assert not any(sql.startswith("CREATE UNIQUE") for sql in kept.values())
    with vault.engine.execution_options(**{IMMEDIATE: True}).begin() as conn:
        assert deferred_indexes.rebuild(conn) == len(kept)
    assert _schema(vault) == migrated
    with vault.engine.connect() as conn:
        assert not deferred_indexes.pending(conn)


def test_set_aside_twice_keeps_the_first_definitions(vault: OpenVault) -> None:
    migrated = _schema(vault)
    assert _defer(vault, "outbox") > 0
    assert _defer(vault, "outbox", "patients") == 0  # already set aside: nothing more dropped
    with vault.engine.execution_options(**{IMMEDIATE: True}).begin() as conn:
        deferred_indexes.rebuild(conn)
    assert _schema(vault) == migrated


def test_a_failed_transaction_drops_nothing_and_keeps_nothing(vault: OpenVault) -> None:
    migrated = _schema(vault)
    conn = vault.engine.execution_options(**{IMMEDIATE: True}).connect()
    try:
        with conn.begin():
            assert deferred_indexes.defer(conn, ["outbox"]) > 0
            conn.rollback()  # the process stops before the commit
    finally:
        conn.close()
    assert _schema(vault) == migrated


def test_the_next_unlock_rebuilds_what_a_killed_first_sync_left_set_aside(
    vault: OpenVault,
) -> None:
    migrated = _schema(vault)
    assert _defer(vault, "outbox", "patients") > 0
    vault.lock()  # as if the process had been killed here: the indexes are still missing
    opened = Vault(vault.home).unlock("admin", PASSWORD)
    try:
        assert _schema(opened) == migrated
        with opened.engine.connect() as conn:
            assert not deferred_indexes.pending(conn)
    finally:
        opened.lock()


def test_kept_sql_that_is_not_a_plain_index_is_refused(vault: OpenVault) -> None:
    bad = json.dumps([["ix_evil", "CREATE INDEX ix_evil ON outbox (seq); DROP TABLE outbox"]])
    with vault.transaction() as session:
        session.execute(
            text("INSERT INTO settings (key, value) VALUES (:k, :v)"),
            {"k": deferred_indexes.SETTING, "v": bad},
        )
    with (
        pytest.raises(ValueError, match="not a plain index"),
        vault.engine.execution_options(**{IMMEDIATE: True}).begin() as conn,
    ):
        deferred_indexes.rebuild(conn)
    with vault.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox")).scalar_one() > 0  # not dropped
    vault.lock()
    with pytest.raises(VaultDamaged, match="set-aside index"):
        Vault(vault.home).unlock("admin", PASSWORD)
