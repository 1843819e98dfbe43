"""Schema versions: checked at unlock, backed up before migrating, newer vaults refused."""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.storage import migrate
from hjdesk.storage.engine import connect_raw, make_engine
from hjdesk.storage.errors import VaultDamaged, VaultTooNew
from hjdesk.storage.keyslots import KeySlots
from hjdesk.storage.models import PENDING_CONTRIBUTIONS, AuditEvent, Staff
from hjdesk.storage.vault import Vault
from tests.conftest import FAST_KDF, PASSWORD

BASE = "0001"


def _revision(opened) -> str | None:
    with opened.engine.connect() as conn:
        return migrate.current_revision(conn)


def _set_version(opened, value: str | None) -> None:
    with opened.engine.connect() as conn:
        if value is None:
            conn.exec_driver_sql("DELETE FROM alembic_version")
        else:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = ?", (value,))
        conn.commit()


def _backups(home) -> list:
    return sorted(home.backups.iterdir()) if home.backups.exists() else []


def _create_at(home, monkeypatch, revision: str):
    """A new vault left at `revision`, as an older HJDesk made it (the next unlock migrates)."""

    def upgrade_to(engine):
        with engine.begin() as conn:
            command.upgrade(migrate._config(conn), revision)

    with monkeypatch.context() as patch:
        patch.setattr(migrate, "upgrade", upgrade_to)
        opened = Vault.create(home, admin="admin", password=PASSWORD, kdf=FAST_KDF)
    assert _revision(opened) == revision
    return opened


