"""One laptop's side of a scale-suite sync, in its own process so its peak memory is its own.

`python -m benchmarks.scale_laptop HOME HUB_URL CODE` unlocks the vault, enrols it, resets the
process's peak-RSS mark (Linux `clear_refs`: the Argon2id unlock's 128 MiB is the app's, but not
the sync's), runs one whole `sync()` and prints one JSON line: seconds, records pushed and
pulled, the sync's peak RSS in MiB, and the progress reports the client made.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path

from benchmarks.data import PASSWORD
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import Vault
from hjdesk.sync.client import SyncProgress, enrol, sync

ADMIN = "admin"


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    # Not Linux, or not allowed: the peak then includes the unlock.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def main(home: str, url: str, code: str) -> int:
    opened = Vault(HomePaths.resolve(Path(home))).unlock(ADMIN, PASSWORD)
    reports = 0

    def count(_step: SyncProgress) -> None:
        nonlocal reports
        reports += 1

    try:
        enrol(opened, url, code)
        reset_peak()
        start = time.perf_counter()
        summary = sync(opened, progress=count)
        took = time.perf_counter() - start
    finally:
        opened.lock()
    print(json.dumps({"seconds": took, "pushed": summary.pushed, "pulled": summary.pulled,
                      "rss_mib": peak_rss_mib(), "reports": reports}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
