"""The screening tab: screening and immunisation events, newest first, with next-due dates
(overdue in red and in words), and the action to record a new one."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from hjdesk.services.screening import ScreeningView, screening_history
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.pages.base import PageContext
from hjdesk.ui.record.screening_dialog import PROGRAMMES, ScreeningDialog
from hjdesk.ui.record.tab_base import RecordTab, day_text, make_tree, tree_item, words

COLUMNS = ("Date", "Programme", "Outcome", "Batch", "Next due")
NAMES = {code: label.split(" (")[0] for code, label in PROGRAMMES}


def programme_name(code: str) -> str:
    return NAMES.get(code, words(code))


def next_due_text(view: ScreeningView, latest: bool, today: date) -> tuple[str, str | None]:
    """Only the latest event of a programme can be overdue: a later one replaces its date."""
    if view.next_due is None:
        return "", None
    if latest and view.next_due < today:
        return f"{day_text(view.next_due)} (overdue)", "RED"
    return day_text(view.next_due), None


class ScreeningTab(RecordTab[tuple[ScreeningView, ...]]):
    title = "Scr&eening"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.rows: tuple[ScreeningView, ...] = ()
        self.tree = make_tree(COLUMNS, "Screening and immunisation events", 2)
        self.record_button = QPushButton("Record a screening or &immunisation…")
        self.record_button.setAccessibleName("Record a screening or immunisation")
        self.dialog: ScreeningDialog | None = None
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.record_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.record_button.clicked.connect(self.record)

    def fetch(self, vault: OpenVault, patient_id: str) -> tuple[ScreeningView, ...]:
        return screening_history(vault, patient_id)

    def show_data(self, data: tuple[ScreeningView, ...]) -> None:
        self.rows = data
        self.tree.clear()
        today = date.today()
        seen: set[str] = set()
        for view in data:  # newest first, so the first of each programme is its latest
            latest = view.programme not in seen
            seen.add(view.programme)
            due, severity = next_due_text(view, latest, today)
            self.tree.addTopLevelItem(
                tree_item(
                    [
                        day_text(view.event_date),
                        programme_name(view.programme),
                        view.outcome,
                        view.batch or "",
                        due,
                    ],
                    severity,
                )
            )
        if not data:
            self.say("No screening or immunisation recorded for this patient.")

    def reset(self) -> None:
        self.rows = ()
        self.tree.clear()

    def record(self) -> None:
        if self.patient_id is None:
            return
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = ScreeningDialog(self.context, self.patient_id, self.who(), self)
        self.dialog.accepted.connect(self.changed.emit)
        self.dialog.open()
