"""A freshly enrolled laptop's first sync of a very large establishment (default 1,000,000
records), through a real `hjdesk hub serve` process, with both sides' peak memory.

    python -m benchmarks.scale_million [--records N] [--engine sqlite|postgresql]

The 2,000-patient demo is pushed to a fresh hub the ordinary way, the hub is then filled to N
records by `benchmarks/hub_load.py` (copies of those patients, inserted directly), and a fresh
laptop pulls everything. Too long for `--only scale` at a million: run by hand
(docs/performance.md, issue 15).
"""

from __future__ import annotations

import argparse
import json
import time
from contextlib import nullcontext

from benchmarks import hub_load
from benchmarks.data import PASSWORD, Workdir
from benchmarks.scale import _hub, _hub_peak_mib, _laptop
from benchmarks.syncing import pg_cluster
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import Vault
from hjdesk.sync.hub.store import HubStore

CODE = "DMO"


def run(records: int, engine: str) -> dict[str, float]:
    work = Workdir.create(None, keep=False, log=print)
    try:
        laptop = work.demo(2000)
        empty = HomePaths.resolve(work.path("empty"))
        Vault.create(empty, admin="admin", password=PASSWORD).lock()
        cluster = pg_cluster() if engine == "postgresql" else nullcontext(None)
        with cluster as pg, _hub(engine, pg, work.path("hub")) as hub:
            push = _laptop(work.copy(laptop, "push"), hub.url, hub.enrol_code(CODE))  # type: ignore[attr-defined]
            store = HubStore(hub.db_url)  # type: ignore[attr-defined]
            start = time.perf_counter()
            added = hub_load.grow(store, CODE, records)
            load_s = time.perf_counter() - start
            store.close()
            print(f"  (hub filled: {added:,} records copied in {load_s:.0f} s)", flush=True)
            pull = _laptop(work.copy(empty, "pull"), hub.url, hub.enrol_code(CODE))  # type: ignore[attr-defined]
            hub_rss = _hub_peak_mib(hub.proc.pid)  # type: ignore[attr-defined]
        return {
            "records": records,
            "pushed": push.pushed,
            "push_s": push.seconds,
            "load_s": load_s,
            "pulled": pull.pulled,
            "pull_s": pull.seconds,
            "pull_rate": pull.pulled / pull.seconds,
            "pull_reports": pull.reports,
            "laptop_rss_mib": pull.rss_mib,
            "hub_rss_mib": hub_rss,
        }
    finally:
        work.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    print(json.dumps(run(args.records, args.engine)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
