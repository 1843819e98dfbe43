"""The release tab: the transfer/release plan and the health summary the next service needs
(domain.md §9), read from this laptop alone; the action to start or update the plan; and the
summary to hand on, as a PDF to print or as a FHIR document for another NHS system."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from hjdesk.services.release import ReleaseSummary, release_summary
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.context import PageContext
from hjdesk.ui.record.release_plan_dialog import ReleasePlanDialog
from hjdesk.ui.record.release_summary_html import summary_html
from hjdesk.ui.record.tab_base import RecordTab
from hjdesk.ui.save_fhir import BUTTON_NAME, BUTTON_TEXT, save_fhir
from hjdesk.ui.save_pdf import save_pdf


class ReleaseTab(RecordTab[ReleaseSummary]):
    title = "&Release"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.summary: ReleaseSummary | None = None
        self.text = QTextBrowser()
        self.text.setAccessibleName("Transfer and release plan and health summary")
        self.text.setOpenLinks(False)
        self.plan_button = QPushButton("&Start a transfer or release plan…")
        self.plan_button.setAccessibleName("Start or update the transfer or release plan")
        self.plan_button.setEnabled(False)
        self.pdf_button = QPushButton("Sa&ve summary as PDF…")
        self.pdf_button.setAccessibleName("Save the transfer or release summary as a PDF")
        self.fhir_button = QPushButton(BUTTON_TEXT)
        self.fhir_button.setAccessibleName(BUTTON_NAME)
        self.fhir_button.setToolTip(
            "The same summary as a FHIR UK Core document, with the PDF inside it, "
            "for the next service's system"
        )
        for button in (self.pdf_button, self.fhir_button):
            button.setEnabled(False)
        self.dialog: ReleasePlanDialog | None = None
        self._edit_when_loaded = False
        buttons = QHBoxLayout()
        buttons.addWidget(self.pdf_button)
        buttons.addWidget(self.fhir_button)
        buttons.addStretch(1)
        buttons.addWidget(self.plan_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)
        # Keyboard order follows the screen: the summary, its two copies, then the plan.
        self.setTabOrder(self.text, self.pdf_button)
        self.setTabOrder(self.pdf_button, self.fhir_button)
        self.setTabOrder(self.fhir_button, self.plan_button)
        self.plan_button.clicked.connect(self.edit_plan)
        self.pdf_button.clicked.connect(self.save_pdf)
        self.fhir_button.clicked.connect(self.save_fhir)

    def fetch(self, vault: OpenVault, patient_id: str) -> ReleaseSummary:
        return release_summary(vault, patient_id)

    def show_data(self, data: ReleaseSummary) -> None:
        self.summary = data
        self.text.setHtml(summary_html(data))
        self.plan_button.setText(
            "&Update the plan…" if data.release_plan else "&Start a transfer or release plan…"
        )
        self.plan_button.setEnabled(True)
        self.pdf_button.setEnabled(True)
        self.fhir_button.setEnabled(True)
        if self._edit_when_loaded:
            self._edit_when_loaded = False
            self.edit_plan()

    def reset(self) -> None:
        self.summary = None
        self._edit_when_loaded = False
        self.text.clear()
        for button in (self.plan_button, self.pdf_button, self.fhir_button):
            button.setEnabled(False)

    def edit_plan(self) -> None:
        """Open the plan dialog; asked before the summary has loaded, open it once it has
        (an edit must start from the plan's current revision)."""
        if self.patient_id is None:
            return
        if self.summary is None:
            self._edit_when_loaded = True
            return
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = ReleasePlanDialog(
            self.context, self.patient_id, self.who(), self.summary.release_plan, self
        )
        self.dialog.accepted.connect(self.changed.emit)
        self.dialog.open()

    def save_pdf(self) -> None:
        if self.patient_id is not None:
            save_pdf(self, self.context, "transfer-summary", patient_id=self.patient_id)

    def save_fhir(self) -> None:
        if self.patient_id is not None:
            save_fhir(self, self.context, self.patient_id)
