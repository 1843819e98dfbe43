"""The care plans tab: the patient's plans with status and next review; overdue in red and in
words. Enter or double-click opens the plan on the Care plans page."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services.care_plans import CarePlanListRow, DisplayStatus, patient_plans
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.context import PageContext
from hjdesk.ui.record.tab_base import RecordTab, day_text, make_tree, tree_item, words

COLUMNS = ("Plan", "Type", "Status", "Next review", "Last review", "Owner")
PLAN_ROLE = Qt.ItemDataRole.UserRole + 1
CARE_PLANS_PAGE = "Care plans"


def status_text(row: CarePlanListRow) -> tuple[str, str | None]:
    if row.overdue:
        days = f" by {row.days_overdue} day{'s' if row.days_overdue != 1 else ''}"
        return f"OVERDUE{days if row.days_overdue else ''}", "RED"
    if row.display_status is DisplayStatus.REVIEW_DUE:
        return "Review due", "AMBER"
    return words(row.display_status.value), None


def type_text(row: CarePlanListRow) -> str:
    kind = "LTC" if row.plan_type == "LTC" else words(row.plan_type)
    return f"{kind} ({words(row.ltc_condition)})" if row.ltc_condition else kind


def review_text(row: CarePlanListRow) -> str:
    due = day_text(row.review_due, "not set")
    return f"{due} (overdue)" if row.overdue else due


class CarePlansTab(RecordTab[tuple[CarePlanListRow, ...]]):
    title = "Care &plans"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.rows: tuple[CarePlanListRow, ...] = ()
        self.tree = make_tree(COLUMNS, "Care plans of this patient", 0)
        self.open_button = QPushButton("Open the care p&lan")
        self.open_button.setAccessibleName("Open the selected care plan")
        self.open_button.setEnabled(False)
        hint = QLabel("Enter or double-click opens the plan on the Care plans page.")
        hint.setObjectName("hint")
        bottom = QHBoxLayout()
        bottom.addWidget(hint, 1)
        bottom.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.tree, 1)
        layout.addLayout(bottom)
        self.tree.itemActivated.connect(lambda item, _: self._open(item))
        self.tree.currentItemChanged.connect(
            lambda current, _: self.open_button.setEnabled(current is not None)
        )
        self.open_button.clicked.connect(lambda: self._open(self.tree.currentItem()))

    def fetch(self, vault: OpenVault, patient_id: str) -> tuple[CarePlanListRow, ...]:
        return patient_plans(vault, patient_id)

    def show_data(self, data: tuple[CarePlanListRow, ...]) -> None:
        self.rows = data
        self.tree.clear()
        for row in data:
            status, severity = status_text(row)
            item = tree_item(
                [
                    row.title,
                    type_text(row),
                    status,
                    review_text(row),
                    day_text(row.last_review_date, "none"),
                    row.owner_name,
                ],
                severity,
            )
            item.setData(0, PLAN_ROLE, row.plan_id)
            self.tree.addTopLevelItem(item)
        if not data:
            self.say("No care plans for this patient.")

    def reset(self) -> None:
        self.rows = ()
        self.tree.clear()
        self.open_button.setEnabled(False)

    def _open(self, item: QTreeWidgetItem | None) -> None:
        if item is not None:
            self.context.navigator.open_page(CARE_PLANS_PAGE, str(item.data(0, PLAN_ROLE)))
