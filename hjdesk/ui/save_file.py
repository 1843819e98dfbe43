"""What every "save a document" action shares (save_pdf, save_fhir): ask where, starting in the
user's Documents folder with a name made of the document kind and the date — never a patient
identifier, never a temp folder; build and write the file off the UI thread, on the write pool
because the export is audited; then say what happened in the status bar or through callbacks.

Cancelling the dialog writes nothing. Known errors are shown; anything else is a bug and goes to
the crash path.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QStatusBar, QWidget

from hjdesk.storage.errors import KnownError
from hjdesk.ui.clinic_time import clinic_now
from hjdesk.ui.context import PageContext

STATUS_MS = 15_000

Failed = Callable[[KnownError], None]


def documents_path(stem: str, suffix: str, today: date | None = None) -> str:
    """`stem-YYYY-MM-DD.suffix` in the user's Documents folder (or bare, if there is none)."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    name = f"{stem}-{(today or clinic_now().date()):%Y-%m-%d}{suffix}"
    return str(Path(folder) / name) if folder else name


def status_bar(parent: QWidget) -> QStatusBar | None:
    window = parent.window()
    if isinstance(window, QMainWindow):
        return window.statusBar()
    found = window.findChild(QStatusBar)
    return found if isinstance(found, QStatusBar) else None


def failure_handler(parent: QWidget, on_failed: Failed | None) -> Failed:
    """The caller's handler, or a warning box (the runner hands over known errors only)."""

    def failed(exc: KnownError) -> None:
        if on_failed is not None:
            on_failed(exc)
        else:
            QMessageBox.warning(parent, "HJDesk", str(exc))

    return failed


def ask_path(
    parent: QWidget, title: str, suggested: str, name_filter: str, suffix: str
) -> Path | None:
    """The path the user chose, with `suffix` added when they left it off; None if cancelled."""
    chosen, _ = QFileDialog.getSaveFileName(parent, title, suggested, name_filter)
    if not chosen:
        return None
    path = Path(chosen)
    if path.suffix.lower() != suffix:
        path = path.with_name(path.name + suffix)
    return path


def run_save(
    parent: QWidget,
    context: PageContext,
    work: Callable[[], str],
    failed: Failed,
    *,
    on_started: Callable[[], None] | None = None,
    on_saved: Callable[[str], None] | None = None,
) -> None:
    """Run `work` (which writes the file and returns the message to show) in the background."""

    def done(message: str) -> None:
        if on_saved is not None:
            on_saved(message)
        bar = status_bar(parent)
        if bar is not None:
            bar.showMessage(message, STATUS_MS)

    if on_started is not None:
        on_started()
    context.runner.run_task(work, done, failed, write=True)
