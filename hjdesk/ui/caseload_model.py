"""The roll as a tree: wings, then the people on each wing with location, age and alerts."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from hjdesk.clinical.identifiers import PSEUDO_LOCATIONS
from hjdesk.services.patients import ALERT_LABELS, PatientRow

COLUMNS = ("Name", "Prison no.", "NHS no.", "Location", "Age", "Alerts")
PATIENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def wing_title(wing: str, count: int) -> str:
    label = PSEUDO_LOCATIONS.get(wing, f"Wing {wing}" if wing else "No location")
    return f"{label} ({count})"


def alert_text(row: PatientRow) -> str:
    codes = list(row.alerts)
    if row.older_prisoner:
        codes.append("50+")
    return " · ".join(codes)


def alert_tooltip(row: PatientRow) -> str:
    lines = [f"{code}: {ALERT_LABELS.get(code, 'alert')}" for code in row.alerts]
    if row.older_prisoner:
        lines.append("50+: older prisoner")
    return "\n".join(lines)


class CaseloadModel(QStandardItemModel):
    def __init__(self) -> None:
        super().__init__()
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self.masked = False

    def load(self, rows: Sequence[PatientRow]) -> None:
        self.removeRows(0, self.rowCount())
        for wing, members in groupby(rows, key=lambda r: r.wing):
            people = list(members)
            parent = QStandardItem(wing_title(wing, len(people)))
            parent.setEditable(False)
            font = parent.font()
            font.setBold(True)
            parent.setFont(font)
            filler = [QStandardItem("") for _ in COLUMNS[1:]]
            for item in filler:
                item.setEditable(False)
            for person in people:
                parent.appendRow(self._row(person))
            self.appendRow([parent, *filler])

    def _row(self, row: PatientRow) -> list[QStandardItem]:
        values = (
            row.display_name,
            row.prison_number,
            row.nhs_display,
            row.location,
            str(row.age),
            alert_text(row),
        )
        items = []
        for value in values:
            item = QStandardItem(value)
            item.setEditable(False)
            item.setData(row.id, PATIENT_ID_ROLE)
            items.append(item)
        items[-1].setToolTip(alert_tooltip(row))
        items[0].setAccessibleText(f"{row.display_name}, {row.location}")
        return items

    def patient_id(self, index: QModelIndex | QPersistentModelIndex) -> str | None:
        value = index.data(PATIENT_ID_ROLE)
        return value if isinstance(value, str) else None
