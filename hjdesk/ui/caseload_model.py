"""The roll as a tree model: wings, then the people on each wing (`GroupedModel`), so 100,000
patients load in milliseconds and masking is one redraw."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter
from typing import Any

from PySide6.QtCore import Qt

from hjdesk.clinical.identifiers import PSEUDO_LOCATIONS
from hjdesk.services.patients import ALERT_LABELS, PatientRow
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.widgets.grouped_model import BASE_ROLES, GroupedModel, Index

COLUMNS = ("Name", "Prison no.", "NHS no.", "Location", "Age", "Alerts")
# People an opened wing shows before its "show more" row (a prison's wings hold a few hundred).
PAGE_SIZE = 2000
PATIENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2


def wing_title(wing: str, count: int) -> str:
    label = PSEUDO_LOCATIONS.get(wing, f"Wing {wing}" if wing else "No location")
    return f"{label} ({count:,})"


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


class CaseloadModel(GroupedModel):
    """Headings: wings; rows: the people on each wing."""

    roles = BASE_ROLES | {PATIENT_ID_ROLE, SEARCH_ROLE}

    def __init__(self, privacy: PrivacyState | None = None) -> None:
        super().__init__(COLUMNS, privacy, page_size=PAGE_SIZE)
        self._wings: list[_Wing] = []

    def load(self, rows: Sequence[PatientRow]) -> None:
        self.beginResetModel()
        self._wings = [_Wing(w, list(g)) for w, g in groupby(rows, key=attrgetter("wing"))]
        self.set_groups([wing.rows for wing in self._wings])
        self.endResetModel()

    # -- data ------------------------------------------------------------------------------
    def heading_data(self, group: int, column: int, role: int) -> Any:
        wing = self._wings[group]
        if role == Qt.ItemDataRole.DisplayRole and column == 0:
            return wing_title(wing.wing, len(wing.rows))
        if role == Qt.ItemDataRole.FontRole:
            return self.bold
        return None

    def row_data(self, row: PatientRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == PATIENT_ID_ROLE:
            return row.id
        if role == SEARCH_ROLE:
            return f"{row.family_name} {row.given_names} {row.prison_number} {row.nhs_number or ''}"
        if role == Qt.ItemDataRole.ToolTipRole and column == 5:
            return alert_tooltip(row)
        if role == Qt.ItemDataRole.AccessibleTextRole and column == 0:
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
