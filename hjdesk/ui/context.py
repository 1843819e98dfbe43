"""The context every workspace page and the feature parts it holds work in.

`PageContext` lives here, not in `ui/pages`, so a feature folder (`ui/record`, `ui/acct`, …) can
take it without importing the pages that compose those folders: the import graph between ui
subpackages stays one-way (pages → features → widgets → here).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from hjdesk.services import drafts
from hjdesk.storage.errors import KnownError
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.tasks import TaskRunner


class Navigator(QObject):
    """Requests to move somewhere else in the workspace; the workspace carries them out."""

    # A patient's record, by patient id.
    patient_requested = Signal(str)
    # A page by its title, with an optional target (e.g. a session id for "Wing clinics").
    page_requested = Signal(str, object)
    # Something changed data other pages show (a signed entry, an import, a sync).
    data_changed = Signal()

    def open_patient(self, patient_id: str) -> None:
        self.patient_requested.emit(patient_id)

    def open_page(self, title: str, target: object = None) -> None:
        self.page_requested.emit(title, target)


@dataclass
class PageContext:
    """Shared by every page of one workspace."""

    runner: TaskRunner
    privacy: PrivacyState
    navigator: Navigator = field(default_factory=Navigator)
    vault: OpenVault | None = None

    def save_draft(
        self,
        form: str,
        payload: Mapping[str, Any],
        *,
        patient_id: str | None,
        context_id: str | None,
        draft_id: str | None,
        on_saved: Callable[[str], None],
        on_error: Callable[[KnownError], None],
    ) -> None:
        """Write a form's draft on the write pool (the one way every form keeps a draft)."""
        vault = self.vault
        if vault is None:
            return
        self.runner.run_task(
            lambda: drafts.save_draft(
                vault,
                form,
                payload,
                patient_id=patient_id,
                context_id=context_id,
                draft_id=draft_id,
            ),
            on_saved,
            on_error,
            write=True,
        )

    def require_vault(self) -> OpenVault:
        if self.vault is None:
            raise KnownError("The laptop is locked.")
        return self.vault
