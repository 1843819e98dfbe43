"""Push and pull against a real hub process on loopback, SQLite and PostgreSQL behind it.

The hub runs as `hjdesk hub serve` in its own process (tests/sync/helpers.HubProcess), on a fresh
database for every sample; PostgreSQL is a throwaway cluster started with Debian's binaries
(tests/sync/pg.py). The laptop is the 2,000-patient demo vault with its outbox cut to the size
wanted: the newest ops go, every audit-event op stays (so the hub's chain check sees an unbroken
chain) and the rest are renumbered 1…n, as if the demo had queued exactly that many.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import sqlcipher3

from benchmarks import targets
from benchmarks.data import PASSWORD, Workdir
from benchmarks.harness import Figure
from hjdesk.storage.keyslots import KeySlots
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import Vault
from hjdesk.sync.client import SyncSummary, enrol, sync

ADMIN = "admin"
# Unlocking and enrolling each queue one audit event before the timed sync.
OPS_BEFORE_SYNC = 2

_COLUMNS = "device_id, kind, record_id, patient_id, base_rev, rev, payload, hlc, created_at"


def trim_outbox(home: HomePaths, keep: int) -> None:
    """Leave `keep` unacknowledged ops, numbered 1…keep, every audit-event op among them."""
    key = KeySlots.load(home.keyslots).unwrap(ADMIN, PASSWORD)
    conn = sqlcipher3.connect(str(home.vault), isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        audit = [r[0] for r in conn.execute("SELECT seq FROM outbox WHERE kind = 'audit_event'")]
        others = [
            r[0]
            for r in conn.execute(
                "SELECT seq FROM outbox WHERE kind != 'audit_event' ORDER BY seq LIMIT ?",
                (keep - len(audit),),
            )
        ]
        kept = sorted(audit + others)
        if len(kept) != keep:
            raise RuntimeError(f"the demo vault has {len(kept)} ops, not {keep}")
        conn.execute("BEGIN")
        conn.execute("CREATE TEMP TABLE kept (seq INTEGER PRIMARY KEY)")
        conn.executemany("INSERT INTO kept VALUES (?)", [(s,) for s in kept])
        conn.execute(
            f"CREATE TEMP TABLE ops AS SELECT seq, {_COLUMNS} FROM outbox "
            "WHERE seq IN (SELECT seq FROM kept)"
        )
        conn.execute("DELETE FROM outbox")
        conn.execute(
            f"INSERT INTO outbox (seq, {_COLUMNS}, acked_at) "
            f"SELECT row_number() OVER (ORDER BY seq), {_COLUMNS}, NULL FROM ops"
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


@contextmanager
def _hub(engine: str, pg: object, workdir: Path) -> Iterator[object]:
    from tests.sync.helpers import HubProcess

    sqlite = f"sqlite:///{workdir / 'hub.db'}"
    url = sqlite if engine == "sqlite" else pg.new_database()  # type: ignore[attr-defined]
    hub = HubProcess(url, workdir / "hubdir").start()
    try:
        yield hub
    finally:
        hub.close()


def _sync_as_admin(home: HomePaths, hub: object) -> tuple[float, SyncSummary]:
    opened = Vault(home).unlock(ADMIN, PASSWORD)
    try:
        enrol(opened, hub.url, hub.enrol_code("DMO"))  # type: ignore[attr-defined]
        start = time.perf_counter()
        summary = sync(opened)
        return time.perf_counter() - start, summary
    finally:
        opened.lock()


def pg_cluster() -> AbstractContextManager[object | None]:
    from tests.sync.pg import postgres_server

    return postgres_server()


def sync_figures(
    work: Workdir, source: HomePaths, *, records: int, samples: int, engines: tuple[str, ...]
) -> list[Figure]:
    template = work.copy(source, f"laptop-{records}")
    trim_outbox(template, records - OPS_BEFORE_SYNC)
    empty = HomePaths.resolve(work.path("empty-laptop"))
    if not empty.vault.exists():
        Vault.create(empty, admin=ADMIN, password=PASSWORD).lock()
    figures: list[Figure] = []
    for engine in engines:
        name = "SQLite" if engine == "sqlite" else "PostgreSQL"
        push = Figure(f"push_{engine}_{records}", f"push {records:,} queued records, {name} hub",
                      "records/s", target=targets.PUSH, better="higher")  # fmt: skip
        pull = Figure(f"pull_{engine}_{records}", f"pull a {records:,}-record caseload, {name} hub",
                      "records/s", target=targets.PULL, better="higher")  # fmt: skip
        figures += [push, pull]
        cluster = pg_cluster() if engine == "postgresql" else nullcontext(None)
        with cluster as pg:
            if engine == "postgresql" and pg is None:
                reason = "PostgreSQL binaries not installed (apt-get install postgresql)"
                push.skipped = pull.skipped = reason
                continue
            pushed = pulled = 0
            push_s: list[float] = []
            pull_s: list[float] = []
            for sample in range(samples):
                base = work.path(f"sync-{engine}-{records}-{sample}")
                with _hub(engine, pg, base) as hub:
                    laptop = work.copy(template, f"sync-{engine}-{records}-{sample}/laptop")
                    took, summary = _sync_as_admin(laptop, hub)
                    pushed = summary.pushed
                    push_s.append(took)
                    push.samples.append(summary.pushed / took)
                    fresh = work.copy(empty, f"sync-{engine}-{records}-{sample}/fresh")
                    took, summary = _sync_as_admin(fresh, hub)
                    pulled = summary.pulled
                    pull_s.append(took)
                    pull.samples.append(summary.pulled / took)
            push.note = (
                f"whole `sync()` of a laptop with {records:,} queued ops (mixed demo records: "
                f"patients, encounters, observations, appointments…), {pushed:,} sent with the "
                f"sync's own audit event; median {_median(push_s):.2f} s"
            )
            pull.note = (
                f"whole `sync()` of a freshly enrolled laptop receiving {pulled:,} records "
                f"(audit events stay on the hub); median {_median(pull_s):.2f} s"
            )
    return figures


def _median(values: list[float]) -> float:
    import statistics

    return statistics.median(values) if values else float("nan")
