"""The crash path (style.md 14): log first, then one dialog on the GUI thread; never crash itself.

Tracebacks go to the home folder's log, scrubbed (`scrubbed_traceback`): where the code failed,
never what it was handling. An exception's message may quote a value (a third-party library's, a
`ValueError` naming the bad input), so messages are withheld, except a database driver's own
(SQLite names the constraint, never the row). Locals are not logged.
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


WITHHELD = "(message withheld: it may quote record data)"
_DRIVERS = ("sqlcipher3", "sqlite3", "psycopg")


def _describe(exc: traceback.TracebackException) -> list[str]:
    kind = exc.exc_type
    name = f"{kind.__module__}.{kind.__qualname__}" if kind else "exception"
    lines = [f"{name} {WITHHELD}"]
    for frame in exc.stack:
        lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
    return lines


def scrubbed_traceback(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> str:
    """The traceback with every exception's message left out (see the module docstring)."""
    lines: list[str] = []
    current: traceback.TracebackException | None = traceback.TracebackException(
        kind, value, tb, capture_locals=False
    )
    seen = 0
    while current is not None and seen < 10:
        lines[:0] = _describe(current)
        nxt = current.__cause__ or current.__context__
        if nxt is not None:
            lines.insert(0, "while handling, or caused by:")
        current, seen = nxt, seen + 1
    original = getattr(value, "orig", None)
    if original is not None and type(original).__module__.split(".")[0] in _DRIVERS:
        lines.append(f"database driver: {type(original).__name__}: {original}")
    return "\n".join(lines)


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
            log.error("unexpected error\n%s", scrubbed_traceback(kind, value, tb))
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
