"""A first sync into an empty vault stores its pages without the plain secondary indexes and
builds them at the end (docs/performance.md, "First sync: fifth session").

What must hold: the schema afterwards is the migrated one, byte for byte; a pull killed mid-way
never leaves a vault without its indexes once it is opened again, and the resumed sync loses and
duplicates nothing; a pull stopped by the hub builds them before it returns; the larger page
cache and skipped disk syncs of the storing connection go back to the pool's settings."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from hjdesk.storage import deferred_indexes
from hjdesk.storage.engine import PRAGMAS
from hjdesk.storage.models import Patient
from hjdesk.storage.vault import OpenVault
from hjdesk.sync import cycle, local_apply
from hjdesk.sync.cycle import SyncProgress
from hjdesk.sync.hub import schema
from hjdesk.sync.protocol import ChangesReply, DeviceState, Purge
from tests.sync.helpers import HubProcess, Laptop, cli_env

Schema = set[tuple[str, str, str, str | None]]


def _schema(laptop: Laptop) -> Schema:
    with laptop.peek() as s:
        return {
            (kind, name, table, sql)
            for kind, name, table, sql in s.execute(
                text("SELECT type, name, tbl_name, sql FROM sqlite_master")
            )
        }


def _pending(laptop: Laptop) -> bool:
    with laptop.peek() as s:
        return deferred_indexes.pending(s.connection())


def _patients(laptop: Laptop) -> tuple[int, int]:
    """(rows, distinct ids) of the patients table: equal when nothing is duplicated."""
    with laptop.peek() as s:
        rows = s.scalar(select(func.count()).select_from(Patient)) or 0
        distinct = s.scalar(select(func.count(func.distinct(Patient.id)))) or 0
        return rows, distinct


def _office(make_laptop: Callable[[str], Laptop], hub: HubProcess, count: int) -> int:
    """An establishment of `count` patients on the hub; returns the hub's patient records."""
    office = make_laptop("office")
    office.add_patients(office.add_establishment("DMO"), count)
    office.enrol(hub, "DMO")
    assert office.sync().waiting == 0
    return hub.count(schema.documents, schema.documents.c.kind == "patient")


def _fresh_laptop(
    make_laptop: Callable[[str], Laptop], hub: HubProcess, count: int
) -> tuple[int, Laptop, Schema]:
    """An office's `count` patients on the hub and a new laptop enrolled for the first sync:
    (the hub's patient records, the laptop, its schema as migrated, before any sync)."""
    on_hub = _office(make_laptop, hub, count)
    fresh = make_laptop("fresh")
    migrated = _schema(fresh)
    fresh.enrol(hub, "DMO")
    return on_hub, fresh, migrated