def _plan(conn, query) -> list[str]:
    """SQLite's plan for an SQLAlchemy query, its values written in."""
    from sqlalchemy.dialects import sqlite

    literal = {"literal_binds": True}
    sql = str(query.compile(dialect=sqlite.dialect(), compile_kwargs=literal))
    return [str(r[3]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]


def _indexes_after_downgrade(home, revision: str, table: str) -> set[str]:
    """The vault downgraded to `revision`: the index names `table` has then."""
    with opened_engine(home) as engine, engine.begin() as conn:
        command.downgrade(migrate._config(conn), revision)
        return {r[1] for r in conn.exec_driver_sql(f"PRAGMA index_list({table})")}


def test_a_new_vault_is_at_head(vault):
    assert _revision(vault) == migrate.head_revision()
    assert migrate.needs_upgrade(vault.engine) is False
    assert _backups(vault.home) == []


def test_needs_upgrade_on_an_empty_database(tmp_path):
    engine = make_engine(tmp_path / "fresh.db", os.urandom(32))
    try:
        assert migrate.needs_upgrade(engine) is True
        migrate.upgrade(engine)
        assert migrate.needs_upgrade(engine) is False
        with engine.connect() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
    finally:
        engine.dispose()


def test_a_vault_from_a_newer_version_is_refused_untouched(vault):
    _set_version(vault, "9999")
    vault.lock()
    before = vault.home.vault.read_bytes()
    with pytest.raises(VaultTooNew) as caught:
        Vault(vault.home).unlock("admin", PASSWORD)
    assert "newer version" in caught.value.message
    assert vault.home.vault.read_bytes() == before
    assert _backups(vault.home) == []


def test_a_vault_that_lost_its_schema_version_is_damaged_not_remigrated(vault):
    """Upgrading from 'no version' would re-create existing tables and fail half-way."""
    _set_version(vault, None)
    with pytest.raises(VaultDamaged):
        migrate.needs_upgrade(vault.engine)
    vault.lock()
    with pytest.raises(VaultDamaged):
        Vault(vault.home).unlock("admin", PASSWORD)


@pytest.mark.skipif(migrate.head_revision() == BASE, reason="needs a second schema revision")
def test_an_older_vault_is_backed_up_then_migrated(home, monkeypatch):
    opened = _create_at(home, monkeypatch, BASE)
    opened.lock()
    old_bytes = home.vault.read_bytes()

    opened = Vault(home).unlock("admin", PASSWORD)
    try:
        assert _revision(opened) == migrate.head_revision()
        with opened.session() as session:
            assert session.scalars(select(Staff.username)).all() == ["admin"]
            actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
        assert actions == ["vault_created", "unlock"]
    finally:
        opened.lock()

    (backup,) = _backups(home)
    assert backup.name.startswith("vault-before-migration-")
    assert backup.read_bytes() == old_bytes  # the whole pre-migration file, WAL folded in
    assert not backup.read_bytes().startswith(b"SQLite format 3")
    key = KeySlots.load(home.keyslots).unwrap("admin", PASSWORD)
    conn = connect_raw(backup, key)
    try:
        (version,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        assert version == BASE
    finally:
        conn.close()

    # At head now: the next unlock neither migrates nor backs up again.
    Vault(home).unlock("admin", PASSWORD).lock()
    assert len(_backups(home)) == 1


def test_backup_copies_the_encrypted_file_with_its_wal_folded_in(vault):
    vault.add_user("nurse", PASSWORD, display_name="N", role="RN", kdf=FAST_KDF)
    target = migrate.backup(vault.home.vault, vault.home.backups, vault.engine)
    assert target.parent == vault.home.backups
    vault.lock()
    key = KeySlots.load(vault.home.keyslots).unwrap("admin", PASSWORD)
    conn = connect_raw(target, key)
    try:
        names = {row[0] for row in conn.execute("SELECT username FROM staff")}
    finally:
        conn.close()
    assert names == {"admin", "nurse"}  # the latest commit was in the WAL, not yet in vault.db


def test_vault_migrations_match_the_models(vault):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from hjdesk.storage.models import Base

    with vault.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = [
            d for d in compare_metadata(context, Base.metadata)
            if "alembic_version" not in str(d)
        ]  # fmt: skip
    assert differences == []


def test_0006_adds_amendments_and_appointment_location_to_an_existing_vault(home, monkeypatch):
    _create_at(home, monkeypatch, "0003").lock()
    opened = Vault(home).unlock("admin", PASSWORD)
    try:
        assert _revision(opened) == migrate.head_revision()
        with opened.engine.connect() as conn:
            for table in ("acct_contributions", "screening_events", "care_plan_reviews"):
                names = {row[1] for row in conn.exec_driver_sql(f"PRAGMA table_info({table})")}
                assert {"amends_id", "amendment_reason", "entered_in_error"} <= names
            names = {row[1] for row in conn.exec_driver_sql("PRAGMA table_info(appointments)")}
            assert "location" in names
            for table in ("encounters", "observations", "questionnaire_results", "measurements"):
                names = {row[1] for row in conn.exec_driver_sql(f"PRAGMA table_info({table})")}
                assert "signed_role" in names
    finally:
        opened.lock()


def _index_names(opened, table: str) -> set[str]:
    with opened.engine.connect() as conn:
        return {row[1] for row in conn.exec_driver_sql(f"PRAGMA index_list({table})")}


def test_0007_adds_the_worklist_indexes_to_an_existing_vault_and_today_uses_them(home, monkeypatch):
    from hjdesk.services.worklists.today import today_worklists

    opened = _create_at(home, monkeypatch, "0006")
    assert "ix_encounters_latest" not in _index_names(opened, "encounters")
    opened.lock()

    opened = Vault(home).unlock("admin", PASSWORD)
    try:
        assert _revision(opened) == migrate.head_revision()
        assert "ix_encounters_latest" in _index_names(opened, "encounters")
        assert "ix_patients_reception_date" in _index_names(opened, "patients")
        with opened.engine.connect() as conn:
            info = conn.exec_driver_sql("PRAGMA index_info(ix_encounters_latest)")
            columns = [r[2] for r in info]
            plan = " ".join(
                str(r[3])
                for r in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT max(started_at) FROM encounters WHERE kind = ? "
                    "AND patient_id = ? AND signed_at IS NOT NULL AND entered_in_error IS 0",
                    ("LTC_REVIEW", "x"),
                )
            )
        assert columns[:4] == ["kind", "patient_id", "ltc_condition", "started_at"]
        assert "COVERING INDEX ix_encounters_latest" in plan
        # Today still answers on the migrated vault (the admin may view the caseload).
        lists = today_worklists(opened, now=datetime.now(UTC))
        assert all(items == () for _, items in lists.named())
    finally:
        opened.lock()

    # Downgrade drops them again, leaving the rest of the schema as 0006 had it.
    names = _indexes_after_downgrade(home, "0006", "encounters")
    assert "ix_encounters_latest" not in names
    assert "ix_encounters_kind" in names


@contextlib.contextmanager
def opened_engine(home):
    key = KeySlots.load(home.keyslots).unwrap("admin", PASSWORD)
    engine = make_engine(home.vault, key)
    try:
        yield engine
    finally:
        engine.dispose()


def test_0010_adds_the_covering_roll_index_and_todays_per_person_lists_read_only_it(
    home, monkeypatch
):
    """An 0008 vault gains `ix_patients_worklists`; the LTC, second-stage and older-prisoner
    queries then read people from that index alone, not the (wide) patients table."""
    from hjdesk.services.worklists import today as today

    opened = _create_at(home, monkeypatch, "0008")
    assert "ix_patients_worklists" not in _index_names(opened, "patients")
    opened.lock()

    opened = Vault(home).unlock("admin", PASSWORD)
    try:
        assert _revision(opened) == migrate.head_revision()
        assert "ix_patients_worklists" in _index_names(opened, "patients")
        queries = []
        monkeypatch.setattr(
            today, "_rows", lambda session, query, only=None: queries.append(query) or []
        )
        day = datetime.now(UTC).date()
        with opened.session() as session:
            today.ltc_items(session, day, None, None)
            today.second_stage_items(session, day, None, None, today.DEFAULT_TODAY_POLICY)
            today.older_prisoner_items(session, day, None, None)
            conn = session.connection()
            for query in queries:
                plan = _plan(conn, query)
                people = [step for step in plan if "patients" in step]
                assert people, plan
                assert all("COVERING INDEX ix_patients_worklists" in step for step in people), plan
    finally:
        opened.lock()

    names = _indexes_after_downgrade(home, "0008", "patients")
    assert "ix_patients_worklists" not in names
    assert "ix_patients_reception_date" in names


def test_0011_adds_the_pending_contributions_index_and_the_unsynced_list_reads_through_it(
    home, monkeypatch
):
    """An 0010 vault gains the partial `ix_outbox_pending_contributions`; Today's unsynced list
    then finds the contributions not yet at the office through it, not by walking the outbox."""
    from hjdesk.services.acct import reports
    from hjdesk.storage.models import AcctContribution

    assert "kind = '" + AcctContribution.__sync_kind__ + "'" in PENDING_CONTRIBUTIONS

    opened = _create_at(home, monkeypatch, "0010")
    assert "ix_outbox_pending_contributions" not in _index_names(opened, "outbox")
    opened.lock()

    opened = Vault(home).unlock("admin", PASSWORD)
    try:
        assert _revision(opened) == migrate.head_revision()
        assert "ix_outbox_pending_contributions" in _index_names(opened, "outbox")
        seen = []
        real_execute = Session.execute

        def spy(self, statement, *args, **kwargs):
            seen.append(statement)
            return real_execute(self, statement, *args, **kwargs)

        with opened.session() as session:
            monkeypatch.setattr(Session, "execute", spy)
            reports.unsynced_contributions(session, datetime.now(UTC))
            monkeypatch.undo()
            (query,) = seen
            plan = _plan(session.connection(), query)
            outbox = [step for step in plan if "outbox" in step]
            assert outbox, plan
            assert all("ix_outbox_pending_contributions" in step for step in outbox), plan
    finally:
        opened.lock()

    names = _indexes_after_downgrade(home, "0010", "outbox")
    assert "ix_outbox_pending_contributions" not in names
    assert "ix_outbox_acked_at" in names


def test_0014_drops_the_kind_index_and_keeps_only_corrections_in_the_amendments_index(
    home, monkeypatch
):
    """An 0013 vault loses `ix_encounters_kind` and its `ix_encounters_amends_id` becomes
    partial. Reads by kind then go through `ix_encounters_latest`, and every shape of read by
    `amends_id` the services make (one id, a list, a correlated look-up) still uses the partial
    index: none walks the encounters."""
    from sqlalchemy.orm import aliased

    from hjdesk.storage.models import Encounter

    opened = _create_at(home, monkeypatch, "0013")
    assert {"ix_encounters_kind", "ix_encounters_amends_id"} <= _index_names(opened, "encounters")
    opened.lock()

    opened = Vault(home).unlock("admin", PASSWORD)
    try:
        assert _revision(opened) == migrate.head_revision()
        names = _index_names(opened, "encounters")
        assert "ix_encounters_kind" not in names
        with opened.engine.connect() as conn:
            (sql,) = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_encounters_amends_id'"
            ).one()
            assert sql.endswith("WHERE amends_id IS NOT NULL")
            later = aliased(Encounter)
            by_amends = [
                select(Encounter.id).where(Encounter.amends_id == "e-1"),
                select(Encounter.amends_id).where(Encounter.amends_id.in_(["e-1", "e-2"])),
                select(Encounter.id).where(
                    ~select(later.id)
                    .where(later.amends_id == Encounter.id, later.entered_in_error.is_(True))
                    .exists()
                ),
            ]
            for query in by_amends:
                plan = _plan(conn, query)
                assert any("ix_encounters_amends_id" in step for step in plan), plan
            plan = _plan(conn, select(Encounter.id).where(Encounter.kind == "CELL_DOOR"))
            assert any("ix_encounters_latest" in step for step in plan), plan
    finally:
        opened.lock()

    names = _indexes_after_downgrade(home, "0013", "encounters")
    assert {"ix_encounters_kind", "ix_encounters_amends_id"} <= names


