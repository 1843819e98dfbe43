"""Fork-per-run sync client for the kill test.

Importing HJDesk costs more than a push of a few batches, so this process imports once and forks a
child per run; each child is a real process (its own vault connections, its own HTTP client)
that unlocks the vault and syncs, and the test SIGKILLs it at a random moment. Protocol on
stdin/stdout: "go" → the child prints "<pid> connect" as its push starts; this process prints
"<pid> exited <wait status>" once the child is gone.
"""

from __future__ import annotations

import os
import sys

from hjdesk.storage import keyslots
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import Vault
from hjdesk.sync.client import SyncProgress, sync

# The test profile (tests/cli_test_profile.py): test vaults use a cheap KDF.
keyslots.KDF_FLOOR = keyslots.TEST_KDF_FLOOR


def _child(home: str, batch: int) -> int:
    vault = Vault(HomePaths.resolve(home)).unlock("admin", os.environ["HJDESK_PASSWORD"])

    def progress(step: SyncProgress) -> None:
        if step.phase == "connect":
            print(f"{os.getpid()} connect", flush=True)

    try:
        sync(vault, batch_size=batch, progress=progress)
    finally:
        vault.lock()
    return 0


def main() -> None:
    home, batch = sys.argv[1], int(sys.argv[2])
    for line in sys.stdin:
        if line.strip() != "go":
            break
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _child(home, batch)
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        print(f"{pid} exited {status}", flush=True)


if __name__ == "__main__":
    main()
