"""Schema versions: check at open, back up, then upgrade through Alembic (architecture.md §3)."""

from __future__ import annotations

import functools
import shutil
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from hjdesk.storage.errors import VaultDamaged, VaultTooNew

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def scripts() -> ScriptDirectory:
    """The migration scripts this build ships, read once per process: loading them (Alembic
    compiles each file) was ~80 ms of every unlock under load (docs/performance.md); they cannot
    change while the program runs. `vault.prepare_unlock` reads them before the password."""
    script = ScriptDirectory.from_config(_config())
    script.get_current_head()  # loads and keeps the revision map
    return script


def head_revision() -> str:
    head = scripts().get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def needs_upgrade(engine: Engine) -> bool:
    """True when the vault is older than this build; raises VaultTooNew when it is newer."""
    script = scripts()
    with engine.connect() as conn:
        current = current_revision(conn)
        tables = conn.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name != 'alembic_version'"
        ).scalar_one()
    if current is None:
        if tables:
            # Tables but no schema version: upgrading would try to create them again.
            raise VaultDamaged(
                "The vault has lost its schema version and cannot be opened safely: contact IT "
                "support, who can restore it from the hub or a backup."
            )
        return True
    if current == script.get_current_head():
        return False
    try:
        script.get_revision(current)
    except Exception:  # alembic raises several kinds for an unknown id
        raise VaultTooNew(
            "This vault was made by a newer version of HJDesk: install that version to open it."
        ) from None
    return True


def backup(vault: Path, backups: Path, engine: Engine) -> Path:
    """Copy the (still encrypted) vault file aside after folding the WAL into it."""
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    backups.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = backups / f"vault-before-migration-{stamp}.db"
    shutil.copy2(vault, target)
    return target


def upgrade(engine: Engine) -> None:
    """Run the migrations in one transaction, with foreign keys off as SQLite asks for a table
    rebuild (batch mode copies a table, drops the old one and renames the copy; with keys on, the
    drop would count every reference to it as broken). They are not checked afterwards either: a
    laptop's vault legitimately points at records of other establishments it never receives."""
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        # Only outside a transaction does SQLite honour this pragma; it is restored below.
        raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                command.upgrade(_config(conn), "head")
        finally:
            if conn.connection.dbapi_connection is not None:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys = ON")
