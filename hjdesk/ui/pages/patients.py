"""Patients: the establishment's roll grouped by wing, filtered as you type."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services import patients
from hjdesk.services.patients import PatientRow, fold
from hjdesk.ui import heap
from hjdesk.ui.caseload_model import CaseloadModel
from hjdesk.ui.context import PageContext
from hjdesk.ui.pages.base import Page
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.widgets.grouped_model import span_titles

FILTER_PAUSE_MS = 120
# Up to this many people shown, every wing opens; more (a whole 100,000-patient roll, or a
# one-letter filter of it), and the wings stay closed with their counts until one is opened or
# the filter narrows: Qt lays out every row of an open wing, ~7 µs each through this model, so
# opening all of 100,000 held the GUI thread for 0.4-0.8 s a keystroke (docs/performance.md,
# "Long lists in pages"). A prison's whole roll is well under it.
OPEN_ALL_UP_TO = 5000


def filter_keys(rows: list[PatientRow]) -> list[str]:
    """What the roll filter matches each row against, folded once per load. Plain strings, so
    the page works them out on the worker with the rows: at 100,000 patients folding them held
    the GUI thread for ~1 s (docs/performance.md, "The GUI thread at 100,000 patients")."""
    return [
        f"{fold(r.family_name + r.given_names)} {fold(r.prison_number)} {r.nhs_number or ''}"
        for r in rows
    ]


class CaseloadView(QWidget):
    """The establishment's roll grouped by wing, filtered as you type."""

    patient_activated = Signal(str)

    def __init__(self, privacy: PrivacyState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CaseloadModel(privacy)
        # No QSortFilterProxyModel: filtering a 2,000-row tree through one, expanding and
        # re-measuring every column took up to 1.2 s per key (docs/performance.md). The rows are
        # filtered in plain Python against keys folded once per load, and the model reloaded.
        self._rows: list[PatientRow] = []
        self._keys: list[str] = []
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(FILTER_PAUSE_MS)
        self._pause.timeout.connect(self._apply_filter)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter the roll: name, prison number or NHS number")
        self.search.setAccessibleName("Filter the roll")
        self.search.setClearButtonEnabled(True)
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setAccessibleName("Roll by wing")
        self.tree.setUniformRowHeights(True)
        # Activation (Enter or double-click) opens and closes a heading; the tree's own
        # double-click toggle would undo it.
        self.tree.setExpandsOnDoubleClick(False)
        self.tree.setAlternatingRowColors(True)
        # Columns are measured once per roll, on the rows on screen and up to 200 more: Qt's
        # default, 1,000 rows of every column, took ~0.2 s at 100,000 patients.
        self.tree.header().setResizeContentsPrecision(200)
        self.count = QLabel("")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        self.search.textChanged.connect(lambda _: self._pause.start())
        self.search.returnPressed.connect(self.filter_now)
        self.tree.activated.connect(self._activated)

    def show_rows(self, rows: list[PatientRow], keys: list[str] | None = None) -> None:
        """Show the roll; `keys`, if given, are `filter_keys(rows)` worked out already."""
        first = not self._rows
        self._rows = rows
        self._keys = keys if keys is not None else filter_keys(rows)
        self.count.setText(f"{len(rows):,} on the roll")
        self._apply_filter()
        if first and rows:
            # Measure the columns once, on what is shown, not on every keystroke.
            for column in range(self.model.columnCount()):
                self.tree.resizeColumnToContents(column)

    def filter_now(self) -> None:
        """Apply what is typed without waiting for the pause (Enter, and tests)."""
        self._pause.stop()
        self._apply_filter()

    def _apply_filter(self) -> None:
        term = self.search.text().strip()
        if not term:
            shown = self._rows
        else:
            # One plain comprehension per word, each over what the last one kept: a generator
            # per row (`all(...)`) cost 40-70 ms a key at 100,000 patients, this 6-10 ms.
            first, *rest = [fold(word) for word in term.split()]
            keys = self._keys
            kept = [number for number, key in enumerate(keys) if first in key]
            for word in rest:
                kept = [number for number in kept if word in keys[number]]
            shown = [self._rows[number] for number in kept]
        self.model.load(shown)
        span_titles(self.tree, self.model)
        closed = len(shown) > OPEN_ALL_UP_TO
        if term:
            self.count.setText(f"{len(shown):,} of {len(self._rows):,} on the roll")
        elif self._rows:
            self.count.setText(f"{len(self._rows):,} on the roll")
        if closed:
            self.count.setText(f"{self.count.text()}: open a wing, or type to narrow")
        else:
            self.tree.expandAll()

    def _activated(self, index: QModelIndex) -> None:
        if self.model.is_more(index):
            self.tree.setCurrentIndex(self.model.show_more(index))
            return
        patient_id = self.model.patient_id(index)
        if patient_id:
            self.patient_activated.emit(patient_id)
        elif not index.parent().isValid():  # a wing: Enter opens or closes it
            heading = index.siblingAtColumn(0)
            self.tree.setExpanded(heading, not self.tree.isExpanded(heading))


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
        self.context.runner.run_task(lambda: _with_keys(patients.caseload(vault)), self._show,
                                     self.show_error)  # fmt: skip

    def _show(self, loaded: tuple[list[PatientRow], list[str]]) -> None:
        if self.vault is None:
            return
        self.caseload.show_rows(*loaded)
        self._loaded = True
        heap.settle()  # the roll: 100,000 rows at 100,000 patients

    def clear(self) -> None:
        self._loaded = False
        self.caseload.show_rows([])
        self.caseload.search.clear()


def _with_keys(rows: list[PatientRow]) -> tuple[list[PatientRow], list[str]]:
    return rows, filter_keys(rows)
