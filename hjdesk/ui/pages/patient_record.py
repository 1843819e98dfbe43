"""The patient record: who the patient is (header), and their record in tabs — timeline,
observations with trend charts, care plans, ACCT, assessments, conditions and reviews,
screening, and transfer/release. Opened with `open_target(patient_id)`.

Every view is audited by the service it reads through (`open_patient` for the header, one audit
event per tab read). Tabs load when first shown for a patient, on the worker pool, so a record
with years of history opens at once and only what was looked at is read.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services.encounters import EncounterKind
from hjdesk.services.patients import PatientRow, open_patient
from hjdesk.storage.errors import KnownError
from hjdesk.ui.context import PageContext
from hjdesk.ui.encounter import EncounterDialog, open_encounter_dialog
from hjdesk.ui.pages.base import Page
from hjdesk.ui.print_menu import PrintButton
from hjdesk.ui.record.acct_tab import AcctTab
from hjdesk.ui.record.assessments_tab import AssessmentsTab
from hjdesk.ui.record.care_plans_tab import CarePlansTab
from hjdesk.ui.record.conditions_tab import ConditionsTab
from hjdesk.ui.record.header import RecordHeader
from hjdesk.ui.record.medicines_tab import MedicinesTab
from hjdesk.ui.record.new_entry import NewEntryButton
from hjdesk.ui.record.observations import ObservationsTab
from hjdesk.ui.record.release_tab import ReleaseTab
from hjdesk.ui.record.screening_tab import ScreeningTab
from hjdesk.ui.record.tab_base import RecordTab
from hjdesk.ui.record.timeline import TimelineTab
from hjdesk.ui.widgets.message_line import MessageLine

NO_PATIENT = "No patient open. Find one with the search box (Ctrl+K) or on the Patients page."


class PatientRecordPage(Page):
    title = "Patient record"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.patient_id: str | None = None
        self.row: PatientRow | None = None
        self._header_token = 0
        self._refresh_pending = False
        self.encounter_dialogs: list[EncounterDialog] = []

        self.header = RecordHeader(context.privacy)
        self.header_message = MessageLine("Patient record message")
        self.new_entry = NewEntryButton()
        self.reload = QPushButton("Re&fresh")
        self.reload.setAccessibleName("Reload this patient's record")
        self.timeline = TimelineTab(context)
        self.observations = ObservationsTab(context)
        self.care_plans = CarePlansTab(context)
        self.acct = AcctTab(context)
        self.assessments = AssessmentsTab(context)
        self.conditions = ConditionsTab(context)
        self.screening = ScreeningTab(context)
        self.medicines = MedicinesTab(context)
        self.release = ReleaseTab(context)
        self.record_tabs: list[RecordTab[Any]] = [
            self.timeline,
            self.observations,
            self.care_plans,
            self.acct,
            self.assessments,
            self.conditions,
            self.screening,
            self.medicines,
            self.release,
        ]
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Parts of the record")
        self.tabs.setUsesScrollButtons(True)
        for tab in self.record_tabs:
            self.tabs.addTab(tab, tab.title)
            tab.who = self.header.who
            tab.changed.connect(self._written)
        self._lay_out(context)

    def _lay_out(self, context: PageContext) -> None:
        self.placeholder = QLabel(NO_PATIENT)
        self.placeholder.setWordWrap(True)
        self.placeholder.setAccessibleName("No patient open")
        record = QWidget()
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.new_entry)
        self.print_button = PrintButton(
            context,
            (
                "transfer-summary",
                "medicines-on-release",
                "care-plan",
                "care-plan-patient",
                "news2",
                "questionnaires",
                "acct-contribution",
            ),
            lambda: {"patient_id": self.patient_id} if self.patient_id else None,
        )
        top.addWidget(self.print_button)
        top.addWidget(self.reload)
        record_layout = QVBoxLayout(record)
        record_layout.setContentsMargins(0, 0, 0, 0)
        record_layout.addLayout(top)
        record_layout.addWidget(self.header_message)
        record_layout.addWidget(self.tabs, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(record)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        self.tabs.currentChanged.connect(lambda _: self._load_current())
        self.reload.clicked.connect(self.refresh)
        self.new_entry.kind_chosen.connect(self.new_encounter)
        self.new_entry.screening_chosen.connect(self._new_screening)
        self.new_entry.release_plan_chosen.connect(self._new_release_plan)

    # -- page hooks -------------------------------------------------------------------------
    def open_target(self, target: object) -> None:
        if not isinstance(target, str) or not target:
            return
        self._refresh_pending = False
        if target != self.patient_id:
            self._forget()
            self.patient_id = target
            self.tabs.setCurrentIndex(0)
        self._load_all()

    def on_shown(self) -> None:
        # The workspace shows the page first and then passes the patient to open; deferring
        # the reload lets `open_target` cancel it, so the previous patient is not read (and
        # audited) again on the way to the next one.
        self._refresh_pending = True
        QTimer.singleShot(0, self._deferred_refresh)

    def _deferred_refresh(self) -> None:
        if self._refresh_pending:
            self._refresh_pending = False
            self.refresh()

    def refresh(self) -> None:
        if self.patient_id is not None and self.vault is not None:
            self._load_all()

    def save_drafts(self) -> None:
        for dialog in self._open_encounter_dialogs():
            if dialog.form.dirty:
                dialog.form.save_draft()

    def clear(self) -> None:
        for dialog in self._open_encounter_dialogs():
            dialog.close_without_asking()
        self.encounter_dialogs = []
        self._forget()
        self.patient_id = None
        self.stack.setCurrentWidget(self.placeholder)

    # -- loading ----------------------------------------------------------------------------
    def _forget(self) -> None:
        self._header_token += 1
        self.row = None
        self.header.clear()
        self.header_message.clear()
        for tab in self.record_tabs:
            tab.clear()
        for child in self.findChildren(QDialog):
            if child.isVisible() and not isinstance(child, EncounterDialog):
                child.reject()  # a dialog names the patient; it must not outlive the record

    def _load_all(self) -> None:
        """The header, and the tab on show; the other tabs reload when next shown."""
        vault, patient_id = self.vault, self.patient_id
        if vault is None or patient_id is None:
            return
        self.stack.setCurrentIndex(1)
        for tab in self.record_tabs:
            tab.loaded_for = None
        self._header_token += 1
        token = self._header_token
        self.context.runner.run_task(
            lambda: open_patient(vault, patient_id),
            lambda row: self._show_header(token, row),
            lambda exc: self._header_failed(token, exc),
        )
        self._load_current()

    def _show_header(self, token: int, row: PatientRow) -> None:
        if token != self._header_token or self.vault is None:
            return
        self.row = row
        self.header_message.clear()
        self.header.show_patient(row)

    def _header_failed(self, token: int, exc: KnownError) -> None:
        if token != self._header_token:
            return
        self.header_message.fail(exc)

    def _load_current(self) -> None:
        tab = self.tabs.currentWidget()
        if not isinstance(tab, RecordTab) or self.patient_id is None:
            return
        if tab.loaded_for != self.patient_id:
            tab.load(self.patient_id)

    def _written(self) -> None:
        """A tab or a form wrote to the record: reload it, and tell the other pages."""
        self.refresh()
        self.context.navigator.data_changed.emit()

    # -- new entries ------------------------------------------------------------------------
    def _open_encounter_dialogs(self) -> list[EncounterDialog]:
        self.encounter_dialogs = [d for d in self.encounter_dialogs if d.isVisible()]
        return self.encounter_dialogs

    def new_encounter(self, kind: EncounterKind) -> EncounterDialog | None:
        if self.patient_id is None or self.vault is None:
            return None
        patient_id = self.patient_id
        dialog = open_encounter_dialog(self.context, patient_id, kind, parent=self)
        dialog.form.signed.connect(lambda _: self._signed_for(patient_id))
        self.encounter_dialogs.append(dialog)
        return dialog

    def _signed_for(self, patient_id: str) -> None:
        if patient_id == self.patient_id:
            self._written()
        else:
            self.context.navigator.data_changed.emit()

    def _new_screening(self) -> None:
        self.tabs.setCurrentWidget(self.screening)
        self.screening.record()

    def _new_release_plan(self) -> None:
        self.tabs.setCurrentWidget(self.release)
        self.release.edit_plan()
