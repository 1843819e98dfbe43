"""The hub's store: one engine over SQLite (the embedded default) or PostgreSQL, migrated at open.

Writers are serialised on purpose. Every push takes the change counter first — `BEGIN IMMEDIATE` on
SQLite, `SELECT … FOR UPDATE` on its row on PostgreSQL — and holds it to commit, so change
sequence numbers become visible in the order they were handed out. Without that, a pull could read
seq 11 while seq 10 is still uncommitted and step past it for ever. Pulls read one snapshot
(REPEATABLE READ on PostgreSQL; a WAL read transaction on SQLite). The hub process keeps no state
of its own, so several copies can serve one PostgreSQL database.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    ARRAY,
    Connection,
    Engine,
    Select,
    String,
    and_,
    bindparam,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from hjdesk.storage.errors import KnownError
from hjdesk.sync.hub import schema

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_IMMEDIATE = "hjdesk_immediate"


class HubStoreError(KnownError):
    """The hub database cannot be opened or used (wrong URL, unreachable, too new)."""


def database_url(value: str) -> str:
    """`--db` takes a URL or, for the embedded default, a plain SQLite file path."""
    if "://" in value:
        # We ship psycopg 3; a bare postgresql:// would make SQLAlchemy look for psycopg2.
        for bare in ("postgresql://", "postgres://"):
            if value.startswith(bare):
                return "postgresql+psycopg://" + value[len(bare) :]
        return value
    return f"sqlite:///{Path(value).expanduser().absolute()}"


def hash_secret(secret: str) -> str:
    # Tokens and codes are random (≥ 60 bits), so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _private_sqlite_file(database: str | None) -> None:
    """The hub's SQLite file holds every record of its prisons: 0600, in a folder that is 0700
    (and its WAL and shared-memory files too, which SQLite creates with the file's mode)."""
    if not database or database == ":memory:" or os.name != "posix":
        return
    path = Path(database)
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
    info = folder.stat()
    # A shared folder (sticky, like /tmp) or someone else's is left alone: the file's own mode
    # still keeps it private, and the README says to give the hub a folder of its own.
    if info.st_uid == os.getuid() and not info.st_mode & stat.S_ISVTX:
        folder.chmod(0o700)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for name in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
        if name.exists():
            name.chmod(0o600)


def _make_engine(url: str) -> Engine:
    try:
        parsed = make_url(database_url(url))
    except ArgumentError as exc:
        raise HubStoreError(f"Not a database URL: {url!r}.") from exc
    if parsed.get_backend_name() == "sqlite":
        _private_sqlite_file(parsed.database)
        engine = create_engine(
            parsed,
            connect_args={"isolation_level": None, "timeout": 30},
            hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, record: Any) -> None:
            for pragma in (
                "PRAGMA journal_mode = WAL",
                # FULL: a reply acknowledges ops the laptop will stop re-sending; they must be on
                # disk before it leaves.
                "PRAGMA synchronous = FULL",
                "PRAGMA busy_timeout = 30000",
            ):
                dbapi_conn.execute(pragma)

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            # The driver's own transaction handling is off (isolation_level=None); we say BEGIN
            # ourselves, IMMEDIATE for writers so two never deadlock upgrading a read lock.
            immediate = conn.get_execution_options().get(SQLITE_IMMEDIATE, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(
            parsed, pool_pre_ping=True, pool_size=5, max_overflow=10, hide_parameters=True
        )
    raise HubStoreError("The hub runs on SQLite or PostgreSQL (postgresql+psycopg://…).")


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


class HubStore:
    """The hub's database: open (and migrate) once per process, then use its transactions."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = database_url(url)
        self.engine = _make_engine(self.url)
        self.dialect = self.engine.dialect.name
        if migrate:
            try:
                self.upgrade()
            except DBAPIError as exc:
                self.engine.dispose()
                reason = (str(exc.orig).strip().splitlines() or ["unknown error"])[0]
                raise HubStoreError(f"Cannot open the hub database: {reason}") from exc
            except BaseException:
                self.engine.dispose()
                raise

    def close(self) -> None:
        self.engine.dispose()

    def upgrade(self) -> None:
        """Bring the schema to this build's head; refuse a database from a newer build."""
        script = ScriptDirectory.from_config(_alembic_config())
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                # Several hub copies may start at once; one migrates, the others wait.
                conn.execute(text("SELECT pg_advisory_xact_lock(7342001)"))
            context = MigrationContext.configure(
                conn, opts={"version_table": "hub_alembic_version"}
            )
            current = context.get_current_revision()
            if current is not None:
                try:
                    script.get_revision(current)
                except Exception:  # alembic raises several kinds for an unknown id
                    raise HubStoreError(
                        "This hub database was made by a newer version of HJDesk."
                    ) from None
            if current != script.get_current_head():
                command.upgrade(_alembic_config(conn), "head")

    # -- transactions ---------------------------------------------------------------------
    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """One consistent snapshot for a pull."""
        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @contextmanager
    def administering(self) -> Iterator[Connection]:
        """A write transaction that does not touch the change counter (enrolment, revoke, wipe),
        IMMEDIATE on SQLite so it holds the write lock from its first read: the admin log's
        tail it reads cannot move under it (`admin_log`)."""
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                conn = conn.execution_options(**{SQLITE_IMMEDIATE: True})
            with conn.begin():
                yield conn

    @contextmanager
    def writing(self) -> Iterator[tuple[Connection, SeqAllocator]]:
        """A serialised write transaction holding the change counter (see the module doc)."""
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                conn = conn.execution_options(**{SQLITE_IMMEDIATE: True})
            with conn.begin():
                allocator = SeqAllocator(conn, self.dialect == "postgresql")
                yield conn, allocator
                allocator.save()


class SeqAllocator:
    """Hands out change sequence numbers from the locked counter row; saved before commit."""

    def __init__(self, conn: Connection, for_update: bool) -> None:
        query = select(schema.counters.c.value).where(
            schema.counters.c.name == schema.CHANGE_COUNTER
        )
        if for_update:
            query = query.with_for_update()
        self._conn = conn
        self.start = int(conn.execute(query).scalar_one())
        self.value = self.start

    def next(self) -> int:
        self.value += 1
        return self.value

    def save(self) -> None:
        if self.value != self.start:
            self._conn.execute(
                schema.counters.update()
                .where(schema.counters.c.name == schema.CHANGE_COUNTER)
                .values(value=self.value)
            )


def current_seq(conn: Connection) -> int:
    return int(
        conn.execute(
            select(schema.counters.c.value).where(schema.counters.c.name == schema.CHANGE_COUNTER)
        ).scalar_one()
    )


def documents_by_key(conn: Connection, keys: Sequence[tuple[str, str]]) -> Select[Any]:
    """The documents whose (kind, id) is one of `keys`, each found through the primary key.

    One statement for any mix of kinds, its text the same for every batch (so SQLAlchemy compiles
    it once, and the engine parses it once): the keys are one parameter, a relation `wanted`
    joined to `documents` on the key's two columns. SQLite (3.40) plans a row-value
    `(kind, id) IN (…)` as a scan of the whole table; this join it plans as a scan of the keys
    and `SEARCH documents USING INDEX …(kind=? AND id=?)` for each. The keys travel as a JSON
    array of pairs read by `json_each` (a VALUES list would be a new statement of 1,000
    parameters to compile for each batch: slower than the per-kind queries it replaces).
    PostgreSQL gets them as two arrays (`unnest`, as `sync.bulk.among` does for one column) and
    plans a nested loop of `Index Scan using documents_pkey`. `tests/sync/test_push_queries.py`
    checks both plans."""
    docs = schema.documents
    wanted: Any
    if conn.dialect.name == "postgresql":
        kinds = bindparam(None, [k for k, _ in keys], type_=ARRAY(String))
        ids = bindparam(None, [i for _, i in keys], type_=ARRAY(String))
        wanted = func.unnest(kinds, ids).table_valued("kind", "id").render_derived(name="wanted")
    else:
        pairs = func.json_each(bindparam(None, json.dumps(list(keys)), type_=String))
        each = pairs.table_valued("value")
        wanted = select(
            func.json_extract(each.c.value, "$[0]").label("kind"),
            func.json_extract(each.c.value, "$[1]").label("id"),
        ).cte("wanted")
    return (
        select(docs)
        .select_from(wanted)
        .join(docs, and_(docs.c.kind == wanted.c.kind, docs.c.id == wanted.c.id))
    )
