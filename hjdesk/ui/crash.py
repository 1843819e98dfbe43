"""The crash path (style.md 14): log first, then one dialog on the GUI thread; never crash itself.

Tracebacks go to the home folder's log. Our exception messages never carry patient identifiers
(architecture.md §3), and locals are not logged.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from hjdesk.storage.errors import KnownError

log = logging.getLogger("hjdesk.crash")


class _Reporter(QObject):
    report = Signal(str)


class CrashHandler:
    def __init__(self) -> None:
        self._reporter = _Reporter()
        self._reporter.report.connect(self._show)
        self._shown = False

    def install(self) -> None:
        sys.excepthook = self.handle
        threading.excepthook = self._thread_hook

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self.handle(args.exc_type, args.exc_value, args.exc_traceback)

    def handle(
        self, kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        try:
            if isinstance(value, KnownError):
                self._reporter.report.emit(value.message)
                return
            log.error("unexpected error\n%s", "".join(traceback.format_exception(kind, value, tb)))
            self._reporter.report.emit(
                "Something went wrong inside HJDesk. Your saved work is safe in the vault. "
                "The details are in the log for IT support."
            )
        except BaseException:  # noqa: S110 - the crash path must not crash
            pass

    def _show(self, text: str) -> None:
        app = QApplication.instance()
        if app is None or QThread.currentThread() is not app.thread() or self._shown:
            return
        self._shown = True
        try:
            QMessageBox.critical(None, "HJDesk", text)
        finally:
            self._shown = False