def _columns(conn, table: str) -> dict[str, int]:
    """Column name: its `notnull` flag."""
    return {r[1]: r[3] for r in conn.exec_driver_sql(f"PRAGMA table_info({table})")}


def test_0015_stamps_set_aside_records_with_the_apply_rules_that_refused_them(home, monkeypatch):
    """A vault an 0014 HJDesk made gains `sync_quarantine.rules_version`, empty (rows set aside
    before it count as set aside by an earlier version: tests/sync/test_quarantine_auto_retry.py);
    downgrading drops it again."""
    opened = _create_at(home, monkeypatch, "0014")
    with opened.engine.connect() as conn:
        assert "rules_version" not in _columns(conn, "sync_quarantine")
    opened.lock()

    opened = Vault(home).unlock("admin", PASSWORD)
    try:
        assert _revision(opened) == migrate.head_revision()
        with opened.engine.connect() as conn:
            assert _columns(conn, "sync_quarantine")["rules_version"] == 0  # nullable
    finally:
        opened.lock()

    with opened_engine(home) as engine, engine.begin() as conn:
        command.downgrade(migrate._config(conn), "0014")
        columns = _columns(conn, "sync_quarantine")
        assert "rules_version" not in columns
        assert {"dismissed_at", "audited_at", "payload"} <= set(columns)


