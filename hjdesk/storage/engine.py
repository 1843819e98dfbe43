"""The SQLCipher engine: raw 256-bit key first, then the pragmas, on every connection.

Recipe (architecture.md §3): `create_engine("sqlite://", creator=...)` with a raw key so a
connection costs no KDF, `isolation_level=None` on the driver and an explicit BEGIN from the
"begin" event so SAVEPOINT and rollback behave (SQLAlchemy pysqlite docs, "Serializable isolation").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from hjdesk.storage.errors import translate_database_error

# Execution option that makes a transaction begin IMMEDIATE (see `_begin`).
IMMEDIATE = "hjdesk_immediate"

PRAGMAS = (
    # Whether SQLCipher wipes freed memory: measured (benchmarks) as too costly for what it buys
    # on a laptop whose swap is encrypted; revisit if the platform changes.
    "PRAGMA cipher_memory_security = OFF",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    # Copy the log back into the vault every 4,000 pages (~16 MiB) instead of SQLite's 1,000. A
    # signed entry writes ~30 pages, so with 1,000 one entry in 33 also paid the checkpoint's two
    # syncs (~7-10 ms) and sat right at the p95; with 4,000 it is one in ~130, and the others
    # are not slower (docs/performance.md, "One entry: sixteenth session"). Larger thresholds
    # made every entry slower: each read then searches a longer log.
    "PRAGMA wal_autocheckpoint = 4000",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    # Up to 64 MiB of decrypted pages per connection (SQLite's default is 2 MiB): at 100,000
    # patients the worklists read ~30,000 pages, and re-decrypting them on every visit was a
    # third of Today's time (docs/performance.md). Freed when the vault locks (engine disposed).
    "PRAGMA cache_size = -65536",
)


def connect_raw(path: Path, key: bytes) -> Any:
    """Open one SQLCipher connection with the key as the very first statement."""
    if len(key) != 32:
        raise ValueError("the vault key must be 32 bytes")
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    # SQLCipher logs wrong-key noise to stderr unless told otherwise; that must come before the key
    # only as a log setting, which SQLCipher permits.
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    for pragma in PRAGMAS:
        conn.execute(pragma)
    return conn


def make_engine(path: Path, key: bytes) -> Engine:
    """An engine over the vault; the key lives only in this closure until `dispose()`."""

    def creator() -> Any:
        return connect_raw(path, key)

    # `module`: the connections are sqlcipher3's, so their errors must be the dialect's DBAPI
    # errors too; otherwise SQLAlchemy does not wrap them and `except sqlalchemy.exc.IntegrityError`
    # (sync's collision handling) never matches.
    engine = create_engine(
        "sqlite://",
        creator=creator,
        module=sqlcipher3.dbapi2,
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
        # An error's message must never carry a row's values (names, numbers) into a log.
        hide_parameters=True,
    )

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # Writers say IMMEDIATE: they take the write lock at BEGIN and queue within the busy
        # timeout. A deferred transaction that reads and then writes after another connection
        # committed gets SQLITE_BUSY at once, whatever the timeout (WAL snapshot rule).
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    @event.listens_for(engine, "handle_error")
    def _known(context: Any) -> None:
        # A damaged page met by any read (a service's plain session, not only `transaction()`)
        # must not escape as a bug: raise the KnownError a person can act on.
        original = context.original_exception
        if type(original).__module__.startswith("sqlcipher3"):
            known = translate_database_error(original)
            if known is not None:
                raise known from original

    return engine
