"""Recording a review and closing a plan: the dialogs, the service calls behind them, and the
signed reviews as a read-only table (domain.md §7).

A refusal from the service is shown in the dialog, which stays open with what was typed. If the
dialog was closed meanwhile (the laptop locked), the message goes to the editor instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from hjdesk.services import care_plans
from hjdesk.services.care_plan_reads import CarePlanView
from hjdesk.storage.errors import KnownError
from hjdesk.ui.care_plan.labels import date_text
from hjdesk.ui.care_plan.review_dialog import CloseDialog, ReviewDialog, ReviewInput
from hjdesk.ui.care_plan.row_table import Column, RowTableModel, wrap_rows
from hjdesk.ui.pages.base import PageContext
from hjdesk.ui.privacy import PrivacyState

DECISIONS = {"CONTINUE": "Continue", "CLOSE": "Close"}
Dialog = ReviewDialog | CloseDialog


def review_columns() -> list[Column]:
    return [
        Column("Date", lambda r: date_text(r.review_date)),
        Column("Decision", lambda r: DECISIONS.get(r.decision, r.decision)),
        Column("Outcome", lambda r: r.outcome),
        Column("Changes", lambda r: r.changes),
        Column("Next review", lambda r: date_text(r.next_review_due)),
        Column("Attended", lambda r: ", ".join(r.attendees)),
        Column("Signed by", lambda r: r.signed_by_name),
    ]


class ReviewsTable(QTableView):
    """The plan's signed reviews: read-only, as signed entries are."""

    def __init__(self, privacy: PrivacyState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows = RowTableModel(review_columns(), privacy)
        self.setModel(self.rows)
        self.setAccessibleName("Signed reviews (read-only)")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        wrap_rows(self)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)


class PlanLifecycle(QObject):
    done = Signal(object, str)  # the plan as now stored, and what to tell the user
    failed = Signal(str)  # a refusal that arrived after its dialog closed

    def __init__(self, context: PageContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.context = context
        self.owner = parent
        self.review_dialog: ReviewDialog | None = None
        self.close_dialog: CloseDialog | None = None

    def open_review(self, view: CarePlanView) -> None:
        dialog = ReviewDialog(view.title, date.today(), self.owner)
        dialog.submitted.connect(lambda given: self._record_review(view, dialog, given))
        dialog.finished.connect(lambda _: self._forget(dialog))
        self.review_dialog = dialog
        dialog.open()

    def open_close(self, view: CarePlanView) -> None:
        dialog = CloseDialog(view.title, self.owner)
        dialog.submitted.connect(lambda reason: self._close_plan(view, dialog, reason))
        dialog.finished.connect(lambda _: self._forget(dialog))
        self.close_dialog = dialog
        dialog.open()

    def reject_all(self) -> None:
        for dialog in (self.review_dialog, self.close_dialog):
            if dialog is not None:
                dialog.reject()

    def _record_review(self, view: CarePlanView, dialog: ReviewDialog, given: ReviewInput) -> None:
        vault = self.context.vault
        if vault is None:
            return

        def work() -> CarePlanView:
            return care_plans.record_review(
                vault,
                view.id,
                review_date=given.review_date,
                attendees=given.attendees,
                outcome=given.outcome,
                changes=given.changes,
                decision=given.decision,
                next_review_due=given.next_review_due,
                closed_reason=given.closed_reason,
                base_rev=view.rev,
            )

        self.context.runner.run_task(
            work,
            lambda stored: self._finished(dialog, stored, "Review recorded."),
            self._refused(dialog),
            write=True,
        )

    def _close_plan(self, view: CarePlanView, dialog: CloseDialog, reason: str) -> None:
        vault = self.context.vault
        if vault is None:
            return
        self.context.runner.run_task(
            lambda: care_plans.close_plan(vault, view.id, reason, base_rev=view.rev),
            lambda stored: self._finished(dialog, stored, "Plan closed."),
            self._refused(dialog),
            write=True,
        )

    def _is_open(self, dialog: Dialog) -> bool:
        return dialog is self.review_dialog or dialog is self.close_dialog

    def _forget(self, dialog: Dialog) -> None:
        """A dialog closed (signed, cancelled, or closed for a lock): let it go."""
        if self.review_dialog is dialog:
            self.review_dialog = None
        if self.close_dialog is dialog:
            self.close_dialog = None
        dialog.deleteLater()

    def _refused(self, dialog: Dialog) -> Callable[[BaseException], None]:
        def shown(exc: BaseException) -> None:
            if not isinstance(exc, KnownError):
                raise exc
            if self._is_open(dialog):
                dialog.show_problem(str(exc))
            else:
                self.failed.emit(str(exc))

        return shown

    def _finished(self, dialog: Dialog, stored: CarePlanView, message: str) -> None:
        if self._is_open(dialog):
            dialog.accept()
        self.done.emit(stored, message)
