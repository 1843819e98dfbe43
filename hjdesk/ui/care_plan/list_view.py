"""The establishment's care plans, filterable by type, status and wing; overdue plans in red and
saying "overdue" (domain.md §7: OVERDUE is derived and shown red in lists)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services.care_plans import CarePlanListRow, DisplayStatus
from hjdesk.ui.care_plan.labels import PLAN_TYPES, STATUSES, date_text, plan_type_text
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.widgets.row_table import Column, RowTableModel, row_table

ALL = "__all__"
OPEN_PLANS = "Open plans (not closed)"


def status_text(row: CarePlanListRow) -> str:
    if row.overdue:
        days = "1 day" if row.days_overdue == 1 else f"{row.days_overdue} days"
        return f"OVERDUE by {days}"
    return STATUSES.get(row.display_status, row.display_status)


def status_colour(row: CarePlanListRow) -> str | None:
    if row.overdue:
        return "RED"
    if row.display_status is DisplayStatus.REVIEW_DUE:
        return "AMBER"
    return "GREY" if row.display_status is DisplayStatus.CLOSED else None


def review_text(row: CarePlanListRow) -> str:
    return date_text(row.review_due) or "not set"


def _columns(privacy: PrivacyState) -> list[Column]:
    return [
        Column("Patient", lambda r: privacy.name(r.display_name)),
        Column("Prison no.", lambda r: privacy.identifier(r.prison_number)),
        Column("Location", lambda r: r.location),
        Column(
            "Plan",
            lambda r: r.title,
            tooltip=lambda r: plan_type_text(r.plan_type, r.ltc_condition),
        ),
        Column("Status", status_text, colour=status_colour, bold=lambda r: r.overdue),
        Column("Review due", review_text, colour=status_colour, bold=lambda r: r.overdue),
        Column("Owner", lambda r: r.owner_name or "no owner"),
    ]


class CarePlanList(QWidget):
    """Filters above a table; Enter or double-click opens a plan in the editor."""

    open_requested = Signal(str)
    new_requested = Signal()
    status_changed = Signal()

    def __init__(self, privacy: PrivacyState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[CarePlanListRow] = []
        self.plan_type = QComboBox()
        self.plan_type.setAccessibleName("Show plans of type")
        self.plan_type.addItem("All types", ALL)
        for code, name in PLAN_TYPES.items():
            self.plan_type.addItem(name, code)
        self.status = QComboBox()
        self.status.setAccessibleName("Show plans with status")
        self.status.addItem(OPEN_PLANS, None)
        for code, name in STATUSES.items():
            self.status.addItem(name, code)
        self.wing = QComboBox()
        self.wing.setAccessibleName("Show plans on wing")
        self.wing.addItem("All wings", ALL)
        self.new_button = QPushButton("&New plan…")
        self.new_button.setAccessibleName("New care plan from a template")
        self.count = QLabel("")
        self.count.setAccessibleName("Number of plans shown")
        self.model = RowTableModel(_columns(privacy), privacy)
        # Names share what is left and elide (full text in the row when wider); the short
        # columns keep their width, so nothing scrolls sideways on a small laptop.
        self.table = row_table(self.model, "Care plans", stretch=(0, 3, 6))

        top = QHBoxLayout()
        for text, combo in (("&Type:", self.plan_type), ("&Status:", self.status)):
            label = QLabel(text)
            label.setBuddy(combo)
            top.addWidget(label)
            top.addWidget(combo)
        wing_label = QLabel("&Wing:")
        wing_label.setBuddy(self.wing)
        top.addWidget(wing_label)
        top.addWidget(self.wing)
        top.addWidget(self.count, 1)
        top.addWidget(self.new_button)
        hint = QLabel("Enter or double-click opens a plan. Overdue reviews are listed first.")
        hint.setObjectName("hint")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint)

        self.plan_type.currentIndexChanged.connect(lambda _: self._apply_filters())
        self.wing.currentIndexChanged.connect(lambda _: self._apply_filters())
        self.status.currentIndexChanged.connect(lambda _: self.status_changed.emit())
        self.new_button.clicked.connect(self.new_requested)
        self.table.activated.connect(self._activated)

    def status_filter(self) -> str | None:
        value = self.status.currentData()
        return value if isinstance(value, str) else None

    def show_rows(self, rows: list[CarePlanListRow]) -> None:
        self._rows = rows
        known = {self.wing.itemData(i) for i in range(self.wing.count())}
        for wing in sorted({r.wing for r in rows if r.wing} - known):
            self.wing.addItem(f"Wing {wing}", wing)
        self._apply_filters()

    def clear(self) -> None:
        self._rows = []
        self.model.load([])
        self.count.clear()

    def shown_rows(self) -> list[CarePlanListRow]:
        return list(self.model.rows)

    def _apply_filters(self) -> None:
        kind, wing = self.plan_type.currentData(), self.wing.currentData()
        rows = [
            r
            for r in self._rows
            if (kind == ALL or r.plan_type == kind) and (wing == ALL or r.wing == wing)
        ]
        self.model.load(rows)
        overdue = sum(1 for r in rows if r.overdue)
        self.count.setText(f"{len(rows)} plans, {overdue} overdue")

    def select_plan(self, plan_id: str) -> bool:
        for number, row in enumerate(self.model.rows):
            if row.plan_id == plan_id:
                self.table.selectRow(number)
                return True
        return False

    def _activated(self, index: QModelIndex) -> None:
        row = self.model.row_at(index)
        if isinstance(row, CarePlanListRow):
            self.open_requested.emit(row.plan_id)