def test_0016_keeps_records_of_a_kind_this_version_does_not_know(home, monkeypatch):
    """A vault an 0015 HJDesk made gains `held_for_newer`, empty, keyed by kind and record id
    (tests/sync/test_held_for_newer.py); downgrading drops it again."""
    opened = _create_at(home, monkeypatch, "0015")
    with opened.engine.connect() as conn:
        assert _columns(conn, "held_for_newer") == {}
    opened.lock()

    opened = Vault(home).unlock("admin", PASSWORD)
    try:
        assert _revision(opened) == migrate.head_revision()
        with opened.engine.connect() as conn:
            assert _columns(conn, "held_for_newer") == {
                "kind": 1, "record_id": 1, "patient_id": 0, "rev": 1, "payload": 1,
                "received_at": 1,
            }  # fmt: skip
            keys = {r[1]: r[5] for r in conn.exec_driver_sql("PRAGMA table_info(held_for_newer)")}
            assert (keys["kind"], keys["record_id"]) == (1, 2)
            assert conn.exec_driver_sql("SELECT count(*) FROM held_for_newer").scalar() == 0
    finally:
        opened.lock()

    names = _indexes_after_downgrade(home, "0015", "sync_quarantine")
    assert "ix_sync_quarantine_patient_id" in names
    with opened_engine(home) as engine, engine.connect() as conn:
        assert _columns(conn, "held_for_newer") == {}
        assert "rules_version" in _columns(conn, "sync_quarantine")
