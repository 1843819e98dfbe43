"""Conflicts to resolve: the list, and for the chosen one both versions side by side, field by
field, with the differences marked; then keep mine, keep the hub's, or save a merged version.

Each choice is `hjdesk.sync.client.resolve_conflict`, which writes a new revision on top of the
hub's (queued for the next sync), so nothing is overwritten silently.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services.settings import ConflictLabel
from hjdesk.storage.errors import InvalidInput
from hjdesk.sync.client import ConflictView, resolve_conflict
from hjdesk.ui.clinic_time import clinic
from hjdesk.ui.context import PageContext
from hjdesk.ui.sync.conflict_fields import FieldRow, compare, kind_label, merged_values, shown
from hjdesk.ui.theme import severity_colour
from hjdesk.ui.widgets.message_line import MessageLine
from hjdesk.ui.widgets.tables import bulk_fill

LIST_COLUMNS = ("Record", "Patient", "Prison no.", "Why", "Fields that differ", "Found")
MERGED = 4
_WHY = {"edit": "edited on two laptops", "clash": "collides with a record here"}


def _when(payload: dict[str, Any] | None) -> str:
    value = (payload or {}).get("updated_at")
    return f", saved {str(value)[:16].replace('T', ' ')} UTC" if value else ""


def _differ_count(count: int) -> str:
    return "1 field differs." if count == 1 else f"{count} fields differ."


class ConflictsPanel(QWidget):
    resolved = Signal()

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.conflicts: list[ConflictView] = []
        self.labels: dict[str, ConflictLabel] = {}
        self.rows: list[FieldRow] = []
        self.merged_texts: dict[str, str] = {}
        self._current: ConflictView | None = None
        self._drawing = False

        self.heading = QLabel("")
        self.list = QTableWidget(0, len(LIST_COLUMNS))
        self.list.setHorizontalHeaderLabels(list(LIST_COLUMNS))
        self.list.setAccessibleName("Conflicts to resolve")
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.verticalHeader().hide()
        header = self.list.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.heading.setBuddy(self.list)
        self.list.setMaximumHeight(self.fontMetrics().lineSpacing() * 12)

        self.versions = QLabel("")
        self.versions.setWordWrap(True)
        self.versions.setAccessibleName("The two versions compared")
        self.compare = QTableWidget(0, 5)
        self.compare.setAccessibleName("Both versions field by field; the last column is editable")
        self.compare.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.compare.setWordWrap(True)
        self.compare.verticalHeader().hide()
        compare_header = self.compare.horizontalHeader()
        compare_header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        compare_header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        compare_header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.keep_mine = QPushButton("Keep &mine")
        self.keep_mine.setAccessibleName("Keep this laptop's version")
        self.keep_hub = QPushButton("Keep hub's versi&on")
        self.keep_hub.setAccessibleName("Keep the hub's version")
        self.save_merged = QPushButton("Save mer&ged version")
        self.save_merged.setAccessibleName("Save the merged version from the last column")
        self.explain = QLabel("")
        self.explain.setWordWrap(True)
        self.message = MessageLine(
            "Conflicts: result of the last action", problem_prefix="Not done: "
        )
        self._lay_out(context)

    def _lay_out(self, context: PageContext) -> None:
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.versions)
        detail_layout.addWidget(self.compare, 1)
        buttons = QHBoxLayout()
        for button in (self.keep_mine, self.keep_hub, self.save_merged):
            buttons.addWidget(button)
        buttons.addWidget(self.explain, 1)
        detail_layout.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.list)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)

        self.list.itemSelectionChanged.connect(self._selected)
        self.compare.itemChanged.connect(self._merged_edited)
        self.keep_mine.clicked.connect(lambda: self.resolve("mine"))
        self.keep_hub.clicked.connect(lambda: self.resolve("hub"))
        self.save_merged.clicked.connect(self.resolve_merged)
        context.privacy.changed.connect(lambda _: self._redraw_all())
        self.show_conflicts([], {})

    # -- the list -------------------------------------------------------------------------
    def show_conflicts(
        self, conflicts: list[ConflictView], labels: dict[str, ConflictLabel]
    ) -> None:
        chosen = self._current.id if self._current else None
        self.conflicts, self.labels = conflicts, labels
        self._draw_list()
        index = next((n for n, c in enumerate(conflicts) if c.id == chosen), 0)
        if conflicts:
            self.list.selectRow(index)
        self._selected()

    def clear(self) -> None:
        self._current = None
        self.show_conflicts([], {})
        self.message.clear()

    def _draw_list(self) -> None:
        conflicts = self.conflicts
        self.heading.setText(
            f"Con&flicts to resolve: {len(conflicts)}"
            if conflicts
            else "Con&flicts to resolve: none. Both versions are kept whenever two laptops "
            "edit the same record; they will be listed here."
        )
        with bulk_fill(self.list):
            self._fill_list(conflicts)
        self.list.setVisible(bool(conflicts))

    def _fill_list(self, conflicts: list[ConflictView]) -> None:
        privacy = self.context.privacy
        self.list.setRowCount(len(conflicts))
        for row, conflict in enumerate(conflicts):
            who = self.labels.get(conflict.patient_id or "")
            cells = (
                kind_label(conflict.kind),
                privacy.name(who.name) if who else "",
                privacy.identifier(who.prison_number) if who else "",
                _WHY.get(conflict.reason, conflict.reason),
                ", ".join(f.replace("_", " ") for f in conflict.changed_fields) or "-",
                clinic(conflict.detected_at).strftime("%d %b %H:%M"),
            )
            for column, text in enumerate(cells):
                self.list.setItem(row, column, QTableWidgetItem(text))

    def _selected(self) -> None:
        rows = self.list.selectionModel().selectedRows()
        index = rows[0].row() if rows else -1
        current = self.conflicts[index] if 0 <= index < len(self.conflicts) else None
        if (current.id if current else None) != (self._current.id if self._current else None):
            self.merged_texts = {}
        self._current = current
        self._draw_detail()

    def _redraw_all(self) -> None:
        self._draw_list()
        self._draw_detail()

    # -- the comparison -------------------------------------------------------------------
    def _draw_detail(self) -> None:
        conflict = self._current
        self._drawing = True
        try:
            with bulk_fill(self.compare):
                self._fill_compare(conflict)
            self.compare.resizeRowsToContents()
        finally:
            self._drawing = False
        has = conflict is not None
        for widget in (self.versions, self.compare, self.keep_mine, self.keep_hub):
            widget.setVisible(has)
        self.save_merged.setVisible(has)
        self.explain.setVisible(has)
        if conflict is None:
            return
        clash = conflict.reason == "clash"
        self.keep_mine.setText("&Dismiss (keep this laptop's record)" if clash else "Keep &mine")
        self.keep_hub.setEnabled(not clash)
        masked_private = self.context.privacy.masked and any(r.private for r in self.rows)
        self.save_merged.setEnabled(not clash and not masked_private)
        if clash:
            self.explain.setText(
                "The hub's record could not be stored here because it collides with a record on "
                "this laptop (for example the same user name). The hub keeps both; here it can "
                "only be dismissed."
            )
        elif masked_private:
            self.explain.setText("Show names (turn off Hide names) to edit a merged version.")
        else:
            self.explain.setText(
                "Differences are marked DIFFERS. Edit the last column to merge, then save."
            )

    def _fill_compare(self, conflict: ConflictView | None) -> None:
        self.compare.setRowCount(0)
        if conflict is None:
            self.rows = []
            self.versions.clear()
            return
        self.rows = compare(conflict)
        mine_head = (
            f"This laptop (rev {conflict.mine_rev})" if conflict.mine is not None else "This laptop"
        )
        hub_head = f"Hub (rev {conflict.hub_rev})"
        self.compare.setHorizontalHeaderLabels(
            ["Field", "Differs?", mine_head, hub_head, "Merged version (editable)"]
        )
        self.versions.setText(
            f"{kind_label(conflict.kind)}: this laptop's version"
            f"{_when(conflict.mine) if conflict.mine is not None else ' (none)'} "
            f"beside the hub's{_when(conflict.hub)}. "
            + (
                _differ_count(sum(r.differs for r in self.rows))
                if conflict.mine is not None
                else ""
            )
        )
        mark = QColor(severity_colour("AMBER"))
        mark.setAlpha(60)
        self.compare.setRowCount(len(self.rows))
        for index, row in enumerate(self.rows):
            mine_text = "" if conflict.mine is None else self._private(row, row.mine)
            merged = self.merged_texts.get(row.name, shown(row.mine))
            cells = [
                QTableWidgetItem(row.label),
                QTableWidgetItem("DIFFERS" if row.differs else ""),
                QTableWidgetItem(mine_text),
                QTableWidgetItem(self._private(row, row.hub)),
                QTableWidgetItem(self._private(row, merged) if row.private else merged),
            ]
            editable = row.editable and not (row.private and self.context.privacy.masked)
            for column, cell in enumerate(cells):
                flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                if column == MERGED and editable:
                    flags |= Qt.ItemFlag.ItemIsEditable
                cell.setFlags(flags)
                if row.differs and column in (1, 2, 3):
                    cell.setBackground(QBrush(mark))
                    font = cell.font()
                    font.setBold(True)
                    cell.setFont(font)
                self.compare.setItem(index, column, cell)

    def _private(self, row: FieldRow, value: Any) -> str:
        text = shown(value)
        privacy = self.context.privacy
        if not text or row.private is None:
            return text
        if row.private == "name":
            return privacy.name(text)
        if row.private == "identifier":
            return privacy.identifier(text)
        return privacy.dob(text)

    def _merged_edited(self, item: QTableWidgetItem) -> None:
        if self._drawing or item.column() != MERGED or not 0 <= item.row() < len(self.rows):
            return
        self.merged_texts[self.rows[item.row()].name] = item.text()

    # -- resolving ------------------------------------------------------------------------
    def set_merged_text(self, field: str, text: str) -> None:
        """Type into the merged column of `field` (as a person would, through the item)."""
        for index, row in enumerate(self.rows):
            if row.name == field:
                cell = self.compare.item(index, MERGED)
                if cell is None or not cell.flags() & Qt.ItemFlag.ItemIsEditable:
                    raise InvalidInput(f"{row.label} cannot be edited here.")
                cell.setText(text)
                return
        raise KeyError(field)

    def resolve(self, keep: str) -> None:
        conflict = self._current
        if conflict is None:
            return
        self._resolve(conflict, keep, "this laptop's" if keep == "mine" else "the hub's")

    def resolve_merged(self) -> None:
        conflict = self._current
        if conflict is None:
            return
        try:
            merged = merged_values(self.rows, self.merged_texts)
        except InvalidInput as exc:
            self.message.problem(str(exc))
            return
        self._resolve(conflict, merged, "the merged")

    def _resolve(self, conflict: ConflictView, keep: Any, what: str) -> None:
        vault = self.context.vault
        if vault is None:
            return

        def done(_: object) -> None:
            self.message.info(
                f"Resolved: kept {what} version as a new revision; the next sync sends it."
                if conflict.reason == "edit"
                else "Dismissed: this laptop keeps its own record."
            )
            self.merged_texts = {}
            self._current = None
            self.resolved.emit()

        self.context.runner.run_task(
            lambda: resolve_conflict(vault, conflict.id, keep), done, self.message.fail, write=True
        )
