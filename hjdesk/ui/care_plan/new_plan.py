"""A new care plan: find the patient (prison number or name), choose the template for the plan
type (every LTC condition has its own), and the editor opens on the draft.

The dialog only gathers the choice; the page runs the search and the create through the
runner, so this widget never touches the vault.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services.patients import PatientRow
from hjdesk.ui.care_plan.labels import template_choices
from hjdesk.ui.care_plan.review_dialog import KeptDialog
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.widgets.form_rows import FormRows
from hjdesk.ui.widgets.message_line import MessageLine

PATIENT_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True, slots=True)
class NewPlanChoice:
    patient_id: str
    plan_type: str
    condition: str | None
    template: bool


class NewPlanDialog(KeptDialog):
    search_requested = Signal(str)
    submitted = Signal(object)  # NewPlanChoice

    def __init__(self, privacy: PrivacyState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.privacy = privacy
        self._found: list[PatientRow] = []
        self.setWindowTitle("New care plan")
        self.setAccessibleName("New care plan")
        self.search = QLineEdit()
        self.search.setAccessibleName("Find the patient")
        self.search.setPlaceholderText("Prison number (A1234BC) or family name")
        self.search_button = QPushButton("&Find")
        self.search_button.setAccessibleName("Find the patient")
        self.results = QListWidget()
        self.results.setAccessibleName("Patients found")
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.template = QComboBox()
        self.template.setAccessibleName("Plan type and template")
        for choice in template_choices():
            self.template.addItem(choice.label, choice)
        self.use_template = QCheckBox("Start from the &template's goals and actions")
        self.use_template.setAccessibleName("Start from the template")
        self.use_template.setChecked(True)
        self.problem = MessageLine()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.create_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText("&Create draft")
        self.create_button.setAccessibleName("Create the draft plan")

        find = QHBoxLayout()
        find.addWidget(self.search, 1)
        find.addWidget(self.search_button)
        rows = FormRows()
        rows.add("&Patient:", self.search, shown=find)
        rows.under(self.results)
        rows.add("Plan t&ype:", self.template)
        rows.under(self.use_template)
        form = rows.layout
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

        # Search as the user pauses typing; Enter or "Find" searches at once.
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(300)
        self._debounce.timeout.connect(self._search)
        self.search.textChanged.connect(lambda _: self._debounce.start())
        self.search.returnPressed.connect(self._search)
        self.search_button.clicked.connect(self._search)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        privacy.changed.connect(lambda _: self._redraw())
        self.search_button.setAutoDefault(False)
        self.create_button.setAutoDefault(False)

    def _search(self) -> None:
        self._debounce.stop()
        text = self.search.text().strip()
        if len(text) >= 2:
            self.search_requested.emit(text)

    def show_patients(self, rows: list[PatientRow]) -> None:
        self._found = [r for r in rows if r.on_roll]
        self._redraw()
        if self._found:
            self.results.setCurrentRow(0)
            self.problem.clear()
        else:
            self.show_problem("Nobody on the roll matches; check the prison number or name.")

    def _redraw(self) -> None:
        current = self.results.currentRow()
        self.results.clear()
        for row in self._found:
            text = (
                f"{self.privacy.name(row.display_name)}  "
                f"{self.privacy.identifier(row.prison_number)}  {row.location}"
            )
            item = QListWidgetItem(text)
            item.setData(PATIENT_ROLE, row.id)
            self.results.addItem(item)
        if 0 <= current < self.results.count():
            self.results.setCurrentRow(current)

    def select_template(self, plan_type: str, condition: str | None = None) -> None:
        for number in range(self.template.count()):
            choice = self.template.itemData(number)
            if choice.plan_type == plan_type and choice.condition == condition:
                self.template.setCurrentIndex(number)
                return
        raise KeyError(f"No template for {plan_type} {condition}")

    def state(self) -> dict[str, Any]:
        # The search text, not the patient found: the search runs again after the unlock.
        return {
            "search": self.search.text(),
            "template": self.template.currentIndex(),
            "use_template": self.use_template.isChecked(),
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        search, template = state.get("search"), state.get("template")
        if isinstance(search, str):
            self.search.setText(search)
            self._search()
        if isinstance(template, int) and 0 <= template < self.template.count():
            self.template.setCurrentIndex(template)
        self.use_template.setChecked(state.get("use_template") is not False)
        self.show_restored()

    def _submit(self) -> None:
        item = self.results.currentItem()
        if item is None:
            self.show_problem("Find the patient and choose them from the list first.")
            return
        choice = self.template.currentData()
        self.submitted.emit(
            NewPlanChoice(
                patient_id=item.data(PATIENT_ROLE),
                plan_type=choice.plan_type,
                condition=choice.condition,
                template=self.use_template.isChecked(),
            )
        )
