"""The one helper for background work (style.md 4): `run_task(fn, on_done, on_error)`.

Workers run on a QThreadPool, catch everything (`BaseException`) and always report back on the GUI
thread through queued signals. A person's writes go through a single-thread pool so they never
race; long work that writes in short transactions of its own (sync) has its own single-thread pool,
so a save never queues behind a whole sync, only (inside the vault) behind one page of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


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
        on_error: Callable[[BaseException], None],
        *,
        write: bool = False,
        background: bool = False,
    ) -> None:
        bridge = _Bridge()
        self._live.add(bridge)

        def finish(handler: Callable[[Any], None], value: Any) -> None:
            self._live.discard(bridge)
            handler(value)

        bridge.done.connect(lambda value: finish(on_done, value))
        bridge.failed.connect(lambda exc: finish(on_error, exc))
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
        on_error: Callable[[BaseException], None],
        *,
        write: bool = False,
        background: bool = False,
    ) -> None:
        try:
            result = fn()
        except BaseException as exc:
            on_error(exc)
        else:
            on_done(result)
