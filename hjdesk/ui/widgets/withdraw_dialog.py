"""Marking a signed entry "entered in error": the reason, then a new signed entry that withdraws
it (domain.md §3). Used for ACCT health input, screening events and care-plan reviews through
ui.corrections, which runs the service call and shows its refusal here, so nothing typed is lost
(at a lock too: `close_for_lock` hands the reason to `keeper`, kept as a draft)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from hjdesk.ui.widgets.form_rows import FormRows
from hjdesk.ui.widgets.message_line import MessageLine


class WithdrawDialog(QDialog):
    submitted = Signal(str)  # the reason
    # Set by ui.corrections: at a lock, keep what was typed as a draft and close.
    keeper: Callable[[], None] | None = None

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Mark entered in error")
        self.setAccessibleName("Mark entered in error")
        note = QLabel(
            f"{what}\n\nThe entry is kept, with this marking, in the record's history and audit "
            "trail, and stops counting everywhere (flags, lists, printouts). Record the right "
            "entry separately."
        )
        note.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason it was entered in error")
        self.reason.setPlaceholderText("e.g. recorded against the wrong patient")
        self.problem = MessageLine()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("&Mark entered in error")
        form = FormRows()
        form.add("&Reason:", self.reason)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form.layout)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

    def show_problem(self, text: str) -> None:
        self.problem.problem(text)

    def state(self) -> dict[str, Any]:
        return {"reason": self.reason.text()}

    def restore(self, state: Mapping[str, Any]) -> None:
        reason = state.get("reason")
        self.reason.setText(reason if isinstance(reason, str) else "")

    def close_for_lock(self) -> None:
        if self.keeper is not None:
            self.keeper()
        else:
            self.reject()

    def _submit(self) -> None:
        reason = self.reason.text().strip()
        if not reason:
            self.show_problem("Give the reason the entry was made in error.")
            return
        self.submitted.emit(reason)
