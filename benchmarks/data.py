"""The benchmark's own data: demo vaults built once per run in a scratch folder.

Every vault uses the real Argon2id cost (`DEFAULT_KDF`): only the unlock figure depends on it, and
the others unlock once, outside the timed part. Vaults are built once and copied for each figure
that writes, so one figure never sees another's rows.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault

# Synthetic vaults only; the same password for every demo user, as `hjdesk demo` does.
PASSWORD = "benchmark-demo-password"
NURSE = "nurse"


@dataclass
class Workdir:
    """A scratch folder for one run, removed at the end unless kept."""

    root: Path
    keep: bool = False
    built: dict[str, HomePaths] = field(default_factory=dict)
    log: Callable[[str], None] = print

    @classmethod
    def create(cls, where: Path | None, *, keep: bool, log: Callable[[str], None]) -> Workdir:
        if where is not None:
            where.mkdir(parents=True, exist_ok=True)
            return cls(Path(tempfile.mkdtemp(prefix="run-", dir=where)), keep=keep, log=log)
        return cls(Path(tempfile.mkdtemp(prefix="hjdesk-bench-")), keep=keep, log=log)

    def path(self, name: str) -> Path:
        return self.root / name

    def close(self) -> None:
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def demo(self, patients: int, *, today: date | None = None) -> HomePaths:
        """A `build_demo` vault (ORM writes, outbox queued, clinical history), built once."""
        key = f"demo-{patients}"
        if key not in self.built:
            from hjdesk.demo import build_demo

            home = HomePaths.resolve(self.path(key))
            start = time.monotonic()
            # Never synced: every op waits, the unsynced lists' worst case, and the workload
            # the earlier sessions measured (docs/performance.md).
            opened, _ = build_demo(
                home, password=PASSWORD, patients=patients, today=today, synced=False
            )
            opened.lock()
            self.log(
                f"  (built a {patients:,}-patient demo vault in {time.monotonic() - start:.0f} s)"
            )
            self.built[key] = home
        return self.built[key]

    def pulled_demo(self, patients: int, *, today: date | None = None) -> HomePaths:
        """The same establishment, stored as a laptop stores pulled records (bulk_demo.py)."""
        key = f"pulled-{patients}"
        if key not in self.built:
            from benchmarks.bulk_demo import build_pulled_demo

            home = HomePaths.resolve(self.path(key))
            start = time.monotonic()
            opened = build_pulled_demo(home, password=PASSWORD, patients=patients, today=today)
            opened.lock()
            self.log(
                f"  (built a {patients:,}-patient vault as pulled from a hub in "
                f"{time.monotonic() - start:.0f} s)"
            )
            self.built[key] = home
        return self.built[key]

    def copy(self, source: HomePaths, name: str) -> HomePaths:
        target = self.path(name)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source.root, target)
        return HomePaths.resolve(target)


def unlock(home: HomePaths, user: str = NURSE) -> OpenVault:
    return Vault(home).unlock(user, PASSWORD)
