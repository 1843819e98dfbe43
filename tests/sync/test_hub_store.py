"""The hub's schema: migrations create exactly `schema.py`, on SQLite and PostgreSQL; a database
from a newer build is refused."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from hjdesk.sync.hub.schema import metadata
from hjdesk.sync.hub.store import HubStore, HubStoreError, database_url


def test_migrations_match_the_schema(hub_db_url: str) -> None:
    store = HubStore(hub_db_url)
    try:
        with store.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = [
                d for d in compare_metadata(context, metadata)
                if not (isinstance(d, tuple) and "hub_alembic_version" in str(d))
            ]  # fmt: skip
        assert differences == []
        HubStore(hub_db_url).close()  # opening again migrates nothing
    finally:
        store.close()


def test_a_newer_hub_database_is_refused(hub_db_url: str) -> None:
    store = HubStore(hub_db_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE hub_alembic_version SET version_num = 'h9999'"))
    store.close()
    with pytest.raises(HubStoreError, match="newer version"):
        HubStore(hub_db_url)


def test_database_urls() -> None:
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert database_url("hub.db").startswith("sqlite:////")


def test_the_sqlite_hub_file_is_private_to_its_user(tmp_path):
    """Every record of the hub's prisons is in this file: 0600, in a folder that is 0700."""
    import stat

    folder = tmp_path / "hub-data"
    store = HubStore(str(folder / "hub.db"))
    try:
        with store.reading() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        store.close()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("hub.db", "hub.db-wal", "hub.db-shm"):
        path = folder / name
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name


def test_a_purge_is_found_by_patient_through_its_index(hub_db_url: str) -> None:
    """A push op about a patient who has left a prison asks whether they were purged there: one
    probe of the patient's index entry, not a read of every purge the prison ever recorded."""
    from hjdesk.sync.hub.authorise import purged_here

    store = HubStore(hub_db_url)
    try:
        query = purged_here("0b6f3c3e-0000-4000-8000-000000000001", "DMO")
        with store.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                # An empty table is cheapest to scan; ask which index the planner can use.
                conn.execute(text("SET enable_seqscan = off"))
                compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
                plan = " ".join(r[0] for r in conn.execute(text(f"EXPLAIN {compiled}")))
            else:
                compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
                plan = " ".join(r[3] for r in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert "ix_purges_patient_id_est_code" in plan, plan
    finally:
        store.close()