def _start_pull(laptop: Laptop) -> subprocess.Popen[str]:
    """`hjdesk sync` for the laptop in a process of its own, to be killed or cut off mid-way:
    five records a page, so a few hundred patients take many pages."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.cli_test_profile", "sync", "--home", str(laptop.home.root),
         "--page-size", "5"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env(), text=True,
    )  # fmt: skip


def _wait_for_pulls(proc: subprocess.Popen[str], pages: int) -> None:
    """Reads the sync's progress (a `pull:` line a page stored) until `pages` pages are stored;
    fails if the sync ends first, since then it cannot be stopped mid-way."""
    assert proc.stdout is not None
    pulls = 0
    for line in proc.stdout:
        pulls += line.startswith("pull:")
        if pulls == pages:
            return
    proc.communicate(timeout=60)
    pytest.fail(f"the pull ended after {pulls} pages, before it could be stopped at {pages}")


def test_a_first_sync_builds_the_migrated_indexes_and_hands_back_the_pool_cache(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    on_hub, fresh, migrated = _fresh_laptop(make_laptop, hub, 120)
    steps: list[SyncProgress] = []
    with fresh.vault() as v:
        from hjdesk.sync.client import sync

        summary = sync(v, progress=steps.append, page_size=25)
        # Every connection the pool holds is back at the pool's page cache.
        held = [v.engine.connect() for _ in range(8)]
        try:
            sizes = {c.exec_driver_sql("PRAGMA cache_size").scalar() for c in held}
            syncs = {c.exec_driver_sql("PRAGMA synchronous").scalar() for c in held}
        finally:
            for c in held:
                c.close()
    pool_size = next(p for p in PRAGMAS if "cache_size" in p).split("=")[1].strip()
    assert sizes == {int(pool_size)}
    assert syncs == {2}  # FULL, as storage/engine.py sets it
    phases = [s.phase for s in steps]
    # The indexes are built once, after the last page, and the person is told.
    assert phases.count("index") == 1
    assert phases.index("index") > max(i for i, p in enumerate(phases) if p == "pull")
    assert next(s for s in steps if s.phase == "index").message == "building indexes"
    assert summary.pulled >= on_hub
    assert _patients(fresh) == (on_hub, on_hub)
    assert _schema(fresh) == migrated
    assert not _pending(fresh)


def test_a_second_sync_or_a_vault_with_patients_stores_with_its_indexes(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    _office(make_laptop, hub, 20)
    local = make_laptop("local")
    local.add_patients(local.add_establishment("DMO"), 5, prefix="L")
    local.enrol(hub, "DMO")
    steps: list[SyncProgress] = []
    local.sync(progress=steps.append)
    assert "index" not in [s.phase for s in steps]  # not empty: nothing set aside
    fresh = make_laptop("fresh")
    fresh.enrol(hub, "DMO")
    fresh.sync()
    steps.clear()
    fresh.sync(progress=steps.append)
    assert "index" not in [s.phase for s in steps]  # a cursor: not a first sync


def test_a_pull_killed_mid_way_gets_its_indexes_back_and_resumes_without_loss(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    on_hub, fresh, migrated = _fresh_laptop(make_laptop, hub, 300)
    proc = _start_pull(fresh)
    try:
        _wait_for_pulls(proc, 10)  # some pages stored, many to come
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    stored, _ = _patients(fresh)
    assert 0 < stored < on_hub
    assert _pending(fresh)  # killed with its indexes set aside...
    assert _schema(fresh) != migrated
    with fresh.vault():
        pass  # ...and the next unlock builds them before anything else
    assert not _pending(fresh)
    assert _schema(fresh) == migrated
    fresh.sync()
    assert _patients(fresh) == (on_hub, on_hub)
    assert _schema(fresh) == migrated


def test_a_pull_the_hub_stops_mid_way_builds_the_indexes_before_it_returns(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    on_hub, fresh, migrated = _fresh_laptop(make_laptop, hub, 300)
    proc = _start_pull(fresh)
    _wait_for_pulls(proc, 3)
    hub.kill()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    assert "index: building indexes" in out
    # Looked at without unlocking: the failed pull itself built them.
    assert not _pending(fresh)
    assert _schema(fresh) == migrated
    hub.start()
    fresh.sync()
    assert _patients(fresh) == (on_hub, on_hub)


class _PagesWithAPurge:
    """A hub whose second page carries a purge (a patient who left this prison)."""

    def __init__(self) -> None:
        device = DeviceState(
            device_id="d", establishment="DMO", revoked=False, wipe=False, acked_seq=0
        )
        self.replies = [
            ChangesReply(changes=[], purges=[], next_since=1, more=True, device=device),
            ChangesReply(
                changes=[],
                purges=[Purge(seq=2, patient_id="gone")],
                next_since=2,
                more=True,
                device=device,
            ),
            ChangesReply(changes=[], purges=[], next_since=3, more=False, device=device),
        ]

    def changes(self, since: int, limit: int, *, count: bool = False) -> ChangesReply:
        return self.replies[since]


def test_a_page_with_purges_is_stored_with_the_indexes_built(
    vault: OpenVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A purge deletes the patient's records table by table, by patient: not without indexes."""
    seen: list[tuple[str, bool]] = []
    real = local_apply.purge_patient

    def purge(session: Session, patient_id: str) -> bool:
        seen.append((patient_id, deferred_indexes.pending(session.connection())))
        return real(session, patient_id)

    monkeypatch.setattr(cycle, "purge_patient", purge)
    steps: list[SyncProgress] = []
    cycle.pull(vault, _PagesWithAPurge(), cycle.Tally(), steps.append, 5)  # type: ignore[arg-type]
    assert seen == [("gone", False)]
    assert [s.phase for s in steps] == ["pull", "index", "pull", "pull"]
    with vault.engine.connect() as conn:
        assert not deferred_indexes.pending(conn)
