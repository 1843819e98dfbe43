"""The one "Save FHIR summary…" action (the Release tab and the Reports page call it): ask where,
build the FHIR document off the UI thread, write it there (and nowhere else), audit the export,
and say what happened.

Like the PDF (save_pdf), the dialog starts in the user's Documents folder and suggests a name
made of the document kind and the date, never a patient identifier; cancelling writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QWidget

from hjdesk.storage.errors import InvalidInput, KnownError
from hjdesk.ui.context import PageContext
from hjdesk.ui.save_file import ask_path, documents_path, failure_handler, run_save

KIND = "fhir-transfer-summary"
BUTTON_TEXT = "Save F&HIR summary…"
BUTTON_NAME = "Save the transfer or release summary as a FHIR document for another NHS system"


def suggested_path(today: date | None = None) -> str:
    return documents_path("transfer-summary", ".fhir.json", today)


def saved_message(resources: int, path: Path, preliminary: bool) -> str:
    text = f"Saved the FHIR summary ({resources} resources) as {path.name}."
    if preliminary:
        text += " It contains unsynced entries: the document is marked preliminary."
    return text


def save_fhir(
    parent: QWidget,
    context: PageContext,
    patient_id: str | None,
    *,
    on_started: Callable[[], None] | None = None,
    on_saved: Callable[[str], None] | None = None,
    on_failed: Callable[[KnownError], None] | None = None,
) -> None:
    """Ask where to save the patient's FHIR summary, then build, write and audit it in the
    background; report in the status bar, or through the callbacks."""
    failed = failure_handler(parent, on_failed)
    try:
        vault = context.require_vault()
        if not patient_id:
            raise InvalidInput("The FHIR summary is about one patient: choose them.")
    except KnownError as exc:
        failed(exc)
        return
    path = ask_path(
        parent,
        "Save the transfer/release summary as FHIR",
        suggested_path(),
        "FHIR JSON documents (*.json)",
        ".json",
    )
    if path is None:
        return  # cancelled: nothing built, nothing written
    chosen, patient = path, patient_id

    def work() -> str:
        from hjdesk.interop import save_fhir_summary  # FHIR models load on first export only

        export = save_fhir_summary(vault, patient, chosen)
        return saved_message(export.resources, chosen, export.preliminary)

    run_save(parent, context, work, failed, on_started=on_started, on_saved=on_saved)
