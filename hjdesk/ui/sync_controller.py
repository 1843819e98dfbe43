"""The workspace's sync engine room: runs `hjdesk.sync.client.sync` off the UI thread, one at a
time, syncs on its own whenever the hub answers, and keeps the status-bar line up to date.

The workspace owns one `SyncController`; it connects `status_changed` to the status bar and the
Sync page listens to `started`, `progress` and `finished`.

Decisions (ours):
- Reachability is checked every `CHECK_MS` (off the UI thread, 3 s timeout) only while the laptop
  is unlocked and enrolled. When the hub answers, a sync starts automatically if there is work to
  send, if the hub has just come back, or if the last one is older than `AUTO_EVERY` (to pull
  what others wrote) — so an idle laptop does not sync (and audit a sync) every minute.
- An automatic sync that fails says so in the status line only; a sync a person asked for also
  reports on the Sync page (`SyncOutcome.automatic`).
- Results arriving after a lock are dropped (`_generation`): the unlock screen shows nothing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from hjdesk.services.settings import (
    CHECKING,
    NOT_ENROLLED,
    OFFLINE,
    ONLINE,
    SYNCING,
    SyncStatus,
    sync_status,
)
from hjdesk.storage.errors import KnownError
from hjdesk.storage.vault import OpenVault
from hjdesk.sync import client
from hjdesk.sync.client import SyncProgress, SyncSummary
from hjdesk.sync.errors import HubUnreachable, NotEnrolled
from hjdesk.ui.context import PageContext

CHECK_MS = 60_000
AUTO_EVERY_S = 5 * 60

log = logging.getLogger("hjdesk.sync")


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """What `finished` carries: the summary of a sync, or the message of its failure."""

    summary: SyncSummary | None
    error: str | None
    automatic: bool


class _ProgressBridge(QObject):
    """Lives on the GUI thread; emitting from the worker queues the step to it."""

    step = Signal(object)


class SyncController(QObject):
    status_changed = Signal(str)
    started = Signal(bool)  # automatic?
    progress = Signal(object)  # SyncProgress
    finished = Signal(object)  # SyncOutcome
    # Enrolment or reachability changed (the Sync page redraws its header).
    connection_changed = Signal()
    # The hub had this laptop wiped: the vault is gone, the workspace must lock.
    wiped = Signal()

    def __init__(self, context: PageContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._vault: OpenVault | None = None
        self._generation = 0
        self._running = False
        self._checking = False
        self._enrolled: bool | None = None
        self._online: bool | None = None
        self._status: SyncStatus | None = None
        self._last_error: str | None = None
        self._last_sync_at = 0.0  # monotonic; 0 = not since unlock
        self._bridge = _ProgressBridge(self)
        self._bridge.step.connect(self._on_progress)
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.check_hub)
        context.navigator.data_changed.connect(self.refresh_status)

    # -- state ----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._running

    @property
    def online(self) -> bool | None:
        """True/False once checked; None before the first check (shown as checking)."""
        return self._online

    @property
    def enrolled(self) -> bool | None:
        return self._enrolled

    @property
    def last_error(self) -> str | None:
        return self._last_error

    @property
    def sync_status(self) -> SyncStatus | None:
        return self._status

    @property
    def status_text(self) -> str:
        if self._vault is None or self._status is None:
            return ""
        text = self._status.describe(self._connection())
        # Offline already says why; any other failure is spelt out on the Sync page.
        if self._last_error and self._online is not False and not self._running:
            text += " · last sync failed (see the Sync page)"
        return text

    def _connection(self) -> str:
        if self._running:
            return SYNCING
        if self._enrolled is False:
            return NOT_ENROLLED
        if self._online is None:
            return CHECKING
        return ONLINE if self._online else OFFLINE

    def _emit_status(self) -> None:
        self.status_changed.emit(self.status_text)

    # -- lifecycle ------------------------------------------------------------------------
    def set_vault(self, vault: OpenVault) -> None:
        self._generation += 1
        self._vault = vault
        self._running = self._checking = False
        self._enrolled = self._online = None
        self._status, self._last_error, self._last_sync_at = None, None, 0.0
        self.refresh_status()
        self.check_hub()
        self._timer.start()

    def clear(self) -> None:
        """Locked: stop checking, forget the status, ignore whatever is still running."""
        self._generation += 1
        self._timer.stop()
        self._vault = None
        self._running = self._checking = False
        self._enrolled = self._online = None
        self._status, self._last_error = None, None
        self.status_changed.emit("")
        self.connection_changed.emit()

    # -- status ---------------------------------------------------------------------------
    def refresh_status(self) -> None:
        vault = self._vault
        if vault is None:
            return
        generation = self._generation
        self.context.runner.run_task(
            lambda: sync_status(vault),
            lambda found: self._status_loaded(generation, found),
            lambda exc: self._status_failed(generation, exc),
        )

    def _status_loaded(self, generation: int, found: SyncStatus) -> None:
        if generation != self._generation:
            return
        self._status = found
        self._emit_status()

    def _status_failed(self, generation: int, exc: KnownError) -> None:
        """Locked meanwhile, or a known storage failure the pages report themselves."""

    # -- reachability and automatic sync --------------------------------------------------
    def check_hub(self) -> None:
        """Ask (off the UI thread) whether we are enrolled and the hub answers; maybe sync."""
        vault = self._vault
        if vault is None or self._checking or self._running:
            return
        self._checking = True
        generation = self._generation

        def probe() -> tuple[bool, bool]:
            if client.sync_config(vault) is None:
                return False, False
            return True, client.hub_reachable(vault)

        self.context.runner.run_task(
            probe,
            lambda found: self._checked(generation, found),
            lambda exc: self._check_failed(generation, exc),
            on_bug=lambda exc: self._check_failed(generation, exc, bug=True),
        )

    def _checked(self, generation: int, found: tuple[bool, bool]) -> None:
        if generation != self._generation:
            return
        self._checking = False
        enrolled, reachable = found
        came_back = reachable and self._online is not True
        changed = (enrolled, reachable) != (self._enrolled, self._online)
        self._enrolled, self._online = enrolled, reachable if enrolled else False
        if changed:
            self.connection_changed.emit()
        self._emit_status()
        if reachable and self._wants_auto_sync(came_back):
            self.sync_now(automatic=True)

    def _check_failed(self, generation: int, exc: BaseException, *, bug: bool = False) -> None:
        if generation != self._generation:
            return
        self._checking = False  # the next check may run, whatever stopped this one
        if bug:
            raise exc  # the crash path

    def _wants_auto_sync(self, came_back: bool) -> bool:
        waiting = self._status.waiting if self._status is not None else 0
        stale = time.monotonic() - self._last_sync_at >= AUTO_EVERY_S or not self._last_sync_at
        return came_back or waiting > 0 or stale

    # -- sync -----------------------------------------------------------------------------
    def sync_now(self, *, automatic: bool = False) -> bool:
        """Start a sync unless one is running (or the laptop is locked); True if started."""
        vault = self._vault
        if vault is None or self._running:
            return False
        self._running = True
        self._last_sync_at = time.monotonic()
        generation = self._generation
        report = self._bridge.step.emit

        def work() -> tuple[SyncSummary, SyncStatus | None]:
            summary = client.sync(vault, progress=report)
            return summary, None if summary.wiped else sync_status(vault)

        self.started.emit(automatic)
        self._emit_status()
        self.context.runner.run_task(
            work,
            lambda result: self._synced(generation, automatic, result),
            lambda exc: self._sync_failed(generation, automatic, exc),
            background=True,
            on_bug=lambda exc: self._sync_failed(generation, automatic, exc),
        )
        return True

    def _on_progress(self, step: object) -> None:
        if self._running and isinstance(step, SyncProgress):
            self.progress.emit(step)

    def _synced(
        self, generation: int, automatic: bool, result: tuple[SyncSummary, SyncStatus | None]
    ) -> None:
        if generation != self._generation:
            return
        summary, found = result
        self._running = False
        self._online, self._enrolled, self._last_error = True, True, None
        if found is not None:
            self._status = found
        self._emit_status()
        self.connection_changed.emit()
        self.finished.emit(SyncOutcome(summary, None, automatic))
        if summary.wiped:
            self.wiped.emit()
        elif (
            summary.applied
            or summary.purged
            or summary.mirrors_closed
            or summary.stored_set_aside
            or summary.stored_held
        ):
            self.context.navigator.data_changed.emit()

    def _sync_failed(self, generation: int, automatic: bool, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._running = False
        if not isinstance(exc, KnownError):
            # A bug, but sync must never put a traceback in front of a nurse (architecture.md
            # §5a): logged by type only (messages can hold record values), shown in words.
            log.error("sync failed unexpectedly: %s", type(exc).__name__, exc_info=False)
            exc = KnownError(
                f"Sync stopped on an unexpected problem ({type(exc).__name__}). Your work is "
                "kept on this laptop; tell the system administrator."
            )
        if isinstance(exc, HubUnreachable):
            self._online = False
        elif isinstance(exc, NotEnrolled):
            self._enrolled = False
        self._last_error = str(exc)
        self.connection_changed.emit()
        self.refresh_status()
        self._emit_status()
        self.finished.emit(SyncOutcome(None, str(exc), automatic))
