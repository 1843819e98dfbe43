"""The triggers that mark whose Today items may have changed (migration 0012): every insert,
update and delete on a table Today's kept lists read marks the person the row is about (both
people when an update moves a row), a location or establishment change marks everyone, and a
first sync sets the triggers aside with the indexes and marks everyone when they are back.

Rows are copied, changed and deleted here inside transactions that are rolled back: the marks
are storage's mechanism, tested on the demo's own rows without leaving any hand-shaped row."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Connection, text

from hjdesk.storage import deferred_indexes
from hjdesk.storage.engine import IMMEDIATE
from hjdesk.storage.models import EVERYONE
from hjdesk.storage.vault import OpenVault

PER_PERSON = {
    "patients": "id",
    "conditions": "patient_id",
    "encounters": "patient_id",
    "care_plans": "patient_id",
    "care_plan_reviews": "patient_id",
    "acct_cases": "patient_id",
    "acct_events": "patient_id",
    "acct_contributions": "patient_id",
    "caseload_memberships": "patient_id",
}
EVERYONE_TABLES = ("locations", "establishments")


def _marks(conn: Connection) -> dict[str, int]:
    return {
        str(pid): int(seq)
        for pid, seq in conn.execute(text("SELECT patient_id, seq FROM worklist_changes"))
    }


def _changed(conn: Connection, before: dict[str, int]) -> set[str]:
    return {pid for pid, seq in _marks(conn).items() if before.get(pid) != seq}


def _one(conn: Connection, table: str, column: str) -> tuple[str, str]:
    row = conn.execute(text(f"SELECT id, {column} FROM {table} LIMIT 1")).one()
    return str(row[0]), str(row[1])


def _rolled_back(demo: OpenVault) -> Any:
    conn = demo.engine.execution_options(**{IMMEDIATE: True}).connect()
    conn.begin()
    return conn


@pytest.mark.parametrize("table", sorted(PER_PERSON))
def test_insert_update_and_delete_mark_the_person_the_row_is_about(
    demo: OpenVault, table: str
) -> None:
    column = PER_PERSON[table]
    conn = _rolled_back(demo)
    try:
        row_id, person = _one(conn, table, column)
        other = conn.execute(
            text("SELECT id FROM patients WHERE id != :p LIMIT 1"), {"p": person}
        ).scalar_one()

        before = _marks(conn)
        conn.execute(text(f"UPDATE {table} SET rev = rev WHERE id = :i"), {"i": row_id})
        assert _changed(conn, before) == {person}

        if table != "patients":  # a row moved to another person marks both
            before = _marks(conn)
            conn.execute(
                text(f"UPDATE {table} SET {column} = :o WHERE id = :i"),
                {"o": other, "i": row_id},
            )
            assert _changed(conn, before) == {person, other}
            conn.execute(
                text(f"UPDATE {table} SET {column} = :p WHERE id = :i"),
                {"p": person, "i": row_id},
            )

        before = _marks(conn)
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        conn.execute(text(f"DELETE FROM {table} WHERE id = :i"), {"i": row_id})
        assert _changed(conn, before) == {person}

    finally:
        conn.rollback()
        conn.close()


def test_an_insert_marks_the_person_and_marks_only_ever_rise(demo: OpenVault) -> None:
    conn = _rolled_back(demo)
    try:
        row_id, person = _one(conn, "conditions", "patient_id")
        conn.exec_driver_sql(
            "CREATE TEMP TABLE copied AS SELECT * FROM conditions WHERE id = ?", (row_id,)
        )
        conn.exec_driver_sql("UPDATE copied SET id = 'aaaaaaaa-0000-4000-8000-000000000001'")
        before = _marks(conn)
        top = max(before.values(), default=0)
        conn.exec_driver_sql("INSERT INTO conditions SELECT * FROM copied")
        after = _marks(conn)
        assert _changed(conn, before) == {person}
        assert after[person] == top + 1
    finally:
        conn.rollback()
        conn.close()


@pytest.mark.parametrize("table", EVERYONE_TABLES)
def test_a_location_or_establishment_change_marks_everyone(demo: OpenVault, table: str) -> None:
    conn = _rolled_back(demo)
    try:
        row_id = conn.execute(text(f"SELECT id FROM {table} LIMIT 1")).scalar_one()
        before = _marks(conn)
        conn.execute(text(f"UPDATE {table} SET rev = rev WHERE id = :i"), {"i": row_id})
        assert _changed(conn, before) == {EVERYONE}
    finally:
        conn.rollback()
        conn.close()


def _triggers(opened: OpenVault) -> dict[str, str]:
    with opened.engine.connect() as conn:
        return {
            str(name): str(sql)
            for name, sql in conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            )
        }


def test_every_table_has_its_three_triggers(vault: OpenVault) -> None:
    found = _triggers(vault)
    expected = {
        f"worklist_changed_{table}_{event}"
        for table in (*PER_PERSON, *EVERYONE_TABLES)
        for event in ("insert", "update", "delete")
    }
    assert set(found) == expected


def test_a_first_sync_sets_the_triggers_aside_and_marks_everyone_after(
    vault: OpenVault,
) -> None:
    from hjdesk.sync.local_apply import applied_tables

    migrated = _triggers(vault)
    with vault.engine.execution_options(**{IMMEDIATE: True}).begin() as conn:
        assert deferred_indexes.defer(conn, applied_tables()) > 0
        assert _triggers_in(conn) == set()  # none fires while the vault fills
        kept = dict(json.loads(conn.execute(text(
            "SELECT value FROM settings WHERE key = :k"), {"k": deferred_indexes.SETTING}
        ).scalar_one()))  # fmt: skip
        assert set(migrated) <= set(kept)
    with vault.engine.execution_options(**{IMMEDIATE: True}).begin() as conn:
        deferred_indexes.rebuild(conn)
        assert _marks(conn).keys() == {EVERYONE}
    assert _triggers(vault) == migrated  # byte for byte


def _triggers_in(conn: Connection) -> set[str]:
    return set(
        conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
    )


def test_kept_sql_that_is_not_a_worklist_trigger_is_refused(vault: OpenVault) -> None:
    evil = "CREATE TRIGGER worklist_changed_x AFTER INSERT ON outbox BEGIN DELETE FROM outbox; END"
    with vault.transaction() as session:
        session.execute(
            text("INSERT INTO settings (key, value) VALUES (:k, :v)"),
            {"k": deferred_indexes.SETTING, "v": json.dumps([["worklist_changed_x", evil]])},
        )
    with (
        pytest.raises(ValueError, match="not a plain index"),
        vault.engine.execution_options(**{IMMEDIATE: True}).begin() as conn,
    ):
        deferred_indexes.rebuild(conn)
    assert "worklist_changed_x" not in _triggers(vault)
