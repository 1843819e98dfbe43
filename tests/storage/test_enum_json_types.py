"""Migration 0009: an existing vault gains a CHECK on every enum column, keeps its rows and its
audit chain, and one holding a value outside an enum is refused untouched (with its backup)."""

from __future__ import annotations

import importlib.util
import re
from types import ModuleType

import pytest
from alembic import command
from sqlalchemy import select

from hjdesk.storage import migrate
from hjdesk.storage.audit import verify
from hjdesk.storage.errors import VaultDamaged
from hjdesk.storage.models import AuditEvent, Base
from hjdesk.storage.models.column_types import enum_values
from hjdesk.storage.vault import Vault
from tests.conftest import FAST_KDF, PASSWORD
from tests.storage.test_migrations import _backups, _revision, opened_engine

MIGRATION = migrate.MIGRATIONS / "versions" / "0009_enum_json_types.py"


def _migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration_0009", MIGRATION)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _model_enums() -> dict[str, dict[str, tuple[int, tuple[str, ...]]]]:
    found: dict[str, dict[str, tuple[int, tuple[str, ...]]]] = {}
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            values = enum_values(column.type)
            if values is not None:
                length = getattr(column.type, "length", None)
                assert isinstance(length, int)
                found.setdefault(table.name, {})[column.name] = (length, values)
    return found


def _vault_at_0008(home, monkeypatch) -> Vault:
    def upgrade_to_0008(engine):
        with engine.begin() as conn:
            command.upgrade(migrate._config(conn), "0008")

    with monkeypatch.context() as patch:
        patch.setattr(migrate, "upgrade", upgrade_to_0008)
        opened = Vault.create(home, admin="admin", password=PASSWORD, kdf=FAST_KDF)
    assert _revision(opened) == "0008"
    opened.add_user("nurse", PASSWORD, display_name="N", role="RN", kdf=FAST_KDF)
    opened.lock()
    return opened


def _checks(conn, table: str) -> dict[str, set[str]]:
    """column -> the values its CHECK allows, read back from the table's own SQL."""
    sql = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    found = {}
    for column, values in re.findall(r'CHECK \("?(\w+)"? IN \(([^)]*)\)\)', sql):
        found[column] = set(re.findall(r"'([^']*)'", values))
    return found


def test_the_migration_freezes_exactly_the_models_enums() -> None:
    """Adding a member to one of these enums needs a new migration that widens its CHECK: the
    vault would refuse the new value otherwise."""
    assert _model_enums() == _migration().ENUMS


def test_0009_adds_the_checks_to_an_existing_vault_and_keeps_its_chain(home, monkeypatch):
    _vault_at_0008(home, monkeypatch)
    with opened_engine(home) as engine, engine.connect() as conn:
        before = conn.exec_driver_sql("SELECT seq, detail, hash FROM audit_events").all()
        assert _checks(conn, "care_plans") == {}

    opened = Vault(home).unlock("admin", PASSWORD)
    try:
        assert _revision(opened) == migrate.head_revision()
        with opened.engine.connect() as conn:
            for table, columns in _model_enums().items():
                assert _checks(conn, table) == {c: set(v) for c, (_, v) in columns.items()}
            after = conn.exec_driver_sql("SELECT seq, detail, hash FROM audit_events").all()
        # The chain made before 0009 is byte for byte what it was, and still verifies.
        assert after[: len(before)] == before
        with opened.session() as session:
            assert verify(session).ok
            actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
        assert actions[-1] == "unlock"
    finally:
        opened.lock()
    assert len(_backups(home)) == 1

    # Downgrade takes the checks away again and leaves the rows.
    with opened_engine(home) as engine, engine.begin() as conn:
        command.downgrade(migrate._config(conn), "0008")
        assert _checks(conn, "care_plans") == {}
        assert conn.exec_driver_sql("SELECT count(*) FROM staff").scalar_one() == 2


def test_a_vault_holding_a_value_outside_an_enum_is_refused_untouched(home, monkeypatch):
    _vault_at_0008(home, monkeypatch)
    with opened_engine(home) as engine, engine.connect() as conn:
        # Hand-shaped on purpose: no service can write this (they write enum members); it stands
        # for a record pulled from a hub that did not check it.
        conn.exec_driver_sql(
            "INSERT INTO establishments (id, rev, hlc, origin_device, updated_at, code, name) "
            "VALUES ('e1', 1, '', '', '2026-01-01 00:00:00', 'AAI', '')"
        )
        conn.exec_driver_sql(
            "INSERT INTO clinic_sessions (id, rev, hlc, origin_device, updated_at, "
            "establishment_id, clinic_type, session_date, period, wings, clinicians, "
            "facilitating_officer, status) VALUES ('s1', 1, '', '', '2026-01-01 00:00:00', "
            "'e1', 'DENTAL', '2026-01-02', 'AM', 'A', '[]', '', 'PLANNED')"
        )
        conn.commit()

    with pytest.raises(VaultDamaged) as caught:
        Vault(home).unlock("admin", PASSWORD)
    message = caught.value.message
    assert "clinic_sessions.clinic_type (1 row)" in message
    assert "DENTAL" not in message  # the value itself could be anything: never shown
    assert "backup" in message
    assert "IT support" in message

    assert len(_backups(home)) == 1  # taken before migrating, as for any migration
    with opened_engine(home) as engine, engine.connect() as conn:
        assert migrate.current_revision(conn) == "0008"
        assert conn.exec_driver_sql("SELECT clinic_type FROM clinic_sessions").scalar() == "DENTAL"
        # Left as it was: no half-made table copy, foreign keys back on for the next user.
        names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
        assert not any(name.startswith("_alembic_tmp") for name in names)


def test_foreign_keys_are_on_again_after_migrating(home, monkeypatch):
    _vault_at_0008(home, monkeypatch)
    opened = Vault(home).unlock("admin", PASSWORD)
    try:
        with opened.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        opened.lock()
