"""A laptop vault and a hub database made by the release before estate-wide ids migrate, then
sync (fixtures and the script that made them: tests/fixtures/previous_release/).

The fixture hub holds two copies of two prisoners (two laptops imported one roll), and the laptop
pulled the second laptop's copies: after migrating, each prisoner is one record with all its
history on both sides, the audit chains are whole, and the laptop's unsent work reaches the hub
under the new ids.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, func, inspect, select, text

from hjdesk.clinical import estate_ids
from hjdesk.storage import migrate
from hjdesk.storage.audit import verify
from hjdesk.storage.models import (
    Condition,
    Encounter,
    IdAlias,
    OutboxOp,
    Patient,
    Setting,
    Staff,
)
from hjdesk.storage.paths import HomePaths
from hjdesk.sync import local_state
from hjdesk.sync.hub import schema
from hjdesk.sync.hub.store import _alembic_config, database_url
from tests.sync.helpers import HubProcess, Laptop, run_cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "previous_release"


def _laptop_from_fixture(root: Path) -> Laptop:
    home = HomePaths.resolve(root / "laptop")
    home.ensure()
    shutil.copyfile(FIXTURES / "vault.sqlcipher.fixture", home.vault)
    shutil.copyfile(FIXTURES / "keyslots.json.fixture", home.keyslots)
    laptop = Laptop.__new__(Laptop)
    laptop.name, laptop.home = "previous", home
    return laptop


def _previous_hub(url: str, tmp_path: Path) -> None:
    """The fixture hub at `url`: the SQLite file itself, or on PostgreSQL the same rows loaded into
    a database at the previous release's schema (h0001), so both engines run migration h0002."""
    if url.startswith("sqlite"):
        shutil.copyfile(FIXTURES / "hub.sqlite.fixture", url.removeprefix("sqlite:///"))
        return
    source_file = tmp_path / "previous-hub.db"
    shutil.copyfile(FIXTURES / "hub.sqlite.fixture", source_file)
    source = create_engine(f"sqlite:///{source_file}")
    target = create_engine(database_url(url))
    try:
        with target.begin() as conn:
            command.upgrade(_alembic_config(conn), "h0001")
        present = set(inspect(source).get_table_names())
        with source.connect() as read, target.begin() as write:
            for table in schema.metadata.sorted_tables:
                if table.name not in present:
                    continue  # made by a later migration (h0002, h0005)
                rows = [dict(r) for r in read.execute(select(table)).mappings()]
                write.execute(table.delete())
                if rows:
                    write.execute(table.insert(), rows)
    finally:
        source.dispose()
        target.dispose()


def test_a_previous_release_vault_and_hub_migrate_and_sync(hub_db_url: str, tmp_path: Path) -> None:
    _previous_hub(hub_db_url, tmp_path)
    hub = HubProcess(hub_db_url, tmp_path / "hubdir").start()  # migrates to head
    try:
        laptop = _laptop_from_fixture(tmp_path)
        with laptop.vault():  # unlocking migrates the vault (a backup is kept)
            pass
        assert list(laptop.home.backups.iterdir())
        with laptop.peek() as s:
            conn = s.connection()
            assert migrate.current_revision(conn) == migrate.head_revision()
            patients = list(s.scalars(select(Patient)))
            numbers = [p.prison_number for p in patients]
            assert len(numbers) == len(set(numbers)) == 6  # the two copies are joined
            assert all(p.id == estate_ids.patient_id(p.prison_number) for p in patients)
            assert all(
                staff.id == estate_ids.staff_id("DMO", staff.username)
                for staff in s.scalars(select(Staff))
            )
            known = {p.id for p in patients}
            for model in (Condition, Encounter):  # every reference follows the new ids
                assert set(s.scalars(select(model.patient_id))) <= known
            assert s.scalar(select(func.count()).select_from(IdAlias)) > 0
            assert verify(s).ok  # audit events were not rewritten: the chain is whole
            unsent = list(s.scalars(select(OutboxOp).where(OutboxOp.acked_at.is_(None))))
            asthma = [op for op in unsent if op.kind == "condition"]
            assert len(asthma) == 1
            assert asthma[0].patient_id in known
            assert asthma[0].patient_id in asthma[0].payload
            asthma_id = asthma[0].record_id
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
            # The hub moved to a new port; point the laptop at it.
            s.get(Setting, local_state.HUB_URL).value = hub.url  # type: ignore[union-attr]
            s.commit()

        with hub.store.reading() as conn:
            docs = schema.documents
            hub_patients = conn.execute(
                select(docs.c.id, docs.c.payload).where(docs.c.kind == "patient")
            ).all()
            assert sorted(i for i, _ in hub_patients) == sorted(known)
            assert all(i == estate_ids.patient_id(p["prison_number"]) for i, p in hub_patients)
            orphans = conn.execute(
                select(func.count())
                .select_from(docs)
                .where(docs.c.patient_id.is_not(None), docs.c.kind != "audit_event")
                .where(docs.c.patient_id.not_in(known))
            ).scalar_one()
            assert orphans == 0

        summary = laptop.sync()
        assert summary.pushed >= 1
        assert laptop.unsent() == 0
        condition = hub.doc("condition", asthma_id)
        assert condition is not None
        assert condition["patient_id"] in known
        assert hub.count(schema.conflicts, schema.conflicts.c.status == "open") == 0
        report = run_cli("hub", "audit-report", "--db", hub.db_url)
        assert report.returncode == 0, report.stdout
        assert "0 breaks" in report.stdout
        with laptop.peek() as s:
            assert s.scalar(select(func.count()).select_from(Patient)) == 6
    finally:
        hub.close()
