"""The one "Print / Save as PDF" action every page calls: ask where, render off the UI thread,
write the file there (and nowhere else), audit the print, and say what happened.

The PDF is built in memory by `hjdesk.reports.build` on a worker thread (context.runner, on the
write pool because the print is audited); its bytes go only to the path the user picked. The
dialog starts in the user's Documents folder, never a temp folder, and suggests a name made of the
document kind and the date, never a patient identifier.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QStatusBar, QWidget

from hjdesk.reports.kinds import ReportRequest
from hjdesk.storage.errors import KnownError
from hjdesk.ui.pages.base import PageContext

STATUS_MS = 15_000


def suggested_path(kind: str, today: date | None = None) -> str:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    name = f"{kind}-{(today or date.today()):%Y-%m-%d}.pdf"
    return str(Path(folder) / name) if folder else name


def status_bar(parent: QWidget) -> QStatusBar | None:
    window = parent.window()
    if isinstance(window, QMainWindow):
        return window.statusBar()
    found = window.findChild(QStatusBar)
    return found if isinstance(found, QStatusBar) else None


def saved_message(title: str, pages: int, path: Path, unsynced: bool) -> str:
    count = f"{pages} page{'' if pages == 1 else 's'}"
    text = f"Saved {title} ({count}) as {path.name}."
    if unsynced:
        text += " It contains unsynced entries, marked on every page."
    return text


def save_pdf(
    parent: QWidget,
    context: PageContext,
    kind: str,
    *,
    on_started: Callable[[], None] | None = None,
    on_saved: Callable[[str], None] | None = None,
    on_failed: Callable[[BaseException], None] | None = None,
    **params: Any,
) -> None:
    """Ask where to save `kind` (with `params`: patient_id, session_id, plan_id, event_id, wing,
    month), then render, write and audit it in the background; report in the status bar, or
    through `on_started` / `on_saved` / `on_failed` when the caller shows results itself."""

    def failed(exc: BaseException) -> None:
        if on_failed is not None:
            on_failed(exc)
        elif isinstance(exc, KnownError):
            QMessageBox.warning(parent, "HJDesk", str(exc))
        else:
            raise exc  # a bug: the crash path logs it

    try:
        vault = context.require_vault()
        request = ReportRequest(kind=kind, **params)
        label = request.check().label
    except KnownError as exc:
        failed(exc)
        return
    chosen, _ = QFileDialog.getSaveFileName(
        parent, f"Save {label} as PDF", suggested_path(kind), "PDF documents (*.pdf)"
    )
    if not chosen:
        return  # cancelled: nothing rendered, nothing written
    path = Path(chosen)
    if path.suffix.lower() != ".pdf":
        path = path.with_name(path.name + ".pdf")

    def work() -> str:
        from hjdesk.reports.build import save_report  # ReportLab loads on first print only

        report = save_report(vault, request, path)
        return saved_message(report.title, report.pages, path, report.unsynced)

    def done(message: str) -> None:
        if on_saved is not None:
            on_saved(message)
        bar = status_bar(parent)
        if bar is not None:
            bar.showMessage(message, STATUS_MS)

    if on_started is not None:
        on_started()
    context.runner.run_task(work, done, failed, write=True)
