"""Amending a screening or immunisation event (services.amendments.amend_screening): date,
outcome, batch and next due. The programme stays: another programme is a new event."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from datetime import date
from typing import Any

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLineEdit, QWidget

from hjdesk.services.corrections import ScreeningCorrection
from hjdesk.services.patients import ScreeningView
from hjdesk.ui.corrections import AmendEntryDialog
from hjdesk.ui.record.tab_base import day_text
from hjdesk.ui.widgets.stored_fields import StoredDate


class ScreeningAmendDialog(AmendEntryDialog):
    def __init__(
        self, view: ScreeningView, programme: str, today: date, parent: QWidget | None = None
    ) -> None:
        batch = f", batch {view.batch}" if view.batch else ""
        super().__init__(
            "Amend a screening or immunisation",
            f"{programme} on {day_text(view.event_date)}: {view.outcome}{batch}.",
            parent,
        )
        self.view = view
        self.event_date = StoredDate(view.event_date, latest=today)
        self.event_date.setAccessibleName("Corrected date of the event")
        self.outcome = QLineEdit(view.outcome)
        self.outcome.setAccessibleName("Corrected outcome")
        self.batch = QLineEdit(view.batch or "")
        self.batch.setAccessibleName("Corrected batch number")
        self.batch.setPlaceholderText("for vaccines")
        self.has_next_due = QCheckBox("Ne&xt due:")
        self.has_next_due.setAccessibleName("Record a next due date")
        self.has_next_due.setChecked(view.next_due is not None)
        self.next_due = StoredDate(view.next_due or today)
        self.next_due.setAccessibleName("Corrected next due date")
        self.next_due.setEnabled(view.next_due is not None)
        self.add_row("&Date:", self.event_date)
        self.add_row("&Outcome:", self.outcome)
        self.add_row("&Batch:", self.batch)
        due_row = QHBoxLayout()
        due_row.addWidget(self.next_due)
        due_row.addStretch(1)
        self.form.addRow(self.has_next_due, due_row)
        self.has_next_due.toggled.connect(self.next_due.setEnabled)
        self.resize(520, self.sizeHint().height())

    def correction(self) -> ScreeningCorrection:
        return ScreeningCorrection(
            event_date=self.event_date.value(),
            outcome=self.outcome.text().strip(),
            batch=self.batch.text().strip() or None,
            next_due=self.next_due.value() if self.has_next_due.isChecked() else None,
        )

    def fields(self) -> dict[str, Any]:
        return {
            "event_date": self.event_date.value().isoformat(),
            "outcome": self.outcome.text(),
            "batch": self.batch.text(),
            "has_next_due": self.has_next_due.isChecked(),
            "next_due": self.next_due.value().isoformat(),
        }

    def restore_fields(self, state: Mapping[str, Any]) -> None:
        for key, edit in (("event_date", self.event_date), ("next_due", self.next_due)):
            with suppress(ValueError):  # an unreadable date keeps the entry's own
                edit.set_value(date.fromisoformat(str(state.get(key))))
        for key, line in (("outcome", self.outcome), ("batch", self.batch)):
            if isinstance(state.get(key), str):
                line.setText(state[key])
        self.has_next_due.setChecked(state.get("has_next_due") is True)

    def unchanged(self, corrected: ScreeningCorrection) -> bool:
        view = self.view
        return (corrected.event_date, corrected.outcome, corrected.batch, corrected.next_due) == (
            view.event_date,
            view.outcome,
            view.batch,
            view.next_due,
        )
