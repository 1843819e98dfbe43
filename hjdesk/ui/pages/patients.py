"""Patients: the establishment's roll grouped by wing, filtered as you type."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services import patients
from hjdesk.services.patients import PatientRow
from hjdesk.ui.caseload_model import SEARCH_ROLE, CaseloadModel
from hjdesk.ui.pages.base import Page, PageContext
from hjdesk.ui.privacy import PrivacyState


class CaseloadView(QWidget):
    """The establishment's roll grouped by wing, filtered as you type."""

    patient_activated = Signal(str)

    def __init__(self, privacy: PrivacyState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CaseloadModel(privacy)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setRecursiveFilteringEnabled(True)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(0)
        # Filter on the unmasked search text so the privacy switch never hides a match.
        self.proxy.setFilterRole(SEARCH_ROLE)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter the roll: name, prison number or NHS number")
        self.search.setAccessibleName("Filter the roll")
        self.search.setClearButtonEnabled(True)
        self.tree = QTreeView()
        self.tree.setModel(self.proxy)
        self.tree.setAccessibleName("Roll by wing")
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.count = QLabel("")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        self.search.textChanged.connect(self._filter)
        self.tree.activated.connect(self._activated)

    def show_rows(self, rows: list[PatientRow]) -> None:
        self.model.load(rows)
        self.count.setText(f"{len(rows)} on the roll")
        self.tree.expandAll()

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self.tree.expandAll()

    def _activated(self, index: object) -> None:
        patient_id = self.model.patient_id(self.proxy.mapToSource(index))  # type: ignore[arg-type]
        if patient_id:
            self.patient_activated.emit(patient_id)


class PatientsPage(Page):
    """The roll; Enter or double-click on a person opens their record."""

    title = "Patients"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.caseload = CaseloadView(context.privacy)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caseload)
        self.caseload.patient_activated.connect(context.navigator.open_patient)
        # The roll only changes on import or sync: reload then, not on every visit.
        self._loaded = False
        context.navigator.data_changed.connect(self._stale)

    def _stale(self) -> None:
        self._loaded = False
        if self.isVisible():
            self.refresh()

    def on_shown(self) -> None:
        if not self._loaded:
            self.refresh()

    def refresh(self) -> None:
        vault = self.vault
        if vault is None:
            return
        self.context.runner.run_task(lambda: patients.caseload(vault), self._show, self.show_error)

    def _show(self, rows: list[PatientRow]) -> None:
        if self.vault is None:
            return
        self.caseload.show_rows(rows)
        self._loaded = True

    def clear(self) -> None:
        self._loaded = False
        self.caseload.show_rows([])
        self.caseload.search.clear()
