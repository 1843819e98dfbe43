"""The roll as a tree model: wings, then the people on each wing. A hand-written model (not
QStandardItemModel) so 100,000 patients load in milliseconds and masking is one redraw."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from hjdesk.clinical.identifiers import PSEUDO_LOCATIONS
from hjdesk.services.patients import ALERT_LABELS, PatientRow
from hjdesk.ui.privacy import PrivacyState

COLUMNS = ("Name", "Prison no.", "NHS no.", "Location", "Age", "Alerts")
PATIENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2
Index = QModelIndex | QPersistentModelIndex


def wing_title(wing: str, count: int) -> str:
    label = PSEUDO_LOCATIONS.get(wing, f"Wing {wing}" if wing else "No location")
    return f"{label} ({count})"


def alert_codes(row: PatientRow) -> list[str]:
    return [*row.alerts, *(["50+"] if row.older_prisoner else [])]


def alert_tooltip(row: PatientRow) -> str:
    lines = [f"{code}: {ALERT_LABELS.get(code, 'alert')}" for code in row.alerts]
    if row.older_prisoner:
        lines.append("50+: older prisoner")
    return "\n".join(lines)


@dataclass(slots=True)
class _Wing:
    wing: str
    rows: list[PatientRow]


class CaseloadModel(QAbstractItemModel):
    """Top level: wings; children: patients. Internal ids: 0 for wings, wing index + 1 for rows."""

    def __init__(self, privacy: PrivacyState | None = None) -> None:
        super().__init__()
        self.privacy = privacy or PrivacyState()
        self._wings: list[_Wing] = []
        self._bold = QFont()
        self._bold.setBold(True)
        self.privacy.changed.connect(self._redraw)

    def load(self, rows: Sequence[PatientRow]) -> None:
        self.beginResetModel()
        self._wings = [_Wing(w, list(g)) for w, g in groupby(rows, key=lambda r: r.wing)]
        self.endResetModel()

    def total(self) -> int:
        return sum(len(w.rows) for w in self._wings)

    def _redraw(self) -> None:
        """Only the text changes when masking, so say exactly that (no layout change)."""
        last = len(COLUMNS) - 1
        for number, wing in enumerate(self._wings):
            parent = self.index(number, 0)
            if wing.rows:
                self.dataChanged.emit(
                    self.index(0, 0, parent), self.index(len(wing.rows) - 1, last, parent)
                )

    # -- structure -------------------------------------------------------------------------
    # The view calls these for every row it lays out (all 100,000 when the roll is expanded),
    # so they check bounds themselves: `hasIndex` would call back into rowCount and
    # columnCount through Qt for each (docs/performance.md).
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not 0 <= column < len(COLUMNS) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            if row < len(self._wings):
                return self.createIndex(row, column, 0)
            return QModelIndex()
        wing = parent.row()
        if parent.internalId() != 0 or parent.column() != 0:
            return QModelIndex()
        if row < len(self._wings[wing].rows):
            return self.createIndex(row, column, wing + 1)
        return QModelIndex()

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        if not parent.isValid():
            return bool(self._wings)
        if parent.internalId() == 0 and parent.column() == 0:
            return bool(self._wings[parent.row()].rows)
        return False

    def parent(self, child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not child.isValid():
            return QModelIndex()
        wing = child.internalId()
        if wing == 0:
            return QModelIndex()
        return self.createIndex(wing - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._wings)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self._wings[parent.row()].rows)
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    # -- data ------------------------------------------------------------------------------
    def row_at(self, index: Index) -> PatientRow | None:
        if not index.isValid() or index.internalId() == 0:
            return None
        return self._wings[index.internalId() - 1].rows[index.row()]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            wing = self._wings[index.row()]
            if role == Qt.ItemDataRole.DisplayRole and index.column() == 0:
                return wing_title(wing.wing, len(wing.rows))
            if role == Qt.ItemDataRole.FontRole:
                return self._bold
            return None
        row = self._wings[index.internalId() - 1].rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, index.column())
        if role == PATIENT_ID_ROLE:
            return row.id
        if role == SEARCH_ROLE:
            return f"{row.family_name} {row.given_names} {row.prison_number} {row.nhs_number or ''}"
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 5:
            return alert_tooltip(row)
        if role == Qt.ItemDataRole.AccessibleTextRole and index.column() == 0:
            return f"{self.privacy.name(row.display_name)}, {row.location}"
        return None

    def _display(self, row: PatientRow, column: int) -> str:
        privacy = self.privacy
        if column == 0:
            return privacy.name(row.display_name)
        if column == 1:
            return privacy.identifier(row.prison_number)
        if column == 2:
            return privacy.identifier(row.nhs_display) if row.nhs_number else "not known"
        if column == 3:
            return row.location
        if column == 4:
            return str(row.age)
        return " · ".join(alert_codes(row))

    def patient_id(self, index: Index) -> str | None:
        value = index.data(PATIENT_ID_ROLE)
        return value if isinstance(value, str) else None
