"""Roll import: choose the prison's CSV, load it off the UI thread, show what changed and every row
that was turned away with its row number and reason (architecture.md §8).

The import is one transaction in `services.roll_import`: valid rows load, bad rows are reported,
and a file that is not a roll at all writes nothing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services.permissions import POLICY
from hjdesk.services.roll_import import import_roll
from hjdesk.services.roll_rows import COLUMNS as ROLL_COLUMNS
from hjdesk.services.roll_rows import ImportSummary
from hjdesk.storage.errors import KnownError
from hjdesk.ui.admin.feedback import MessageLine
from hjdesk.ui.admin.tables import bulk_fill
from hjdesk.ui.pages.base import PageContext
from hjdesk.ui.theme import severity_colour

IMPORT_ROLES = POLICY["import_roll"]
# A full roll that would mark at least this many people as left, and more than a tenth of those
# it covers, is checked with the person first: a partial file imported as "full" would otherwise
# take most of the prison off the caseload (and off every laptop at the next sync).
MASS_LEAVE_MINIMUM = 10


def looks_partial(preview: ImportSummary) -> bool:
    present = preview.added + preview.moved + preview.returned + preview.updated
    present += preview.unchanged
    return preview.left >= MASS_LEAVE_MINIMUM and preview.left * 10 > present + preview.left


EXPLAIN = (
    "Load or refresh the prison roll from the CSV the prison exports (UTF-8, header row: "
    + ", ".join(ROLL_COLUMNS)
    + "). People moved get their new location; people missing from a full roll are marked as "
    "left, never deleted; people who come back are matched on prison number. Rows with mistakes "
    "are listed below and the rest still load."
)


class RollImportPanel(QWidget):
    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.summary: ImportSummary | None = None
        explain = QLabel(EXPLAIN)
        explain.setWordWrap(True)
        self.read_only = QLabel("")
        self.read_only.setWordWrap(True)
        self.read_only.setAccessibleName("Why you cannot import the roll")
        self.choose = QPushButton("&Choose roll file and import…")
        self.choose.setAccessibleName("Choose a roll CSV file and import it")
        self.partial = QCheckBox("&Partial roll: do not mark people missing from it as left")
        self.partial.setAccessibleName("Partial roll: do not mark missing people as left")
        self.busy = QProgressBar()
        self.busy.setAccessibleName("Roll import in progress")
        self.busy.setRange(0, 0)  # an import reports no steps: a busy indicator
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.file_label = QLabel("")
        self.file_label.setAccessibleName("Roll file imported")
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Roll import summary")
        self.message = MessageLine("Roll import: problem")
        self.rows = QTableWidget(0, 3)
        self.rows.setHorizontalHeaderLabels(["Row", "Result", "Reason"])
        self.rows.setAccessibleName("Rows rejected or with warnings")
        self.rows.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rows.verticalHeader().hide()
        header = self.rows.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

        top = QHBoxLayout()
        top.addWidget(self.choose)
        top.addWidget(self.partial)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(self.read_only)
        layout.addLayout(top)
        layout.addWidget(self.busy)
        layout.addWidget(self.file_label)
        layout.addWidget(self.result)
        layout.addWidget(self.message)
        layout.addWidget(self.rows, 1)
        self.choose.clicked.connect(self.choose_and_import)

    @property
    def allowed(self) -> bool:
        vault = self.context.vault
        return vault is not None and vault.actor.role in IMPORT_ROLES

    def refresh(self) -> None:
        allowed = self.allowed
        for widget in (self.choose, self.partial):
            widget.setVisible(allowed)
        roles = ", ".join(sorted(IMPORT_ROLES))
        self.read_only.setText(
            ""
            if allowed
            else f"Only these roles can import the roll: {roles}. "
            "Ask one of them to load the new roll."
        )
        self.read_only.setVisible(not allowed)

    def clear(self) -> None:
        self.summary = None
        self.file_label.clear()
        self.result.clear()
        self.message.clear()
        self.rows.setRowCount(0)

    def choose_and_import(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Choose the prison roll", "", "CSV files (*.csv);;All files (*)"
        )
        if chosen:
            self.import_file(Path(chosen))

    def import_file(self, path: Path, *, confirmed: bool = False) -> None:
        vault = self.context.vault
        if vault is None or not self.allowed:
            return
        full = not self.partial.isChecked()
        self.clear()
        self.file_label.setText(f"Importing {path.name}…")
        self.choose.setEnabled(False)
        self.busy.show()

        def work() -> tuple[ImportSummary, bool]:
            if full and not confirmed:
                preview = import_roll(vault, path, full_roll=True, dry_run=True)
                if looks_partial(preview):
                    return preview, False
            return import_roll(vault, path, full_roll=full), True

        self.context.runner.run_task(
            work, lambda result: self._done(path, *result), self._failed, write=True
        )

    def _confirm_full(self, path: Path, preview: ImportSummary) -> None:
        """A "full" roll that would mark many as left is more likely a partial file: ask."""
        answer = QMessageBox.question(
            self,
            "Import the roll",
            f"{path.name} would mark {preview.left} people as left, because they are not in it. "
            "If this file is only part of the roll, choose No and tick 'Partial roll'.\n\n"
            "Import it as the full roll and mark them as left?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.import_file(path, confirmed=True)
        else:
            self.file_label.setText(f"Not imported: {path.name}. Nothing was changed.")

    def _finish(self) -> None:
        self.busy.hide()
        self.choose.setEnabled(True)

    def _failed(self, exc: KnownError) -> None:
        self._finish()
        self.file_label.clear()
        self.message.fail(exc)
        if self.message.is_error:
            self.message.setText(self.message.text() + " Nothing was imported.")

    def _done(self, path: Path, summary: ImportSummary, committed: bool) -> None:
        self._finish()
        if self.context.vault is None:
            return
        if not committed:
            self._confirm_full(path, summary)
            return
        self.summary = summary
        self.file_label.setText(f"Imported {path.name}.")
        self.result.setText(
            f"Added {summary.added}, moved {summary.moved}, left {summary.left}, "
            f"returned {summary.returned}, updated {summary.updated}, "
            f"unchanged {summary.unchanged}; rejected {len(summary.rejected)} rows"
            + (f", {len(summary.warnings)} warnings." if summary.warnings else ".")
        )
        listed = [(n, "REJECTED", why) for n, why in summary.rejected]
        listed += [(n, "warning", why) for n, why in summary.warnings]
        listed.sort(key=lambda item: item[0])
        with bulk_fill(self.rows):
            self._fill_rows(listed)
        self.context.navigator.data_changed.emit()

    def _fill_rows(self, listed: list[tuple[int, str, str]]) -> None:
        self.rows.setRowCount(len(listed))
        red = severity_colour("RED")
        for index, (number, kind, reason) in enumerate(listed):
            cells = (
                QTableWidgetItem(str(number)),
                QTableWidgetItem(kind),
                QTableWidgetItem(reason),
            )
            if kind == "REJECTED":
                cells[1].setForeground(red)
            for column, cell in enumerate(cells):
                self.rows.setItem(index, column, cell)
