"""The one helper for background work (style.md 4): `run_task(fn, on_done, on_error)`.

Workers run on a QThreadPool, catch everything (`BaseException`) and always report back on the GUI
thread through queued signals. `on_error` is handed only known errors (`KnownError`: a refusal,
a wrong password, a locked vault), which a screen shows in words; anything else is a bug and goes
to the crash path (raised on the GUI thread: `sys.excepthook`, see crash.py), never to a screen
that would print its message — unless the caller passes `on_bug` (sync: it must say in words
that it stopped, and log the type only).

A person's writes go through a single-thread pool so they never race; long work that writes in
short transactions of its own (sync) has its own single-thread pool, so a save never queues
behind a whole sync, only (inside the vault) behind one page of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from hjdesk.storage.errors import KnownError

OnError = Callable[[KnownError], None]
OnBug = Callable[[BaseException], None]


def deliver_failure(exc: BaseException, on_error: OnError, on_bug: OnBug | None) -> None:
    """A known error to `on_error`; a bug to `on_bug`, or raised for the crash path."""
    if isinstance(exc, KnownError):
        on_error(exc)
    elif on_bug is not None:
        on_bug(exc)
    else:
        raise exc  # a bug: the crash path logs it (scrubbed) and shows one dialog


class _Bridge(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], bridge: _Bridge) -> None:
        super().__init__()
        self.fn = fn
        self.bridge = bridge

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:
            self.bridge.failed.emit(exc)
        else:
            self.bridge.done.emit(result)


class TaskRunner(QObject):
    """Owns the pools; tests replace it with `InlineRunner` to run tasks synchronously."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.reads = QThreadPool(self)
        self.reads.setMaxThreadCount(2)
        self.writes = QThreadPool(self)
        self.writes.setMaxThreadCount(1)
        self.background = QThreadPool(self)
        self.background.setMaxThreadCount(1)
        self._live: set[_Bridge] = set()

    def run_task(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: OnError,
        *,
        write: bool = False,
        background: bool = False,
        on_bug: OnBug | None = None,
    ) -> None:
        bridge = _Bridge()
        self._live.add(bridge)

        def done(value: Any) -> None:
            self._live.discard(bridge)
            on_done(value)

        def failed(exc: BaseException) -> None:
            self._live.discard(bridge)
            deliver_failure(exc, on_error, on_bug)

        bridge.done.connect(done)
        bridge.failed.connect(failed)
        pool = self.background if background else self.writes if write else self.reads
        pool.start(_Task(fn, bridge))

    def wait(self) -> None:
        self.reads.waitForDone()
        self.writes.waitForDone()
        self.background.waitForDone()


class InlineRunner(TaskRunner):
    """Runs each task at once on the calling thread (unit tests)."""

    def run_task(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: OnError,
        *,
        write: bool = False,
        background: bool = False,
        on_bug: OnBug | None = None,
    ) -> None:
        try:
            result = fn()
        except BaseException as exc:
            deliver_failure(exc, on_error, on_bug)
        else:
            on_done(result)
