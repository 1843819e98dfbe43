"""Amending a signed care-plan review (services.amendments.amend_care_plan_review): who attended,
the outcome, the changes and the next review date. The review's date and its decision stay: a
plan wrongly closed or continued is corrected by withdrawing the review (entered in error) and
recording it again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget

from hjdesk.services.care_plans import ReviewRow
from hjdesk.services.corrections import ReviewCorrection
from hjdesk.ui.care_plan.labels import DATE_HINT, DateTextError, date_text, parse_date
from hjdesk.ui.corrections import AmendEntryDialog, AmendProblem

DECISION_WORDS = {"CONTINUE": "the plan continued", "CLOSE": "the plan closed"}


class ReviewAmendDialog(AmendEntryDialog):
    def __init__(self, title: str, review: ReviewRow, parent: QWidget | None = None) -> None:
        decision = DECISION_WORDS.get(review.decision, review.decision)
        super().__init__(
            f"Amend review — {title}",
            f"The review of {date_text(review.review_date)} ({decision}), signed by "
            f"{review.signed_by_name or 'unknown'}. Its date and decision stay; to undo a "
            "decision, mark the review entered in error and record it again.",
            parent,
        )
        self.review = review
        self.continues = review.decision != "CLOSE"
        self.attendees = QLineEdit(", ".join(review.attendees))
        self.attendees.setAccessibleName("Who attended")
        self.attendees.setPlaceholderText("Names or roles, separated by commas")
        self.outcome = QPlainTextEdit(review.outcome)
        self.outcome.setAccessibleName("Corrected outcome of the review")
        self.outcome.setTabChangesFocus(True)
        self.changes = QPlainTextEdit(review.changes)
        self.changes.setAccessibleName("Corrected changes to the plan")
        self.changes.setTabChangesFocus(True)
        for box in (self.outcome, self.changes):
            box.setMaximumHeight(self.fontMetrics().lineSpacing() * 5)
        self.next_review = QLineEdit(date_text(review.next_review_due))
        self.next_review.setAccessibleName("Next review due")
        self.next_review.setPlaceholderText(DATE_HINT)
        self.next_review.setEnabled(self.continues)
        self.add_row("&Attended:", self.attendees)
        self.add_row("O&utcome:", self.outcome)
        self.add_row("C&hanges:", self.changes)
        self.add_row("&Next review due:", self.next_review)
        self.resize(560, 440)

    def correction(self) -> ReviewCorrection:
        next_due = None
        if self.continues:
            try:
                next_due = parse_date(self.next_review.text(), "next review date")
            except DateTextError as exc:
                raise AmendProblem(str(exc)) from None
        attendees = tuple(a.strip() for a in self.attendees.text().split(",") if a.strip())
        return ReviewCorrection(
            attendees=attendees,
            outcome=self.outcome.toPlainText().strip(),
            changes=self.changes.toPlainText().strip(),
            next_review_due=next_due,
        )

    def fields(self) -> dict[str, Any]:
        return {
            "attendees": self.attendees.text(),
            "outcome": self.outcome.toPlainText(),
            "changes": self.changes.toPlainText(),
            "next_review": self.next_review.text(),
        }

    def restore_fields(self, state: Mapping[str, Any]) -> None:
        for key, line in (("attendees", self.attendees), ("next_review", self.next_review)):
            if isinstance(state.get(key), str):
                line.setText(state[key])
        for key, box in (("outcome", self.outcome), ("changes", self.changes)):
            if isinstance(state.get(key), str):
                box.setPlainText(state[key])

    def unchanged(self, corrected: ReviewCorrection) -> bool:
        review = self.review
        return (
            tuple(corrected.attendees) == tuple(review.attendees)
            and corrected.outcome == review.outcome.strip()
            and corrected.changes == review.changes.strip()
            and corrected.next_review_due == review.next_review_due
        )
