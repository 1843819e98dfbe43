"""A read-only table model over a list of frozen service rows, one `Column` per shown column.

Used by the care-plan and ACCT lists. Each column says how to write a row as text, and optionally
which severity colour (from `hjdesk.ui.theme`) and weight to draw it in; colour is always on top
of words, never instead of them. Privacy masking is one redraw: columns that show names or
identifiers call `context.privacy` when drawn, and the model repaints when the switch flips.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.theme import severity_colour

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    text: Callable[[Any], str]
    # A severity name understood by theme.severity_colour ("RED", "AMBER"…), or None.
    colour: Callable[[Any], str | None] | None = None
    bold: Callable[[Any], bool] | None = None
    tooltip: Callable[[Any], str] | None = None


class RowTableModel(QAbstractTableModel):
    # Every role data() may answer. The view asks for eight or nine for each cell it sizes or
    # draws; the rest are refused before the row is looked up (as in `GroupedModel`; about
    # 20,000 calls each time the care-plan list was shown at 100,000 patients).
    roles: frozenset[int] = frozenset(
        {
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
            ROW_ROLE,
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.FontRole,
            Qt.ItemDataRole.ToolTipRole,
        }
    )

    def __init__(self, columns: Sequence[Column], privacy: PrivacyState) -> None:
        super().__init__()
        self.columns = tuple(columns)
        self.rows: list[Any] = []
        self._bold = QFont()
        self._bold.setBold(True)
        privacy.changed.connect(lambda _: self.redraw())

    def load(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def redraw(self) -> None:
        if self.rows:
            last = self.index(len(self.rows) - 1, len(self.columns) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def row_at(self, index: Index) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        return self.rows[index.row()]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.columns)
        ):
            return self.columns[section].title
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in self.roles:
            return None
        row = self.row_at(index)
        if row is None or not 0 <= index.column() < len(self.columns):
            return None
        column = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.text(row)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ForegroundRole and column.colour is not None:
            level = column.colour(row)
            return QBrush(severity_colour(level)) if level else None
        if role == Qt.ItemDataRole.FontRole and column.bold is not None and column.bold(row):
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row) or None
        return None


def wrap_rows(table: QTableView) -> None:
    """Wrapped cells: each row as tall as its text, re-measured when the columns change width
    (the first measure happens before the columns have their final widths)."""
    table.setWordWrap(True)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().sectionResized.connect(lambda *_: table.resizeRowsToContents())


def row_table(model: RowTableModel, name: str, *, stretch: Sequence[int] = ()) -> QTableView:
    """A read-only list of rows, chosen whole, one at a time; Tab leaves the table (keyboard
    users move between controls, arrows move between rows). Columns fit their contents, except
    `stretch`, which share what is left so nothing scrolls sideways on a small laptop."""
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    table.setAlternatingRowColors(True)
    rows = table.verticalHeader()
    rows.hide()
    rows.setDefaultSectionSize(table.fontMetrics().height() + 10)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    # Fit to the rows on screen and up to 200 more: by default Qt reads 1,000 rows of every
    # column whenever the table is laid out (48,000 calls into the model, ~0.3 s, each time the
    # ACCT or care-plan list was shown at 100,000 patients; docs/performance.md).
    header.setResizeContentsPrecision(200)
    for column in stretch:
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    header.setStretchLastSection(False)
    return table
