"""The conditions tab: long-term conditions with their last and next review, the diabetes care
processes, and the reviews every record carries (second-stage assessment, older-prisoner review).
Overdue is red and says "overdue"."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from hjdesk.clinical.ltc import CareProcessState
from hjdesk.services.patients import ReviewsView, patient_reviews
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.context import PageContext
from hjdesk.ui.record.tab_base import RecordTab, day_text, make_tree, tree_item

CONDITION_COLUMNS = ("Condition", "Since", "Last review", "Next review due", "Status")
OTHER_COLUMNS = ("Review", "Due", "Status")
PROCESS_TEXT = {
    CareProcessState.UP_TO_DATE: ("Up to date", None),
    CareProcessState.DUE: ("Due soon", "AMBER"),
    CareProcessState.OVERDUE: ("OVERDUE", "RED"),
    CareProcessState.NOT_RECORDED: ("Not recorded", "AMBER"),
}


def _second_stage(view: ReviewsView) -> tuple[str, str, str, str | None] | None:
    if view.reception_date is None or view.second_stage_status is None:
        return None
    what = f"Second-stage assessment (received {day_text(view.reception_date)})"
    due = day_text(view.second_stage_due)
    if view.second_stage_status == "DONE":
        return what, due, f"Done {day_text(view.second_stage_done_on)}", None
    if view.second_stage_status == "OVERDUE":
        return what, due, "OVERDUE", "RED"
    return what, due, "Due", "AMBER"


def _older_review(view: ReviewsView) -> tuple[str, str, str, str | None] | None:
    due = view.older_prisoner_review_due
    if due is None:
        return None
    last = view.last_older_prisoner_review
    what = "Older prisoner review" + (f" (last {day_text(last)})" if last else " (never recorded)")
    if due < view.today:
        return what, day_text(due), "OVERDUE", "RED"
    if due == view.today:
        return what, day_text(due), "Due today", "AMBER"
    return what, day_text(due), "Not yet due", None


class ConditionsTab(RecordTab[ReviewsView]):
    title = "Con&ditions"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.view: ReviewsView | None = None
        self.conditions = make_tree(CONDITION_COLUMNS, "Long-term conditions and reviews", 0)
        self.processes = make_tree(
            ("Diabetes care process", "Last done", "Due", "Status"), "Diabetes care processes", 0
        )
        self.processes_label = QLabel("Diabetes care processes (NICE QS209)")
        self.other = make_tree(OTHER_COLUMNS, "Other reviews", 0)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(QLabel("Long-term conditions"))
        layout.addWidget(self.conditions, 2)
        layout.addWidget(self.processes_label)
        layout.addWidget(self.processes, 3)
        layout.addWidget(QLabel("Other reviews"))
        layout.addWidget(self.other, 1)

    def fetch(self, vault: OpenVault, patient_id: str) -> ReviewsView:
        return patient_reviews(vault, patient_id)

    def show_data(self, data: ReviewsView) -> None:
        self.view = data
        self.reset_trees()
        for c in data.conditions:
            status = (
                "OVERDUE"
                if c.overdue
                else "Up to date"
                if c.last_review
                else "Not yet reviewed here"
            )
            if not c.overdue and c.next_due <= data.today:
                status = "Due today"
            self.conditions.addTopLevelItem(
                tree_item(
                    [
                        c.name,
                        day_text(c.onset, "onset not known"),
                        day_text(c.last_review, "never recorded"),
                        day_text(c.next_due) + (" (overdue)" if c.overdue else ""),
                        status,
                    ],
                    "RED" if c.overdue else None,
                )
            )
        for p in data.care_processes:
            text, severity = PROCESS_TEXT[p.status.state]
            self.processes.addTopLevelItem(
                tree_item(
                    [
                        p.name[0].upper() + p.name[1:],
                        day_text(p.status.last_done, "never"),
                        day_text(p.status.due_on, "now"),
                        text,
                    ],
                    severity,
                )
            )
        self.processes.setVisible(bool(data.care_processes))
        self.processes_label.setVisible(bool(data.care_processes))
        for row in (_second_stage(data), _older_review(data)):
            if row is not None:
                self.other.addTopLevelItem(tree_item(list(row[:3]), row[3]))
        if not data.conditions:
            self.say("No long-term conditions recorded for this patient.")

    def reset_trees(self) -> None:
        for tree in (self.conditions, self.processes, self.other):
            tree.clear()

    def reset(self) -> None:
        self.view = None
        self.reset_trees()
