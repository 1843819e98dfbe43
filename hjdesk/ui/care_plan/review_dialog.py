"""Recording a care plan review, and closing a plan (domain.md §7).

A review is signed when recorded: date, who attended, outcome, changes, and the decision —
continue with a next review date, or close with a reason. Closing outside a review (a transfer,
a superseded draft) takes only a reason. Both dialogs check what they can themselves and show
the service's refusal inline, staying open so nothing typed is lost. What is typed also survives a
lock: `state()` / `restore()` give the dialog's fields as a draft payload, and `close_for_lock()`
(called by the shell) hands over to `keeper`, which keeps the draft and says how to reopen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from hjdesk.ui.care_plan.labels import (
    CLOSED_REASONS,
    DATE_HINT,
    DateTextError,
    date_text,
    parse_date,
)
from hjdesk.ui.widgets.form_rows import FormRows
from hjdesk.ui.widgets.message_line import MessageLine


@dataclass(frozen=True, slots=True)
class ReviewInput:
    review_date: date
    attendees: tuple[str, ...]
    outcome: str
    changes: str
    decision: str  # CONTINUE or CLOSE
    next_review_due: date | None
    closed_reason: str | None


Keeper = Callable[[], Callable[[], None] | None]


class KeptDialog(QDialog):
    """A dialog whose typing survives a lock: `keeper` saves it as a draft and closes it."""

    keeper: Keeper | None = None
    restored_note = "What you typed before the laptop locked is back."
    problem: MessageLine

    def show_problem(self, text: str) -> None:
        self.problem.problem(text)

    def show_restored(self) -> None:
        """Not a problem: say that the draft kept at the lock is back."""
        self.problem.success(self.restored_note)

    def close_for_lock(self) -> Callable[[], None] | None:
        if self.keeper is None:
            self.reject()
            return None
        return self.keeper()

    def state(self) -> dict[str, Any]:
        raise NotImplementedError

    def restore(self, state: Mapping[str, Any]) -> None:
        raise NotImplementedError


def _text(state: Mapping[str, Any], key: str) -> str:
    value = state.get(key)
    return value if isinstance(value, str) else ""


def _choose(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)


def _reasons() -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName("Reason for closing")
    combo.addItem("Choose a reason…", None)
    for code, name in CLOSED_REASONS.items():
        combo.addItem(name, code)
    return combo


class ReviewDialog(KeptDialog):
    submitted = Signal(object)  # ReviewInput

    def __init__(self, title: str, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Record review — {title}")
        self.setAccessibleName("Record a care plan review")
        self.review_date = QLineEdit(date_text(today))
        self.review_date.setAccessibleName("Review date")
        self.review_date.setPlaceholderText(DATE_HINT)
        self.attendees = QLineEdit()
        self.attendees.setAccessibleName("Who attended")
        self.attendees.setPlaceholderText("Names or roles, separated by commas")
        self.outcome = QPlainTextEdit()
        self.outcome.setAccessibleName("Outcome of the review")
        self.outcome.setTabChangesFocus(True)
        self.changes = QPlainTextEdit()
        self.changes.setAccessibleName("Changes to the plan")
        self.changes.setTabChangesFocus(True)
        for box in (self.outcome, self.changes):
            box.setMaximumHeight(self.fontMetrics().lineSpacing() * 5)
        self.continue_plan = QRadioButton("C&ontinue the plan")
        self.close_plan = QRadioButton("C&lose the plan")
        self.continue_plan.setChecked(True)
        self.next_review = QLineEdit(date_text(today + timedelta(days=90)))
        self.next_review.setAccessibleName("Next review due")
        self.next_review.setPlaceholderText(DATE_HINT)
        self.reason = _reasons()
        self.problem = MessageLine()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Sign review")
        ok.setAccessibleName("Sign and record the review")

        form = QFormLayout()

        rows = FormRows(form)
        for text, widget in (
            ("Review &date:", self.review_date),
            ("&Attended:", self.attendees),
            ("O&utcome:", self.outcome),
            ("C&hanges:", self.changes),
        ):
            rows.add(text, widget)
        form.addRow("Decision:", self.continue_plan)
        rows.add("", self.close_plan)
        for text, field in (("&Next review due:", self.next_review), ("&Reason:", self.reason)):
            rows.add(text, field)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.continue_plan.toggled.connect(self._decision_changed)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        self._decision_changed()

    def state(self) -> dict[str, Any]:
        return {
            "review_date": self.review_date.text(),
            "attendees": self.attendees.text(),
            "outcome": self.outcome.toPlainText(),
            "changes": self.changes.toPlainText(),
            "close": self.close_plan.isChecked(),
            "next_review": self.next_review.text(),
            "reason": self.reason.currentData(),
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        self.review_date.setText(_text(state, "review_date"))
        self.attendees.setText(_text(state, "attendees"))
        self.outcome.setPlainText(_text(state, "outcome"))
        self.changes.setPlainText(_text(state, "changes"))
        (self.close_plan if state.get("close") is True else self.continue_plan).setChecked(True)
        self.next_review.setText(_text(state, "next_review"))
        _choose(self.reason, state.get("reason"))
        self.show_restored()

    def _decision_changed(self) -> None:
        continuing = self.continue_plan.isChecked()
        self.next_review.setEnabled(continuing)
        self.reason.setEnabled(not continuing)

    def _submit(self) -> None:
        problems: list[str] = []
        review_day = next_day = None
        try:
            review_day = parse_date(self.review_date.text(), "review date")
            if review_day is None:
                problems.append("Give the date of the review.")
        except DateTextError as exc:
            problems.append(str(exc))
        continuing = self.continue_plan.isChecked()
        if continuing:
            try:
                next_day = parse_date(self.next_review.text(), "next review date")
            except DateTextError as exc:
                problems.append(str(exc))
        if problems or review_day is None:
            self.show_problem(" ".join(problems))
            return
        self.problem.clear()
        attendees = tuple(a.strip() for a in self.attendees.text().split(",") if a.strip())
        self.submitted.emit(
            ReviewInput(
                review_date=review_day,
                attendees=attendees,
                outcome=self.outcome.toPlainText(),
                changes=self.changes.toPlainText(),
                decision="CONTINUE" if continuing else "CLOSE",
                next_review_due=next_day if continuing else None,
                closed_reason=None if continuing else self.reason.currentData(),
            )
        )


class CloseDialog(KeptDialog):
    submitted = Signal(str)  # the closing reason code

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Close plan — {title}")
        self.setAccessibleName("Close the care plan")
        self.reason = _reasons()
        self.problem = MessageLine()
        note = QLabel("A closed plan cannot be changed or reopened; write a new plan instead.")
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Close plan")
        form = QFormLayout()
        rows = FormRows(form)
        rows.add("&Reason:", self.reason)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

    def state(self) -> dict[str, Any]:
        return {"reason": self.reason.currentData()}

    def restore(self, state: Mapping[str, Any]) -> None:
        _choose(self.reason, state.get("reason"))
        self.show_restored()

    def _submit(self) -> None:
        reason = self.reason.currentData()
        if not isinstance(reason, str):
            self.show_problem("Choose why the plan is closing.")
            return
        self.submitted.emit(reason)
