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

from PySide6.QtWidgets import QWidget

from hjdesk.reports.kinds import ReportRequest
from hjdesk.storage.errors import KnownError
from hjdesk.ui.context import PageContext
from hjdesk.ui.save_file import ask_path, documents_path, failure_handler, run_save


def suggested_path(kind: str, today: date | None = None) -> str:
    return documents_path(kind, ".pdf", today)


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
    on_failed: Callable[[KnownError], None] | None = None,
    **params: Any,
) -> None:
    """Ask where to save `kind` (with `params`: patient_id, session_id, plan_id, event_id, wing,
    month), then render, write and audit it in the background; report in the status bar, or
    through `on_started` / `on_saved` / `on_failed` when the caller shows results itself."""
    failed = failure_handler(parent, on_failed)
    try:
        vault = context.require_vault()
        request = ReportRequest(kind=kind, **params)
        label = request.check().label
    except KnownError as exc:
        failed(exc)
        return
    path = ask_path(
        parent, f"Save {label} as PDF", suggested_path(kind), "PDF documents (*.pdf)", ".pdf"
    )
    if path is None:
        return  # cancelled: nothing rendered, nothing written
    chosen = path

    def work() -> str:
        from hjdesk.reports.build import save_report  # ReportLab loads on first print only

        report = save_report(vault, request, chosen)
        return saved_message(report.title, report.pages, chosen, report.unsynced)

    run_save(parent, context, work, failed, on_started=on_started, on_saved=on_saved)
