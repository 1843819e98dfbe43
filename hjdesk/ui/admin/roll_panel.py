"""Roll import: choose the prison's CSV, load it off the UI thread, show what changed and every row
that was turned away with its row number and reason (architecture.md §8).

The import is one transaction in `services.roll_import`: valid rows load, bad rows are reported,
and a file that is not a roll at all writes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateTimeEdit,
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
from hjdesk.services.roll import COLUMNS as ROLL_COLUMNS
from hjdesk.services.roll import ImportSummary, LinkFlag, import_roll, mark_checked, open_link_flags
from hjdesk.storage.errors import KnownError
from hjdesk.ui.clinic_time import clinic, from_qt, set_clinic_zone, to_qt
from hjdesk.ui.context import PageContext
from hjdesk.ui.theme import severity_colour
from hjdesk.ui.widgets.message_line import MessageLine
from hjdesk.ui.widgets.tables import bulk_fill

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
    "are listed below and the rest still load. Every laptop of the prison may load the same file: "
    "of two rolls, the one taken later from the prison system wins."
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
        self.use_file_time = QCheckBox("Roll taken when the file was &saved")
        self.use_file_time.setAccessibleName(
            "The roll was taken from the prison system when its file was saved"
        )
        self.use_file_time.setChecked(True)
        self.taken = set_clinic_zone(QDateTimeEdit())
        self.taken.setAccessibleName("When the roll was taken from the prison system")
        self.taken.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.taken.setCalendarPopup(True)
        self.taken.setEnabled(False)
        self.use_file_time.toggled.connect(lambda on: self.taken.setEnabled(not on))
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
        self.message = MessageLine("Roll import: problem", problem_prefix="Not done: ")
        self._build_tables(context)
        self._lay_out(explain)

    def _build_tables(self, context: PageContext) -> None:
        self.rows = QTableWidget(0, 3)
        self.rows.setHorizontalHeaderLabels(["Row", "Result", "Reason"])
        self.rows.setAccessibleName("Rows rejected or with warnings")
        self.rows.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rows.verticalHeader().hide()
        header = self.rows.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.flags_label = QLabel("NHS numbers to check: none.")
        self.flags_label.setWordWrap(True)
        self.flags = QTableWidget(0, 4)
        self.flags.setHorizontalHeaderLabels(
            ["New prison number", "Already here as", "NHS number", "Flagged"]
        )
        self.flags.setAccessibleName("New prison numbers whose NHS number is another patient's")
        self.flags.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.flags.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.flags.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.flags.verticalHeader().hide()
        self.flags.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.flags.setMaximumHeight(140)
        self.check_flag = QPushButton("&Mark as checked")
        self.check_flag.setAccessibleName("Mark the selected NHS-number flag as checked")
        self.check_flag.setEnabled(False)
        self.flags.itemSelectionChanged.connect(
            lambda: self.check_flag.setEnabled(bool(self.flags.selectedItems()))
        )
        self.check_flag.clicked.connect(self.mark_selected_checked)
        context.privacy.changed.connect(lambda _: self._masked())
        self.open_flags: list[LinkFlag] = []

    def _lay_out(self, explain: QLabel) -> None:
        top = QHBoxLayout()
        top.addWidget(self.choose)
        top.addWidget(self.partial)
        top.addStretch(1)
        when = QHBoxLayout()
        when.addWidget(self.use_file_time)
        when.addWidget(QLabel("or taken at:"))
        when.addWidget(self.taken)
        when.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(self.read_only)
        layout.addLayout(top)
        layout.addLayout(when)
        layout.addWidget(self.busy)
        layout.addWidget(self.file_label)
        layout.addWidget(self.result)
        layout.addWidget(self.message)
        layout.addWidget(self.rows, 1)
        layout.addWidget(self.flags_label)
        layout.addWidget(self.flags)
        flag_row = QHBoxLayout()
        flag_row.addWidget(self.check_flag)
        flag_row.addStretch(1)
        layout.addLayout(flag_row)
        self.choose.clicked.connect(self.choose_and_import)

    @property
    def allowed(self) -> bool:
        vault = self.context.vault
        return vault is not None and vault.actor.role in IMPORT_ROLES

    def refresh(self) -> None:
        allowed = self.allowed
        for widget in (
            self.choose, self.partial, self.use_file_time, self.taken, self.flags_label,
            self.flags, self.check_flag,
        ):  # fmt: skip
            widget.setVisible(allowed)
        if allowed:
            self.refresh_flags()
        roles = ", ".join(sorted(IMPORT_ROLES))
        self.read_only.setText(
            ""
            if allowed
            else f"Only these roles can import the roll: {roles}. "
            "Ask one of them to load the new roll."
        )
        self.read_only.setVisible(not allowed)

    def refresh_flags(self) -> None:
        vault = self.context.vault
        self.open_flags = open_link_flags(vault) if vault is not None and self.allowed else []
        self._show_flags()

    def _masked(self) -> None:
        """The privacy switch shows the flags already read, masked or not: reading them again
        was a query on the GUI thread each time the switch moved (docs/performance.md, "Today
        page: opening a list and masking"). Locked, there are none, as a read would find."""
        if self.context.vault is None or not self.allowed:
            self.open_flags = []
        self._show_flags()

    def _show_flags(self) -> None:
        """The flags read last, with identifiers as the privacy switch says."""
        count = len(self.open_flags)
        self.flags_label.setText(
            "NHS numbers to check: none."
            if not count
            else f"NHS numbers to check: {count}. Each new prison number below has the NHS number "
            "of a patient already here. They were not merged: check both records, and have the "
            "records linked if they are one person."
        )
        with bulk_fill(self.flags):
            self.flags.setRowCount(count)
            for index, flag in enumerate(self.open_flags):
                hide = self.context.privacy.identifier  # the privacy switch masks identifiers
                cells = (
                    hide(flag.prison_number),
                    hide(flag.other_prison_number),
                    hide(flag.nhs_number),
                    f"{clinic(flag.flagged_at):%Y-%m-%d %H:%M}",
                )
                for column, text in enumerate(cells):
                    self.flags.setItem(index, column, QTableWidgetItem(text))
        self.check_flag.setEnabled(False)

    def mark_selected_checked(self) -> None:
        vault = self.context.vault
        rows = {item.row() for item in self.flags.selectedItems()}
        if vault is None or len(rows) != 1:
            return
        flag = self.open_flags[rows.pop()]
        try:
            mark_checked(vault, flag.id)
        except KnownError as exc:
            self.message.fail(exc)
            return
        shown = self.context.privacy.identifier(flag.prison_number)
        self.message.info(f"Marked {shown} as checked.")
        self.refresh_flags()

    def taken_at(self, path: Path) -> datetime:
        """When the roll was taken: the file's modification time, or the time typed in."""
        if self.use_file_time.isChecked():
            moment = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            self.taken.setDateTime(to_qt(moment))
            return moment
        return from_qt(self.taken.dateTime())

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
        try:
            as_of = self.taken_at(path)
        except OSError:
            as_of = None  # the import names the problem with the file
        self.file_label.setText(f"Importing {path.name}…")
        self.choose.setEnabled(False)
        self.busy.show()

        def work() -> tuple[ImportSummary, bool]:
            if full and not confirmed:
                preview = import_roll(vault, path, full_roll=True, dry_run=True, as_of=as_of)
                if looks_partial(preview):
                    return preview, False
            return import_roll(vault, path, full_roll=full, as_of=as_of), True

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
        self.message.problem(f"{exc} Nothing was imported.")

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
            + (
                f" {summary.older} people kept the details of a newer roll already here."
                if summary.older
                else ""
            )
        )
        listed = [(n, "REJECTED", why) for n, why in summary.rejected]
        listed += [(n, "warning", why) for n, why in summary.warnings]
        listed.sort(key=lambda item: item[0])
        with bulk_fill(self.rows):
            self._fill_rows(listed)
        self.refresh_flags()
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
