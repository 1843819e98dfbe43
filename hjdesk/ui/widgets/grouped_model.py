"""A read-only two-level tree model: headings, each with its rows beneath (the roll by wing,
Today's worklists). Hand-written rather than QStandardItemModel, because at 100,000 patients
these hold 100,000 and 26,000 rows: a load here only keeps the caller's sequences, and each cell
is worked out when the view draws it (docs/performance.md, "The GUI thread at 100,000 patients").

Internal ids: 0 for a heading, the heading's row + 1 for the rows beneath it. Subclasses give
the headings' and rows' data; the structure lives here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from hjdesk.ui.privacy import PrivacyState

Index = QModelIndex | QPersistentModelIndex
HEADING = 0


class GroupedModel(QAbstractItemModel):
    def __init__(self, columns: Sequence[str], privacy: PrivacyState | None = None) -> None:
        super().__init__()
        self.columns = tuple(columns)
        self.privacy = privacy or PrivacyState()
        self._groups: Sequence[Sequence[Any]] = ()
        self.bold = QFont()
        self.bold.setBold(True)
        # Masking changes only text; the subclass's data() reads the switch when drawn.
        self.privacy.changed.connect(lambda _: self.rows_changed())

    def set_groups(self, groups: Sequence[Sequence[Any]]) -> None:
        """The rows under each heading, in heading order; call between begin/endResetModel."""
        self._groups = groups

    def total(self) -> int:
        return sum(len(rows) for rows in self._groups)

    def row_at(self, index: Index) -> Any:
        """The row an index shows (any column), or None for a heading or nothing."""
        if not index.isValid() or index.internalId() == HEADING:
            return None
        return self._groups[index.internalId() - 1][index.row()]

    def rows_changed(self) -> None:
        """Tell the view every row's data changed, heading by heading, with no layout change."""
        last = len(self.columns) - 1
        for number, rows in enumerate(self._groups):
            if rows:
                parent = self.index(number, 0)
                last_row = self.index(len(rows) - 1, last, parent)
                self.dataChanged.emit(self.index(0, 0, parent), last_row)

    # The view calls these for every row it lays out (all 100,000 when the roll is expanded),
    # so they check bounds themselves: `hasIndex` would call back into rowCount and
    # columnCount through Qt for each.
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not 0 <= column < len(self.columns) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            if row < len(self._groups):
                return self.createIndex(row, column, HEADING)
            return QModelIndex()
        group = parent.row()
        if parent.internalId() != HEADING or parent.column() != 0:
            return QModelIndex()
        if row < len(self._groups[group]):
            return self.createIndex(row, column, group + 1)
        return QModelIndex()

    def parent(self, child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not child.isValid() or child.internalId() == HEADING:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, HEADING)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() == HEADING and parent.column() == 0:
            return len(self._groups[parent.row()])
        return 0

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        # Rows never have children: answered without an index or a row count.
        if not parent.isValid():
            return bool(self._groups)
        if parent.internalId() == HEADING and parent.column() == 0:
            return bool(self._groups[parent.row()])
        return False

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None
