"""The search box in the header: prison number, name or NHS number, results as you type.

Searching runs on the read pool (a 100,000-patient vault must not stall typing); a short pause
after the last key starts it, and an answer to an older query is dropped.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from hjdesk.services import patients
from hjdesk.services.patients import PatientRow
from hjdesk.ui.context import PageContext

PATIENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
PAUSE_MS = 150
LIMIT = 20


class GlobalSearch(QLineEdit):
    patient_chosen = Signal(str)

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setPlaceholderText("Find a patient: prison number, name or NHS number (Ctrl+K)")
        self.setAccessibleName("Find a patient")
        self.setClearButtonEnabled(True)
        self.results = QStandardItemModel(self)
        self.completer_ = QCompleter(self.results, self)
        # The service already filtered; the completer only shows and navigates the list.
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setWidget(self)
        popup = self.completer_.popup()
        assert popup is not None
        self.popup = popup
        self.popup.setAccessibleName("Patients found")
        # The QModelIndex overload: the text of two patients' rows may be the same when masked.
        self.completer_.activated[QModelIndex].connect(self._chosen)  # type: ignore[index]
        self._rows: list[PatientRow] = []
        self._generation = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PAUSE_MS)
        self._timer.timeout.connect(self._search)
        self.textEdited.connect(lambda _: self._timer.start())
        self.returnPressed.connect(self._enter)
        context.privacy.changed.connect(lambda _: self._fill())

    def _search(self) -> None:
        vault = self.context.vault
        text = self.text().strip()
        self._generation += 1
        generation = self._generation
        if vault is None or not text:
            self._rows = []
            self._fill()
            return
        self.context.runner.run_task(
            lambda: patients.search(vault, text, limit=LIMIT),
            lambda rows: self._found(generation, rows),
            self._failed,
        )

    def _found(self, generation: int, rows: list[PatientRow]) -> None:
        if generation != self._generation or self.context.vault is None:
            return  # typed on since, or locked meanwhile
        self._rows = rows
        self._fill()
        if self.hasFocus():
            self.completer_.complete()

    def _failed(self, exc: BaseException) -> None:
        self._rows = []
        self.results.clear()
        self.setToolTip(str(exc))

    def _fill(self) -> None:
        privacy = self.context.privacy
        self.results.clear()
        if not self._rows and self.text().strip():
            empty = QStandardItem("No patient found")
            empty.setEnabled(False)
            self.results.appendRow(empty)
            return
        for row in self._rows:
            where = row.location if row.on_roll else "not on the roll"
            text = (
                f"{privacy.name(row.display_name)}  ·  {privacy.identifier(row.prison_number)}"
                f"  ·  NHS {privacy.identifier(row.nhs_display)}  ·  {where}"
            )
            item = QStandardItem(text)
            item.setData(row.id, PATIENT_ID_ROLE)
            self.results.appendRow(item)

    def _chosen(self, index: QModelIndex) -> None:
        patient_id = index.data(PATIENT_ID_ROLE)
        if patient_id:
            self._open(str(patient_id))

    def _enter(self) -> None:
        """Enter with one match (or after the popup closed) opens the first patient found."""
        if self._timer.isActive():
            self._timer.stop()
            self._search()
        if self._rows:
            self._open(self._rows[0].id)

    def _open(self, patient_id: str) -> None:
        self.popup.hide()
        self.clear_results()
        self.patient_chosen.emit(patient_id)

    def clear_results(self) -> None:
        self._generation += 1
        self._rows = []
        self.results.clear()
        self.clear()
