"""The scale suite (`--only scale`): Today at 100,000 patients, and push and pull at 10,000
records against a larger count, per record, on both hub engines, with each side's peak memory.

The large count is a parameter (`--scale-records`, default `DEFAULT_RECORDS`): the laptop is an
`hjdesk demo` vault big enough to have queued that many ops (about 5.8 per patient), its outbox
cut to exactly that many as the sync suite does. Each sync runs against `hjdesk hub serve` on a
fresh database, the laptop in its own process (`scale_laptop.py`) so that its peak RSS is the
sync's own; the hub's is read from its process at the end (`VmHWM`). The pull is a freshly
enrolled laptop's first sync into the establishment: every record the push put on the hub.

Per-record cost is judged as the ratio of seconds per record at the large count to seconds per
record at 10,000 (≤ 1.3×: cost linear in the work, no worse). The first sync's bar of 1,000,000
records in 120 s is a rate, ≥ 8,333 records/s, so it can be judged at any size measured; the
note says how far the size measured is from a million.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from benchmarks import targets
from benchmarks.data import PASSWORD, Workdir
from benchmarks.harness import Figure
from benchmarks.syncing import OPS_BEFORE_SYNC, pg_cluster, trim_outbox
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import Vault

BASE_RECORDS = 10_000
DEFAULT_RECORDS = 200_000
OPS_PER_PATIENT = 5.5  # a little under what `hjdesk demo` queues (5.8), so there are enough


def demo_patients_for(records: int) -> int:
    """Patients an `hjdesk demo` vault needs to have queued at least `records` ops."""
    return max(2000, math.ceil(records / OPS_PER_PATIENT))


@dataclass(frozen=True, slots=True)
class LaptopRun:
    seconds: float
    pushed: int
    pulled: int
    rss_mib: float
    reports: int


def _laptop(home: HomePaths, url: str, code: str) -> LaptopRun:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.scale_laptop", str(home.root), url, code],
        capture_output=True, text=True, check=False, timeout=3600,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"laptop sync failed: {done.stderr[-2000:]}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return LaptopRun(**found)


def _hub_peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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


@dataclass(frozen=True, slots=True)
class Round:
    push: LaptopRun
    pull: LaptopRun
    hub_rss_mib: float


def _round(work: Workdir, engine: str, pg: object, laptop: HomePaths, name: str) -> Round:
    """Push `laptop`'s outbox to a fresh hub, then a fresh laptop's first sync from it."""
    empty = HomePaths.resolve(work.path("scale-empty"))
    if not empty.vault.exists():
        Vault.create(empty, admin="admin", password=PASSWORD).lock()
    with _hub(engine, pg, work.path(f"{name}-hub")) as hub:
        pushing = work.copy(laptop, f"{name}-push")
        push = _laptop(pushing, hub.url, hub.enrol_code("DMO"))  # type: ignore[attr-defined]
        fresh = work.copy(empty, f"{name}-pull")
        pull = _laptop(fresh, hub.url, hub.enrol_code("DMO"))  # type: ignore[attr-defined]
        proc = hub.proc  # type: ignore[attr-defined]
        hub_rss = _hub_peak_mib(proc.pid)
    for folder in (pushing, fresh):
        shutil.rmtree(folder.root, ignore_errors=True)
    return Round(push, pull, hub_rss)


def sync_scale_figures(work: Workdir, *, records: int, engines: tuple[str, ...]) -> list[Figure]:
    base_laptop = work.copy(work.demo(2000), f"scale-laptop-{BASE_RECORDS}")
    trim_outbox(base_laptop, BASE_RECORDS - OPS_BEFORE_SYNC)
    large_laptop = work.copy(work.demo(demo_patients_for(records)), f"scale-laptop-{records}")
    trim_outbox(large_laptop, records - OPS_BEFORE_SYNC)
    figures: list[Figure] = []
    for engine in engines:
        name = "SQLite" if engine == "sqlite" else "PostgreSQL"
        with pg_cluster() if engine == "postgresql" else nullcontext(None) as pg:
            if engine == "postgresql" and pg is None:
                figures.append(Figure(f"scale_{engine}", f"scale, {name} hub", "x",
                                      skipped="PostgreSQL binaries not installed"))  # fmt: skip
                continue
            base = _round(work, engine, pg, base_laptop, f"scale-{engine}-base")
            large = _round(work, engine, pg, large_laptop, f"scale-{engine}-large")
        figures += _figures(engine, name, records, base, large)
    return figures


def _per_record(run: LaptopRun, count: int) -> float:
    return run.seconds / max(count, 1)


def _figures(engine: str, name: str, records: int, base: Round, large: Round) -> list[Figure]:
    n = f"{records:,}"
    push_ratio = _per_record(large.push, large.push.pushed) / _per_record(
        base.push, base.push.pushed
    )
    pull_ratio = _per_record(large.pull, large.pull.pulled) / _per_record(
        base.pull, base.pull.pulled
    )
    million = 1_000_000 / (large.pull.pulled / large.pull.seconds)
    out = [
        Figure(f"push_{engine}_{records}", f"push {n} queued records, {name} hub", "records/s",
               [large.push.pushed / large.push.seconds], target=targets.PUSH, better="higher",
               note=f"{large.push.pushed:,} sent in {large.push.seconds:.1f} s; at 10,000: "
                    f"{base.push.pushed / base.push.seconds:,.0f} records/s "
                    f"({base.push.seconds:.2f} s)"),
        Figure(f"push_per_record_{engine}", f"push: per-record time at {n} ÷ at 10,000, {name}",
               "x", [push_ratio], target=targets.PER_RECORD),
        Figure(f"first_sync_{engine}_{records}",
               f"first sync of a fresh laptop, {n} records, {name} hub", "records/s",
               [large.pull.pulled / large.pull.seconds], target=targets.FIRST_SYNC,
               better="higher",
               note=f"{large.pull.pulled:,} records received in {large.pull.seconds:.1f} s "
                    f"({large.pull.reports} progress reports); 1,000,000 at this rate: "
                    f"{million:.0f} s (target 120 s)"),
        Figure(f"pull_per_record_{engine}", f"pull: per-record time at {n} ÷ at 10,000, {name}",
               "x", [pull_ratio], target=targets.PER_RECORD,
               note=f"at 10,000: {base.pull.pulled / base.pull.seconds:,.0f} records/s"),
        Figure(f"laptop_rss_{engine}_{records}", f"laptop peak RSS, push/pull of {n}, {name}",
               "MiB", [large.push.rss_mib, large.pull.rss_mib], target=targets.RSS,
               note=f"push {large.push.rss_mib:.0f} MiB, first sync {large.pull.rss_mib:.0f} MiB "
                    f"(the sync alone: the unlock's Argon2id 128 MiB is reset before it); at "
                    f"10,000: {base.push.rss_mib:.0f} / {base.pull.rss_mib:.0f} MiB"),
        Figure(f"hub_rss_{engine}_{records}", f"hub peak RSS, {n} records in and out, {name}",
               "MiB", [large.hub_rss_mib], target=targets.RSS,
               note=f"the hub process over its whole life (start, push, first sync); at 10,000: "
                    f"{base.hub_rss_mib:.0f} MiB"),
    ]  # fmt: skip
    return out


def today_figures(work: Workdir) -> list[Figure]:
    """Today's seven worklists at 100,000 patients, against the issue-15 target: a refresh
    after an entry (what a nurse waits for all day), and the full computation beside it."""
    from benchmarks import reads
    from benchmarks.__main__ import STORED_PULLED

    refresh, full = reads.today_figures(
        work, work.pulled_demo(100_000), 100_000, repeat=7, stored=STORED_PULLED
    )
    refresh.key, refresh.target = "today_100000_target", targets.TODAY_LARGE
    refresh.label = "Today worklists after one entry, 100,000 patients (issue 15)"
    refresh.note = refresh.note.split(". No §9 target")[0] + "; issue 15's target: 150 ms"
    full.key = "today_100000_full_scale"
    return [refresh, full]
