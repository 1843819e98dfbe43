"""Recording a review and closing a plan: the dialogs, the service calls behind them, and the
signed reviews as a read-only table (domain.md §7).

A refusal from the service is shown in the dialog, which stays open with what was typed. If the
dialog was closed meanwhile (the laptop locked), the message goes to the editor instead.

At a lock an open dialog keeps what was typed as an encrypted draft (PageContext.save_draft, form
`care_plan_review` / `care_plan_close`, keyed on the plan) and asks to be reopened after the next
unlock (`resume_requested`); opening a dialog restores its plan's draft. Signing or cancelling
discards the draft; closing for a lock keeps it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from hjdesk.services import care_plans, drafts
from hjdesk.services.care_plans import CarePlanView, ReviewRow
from hjdesk.services.common import local_today
from hjdesk.services.corrections import amend_care_plan_review
from hjdesk.storage.errors import KnownError
from hjdesk.ui.care_plan.labels import date_text
from hjdesk.ui.care_plan.review_amend import ReviewAmendDialog
from hjdesk.ui.care_plan.review_dialog import (
    CloseDialog,
    KeptDialog,
    ReviewDialog,
    ReviewInput,
)
from hjdesk.ui.context import PageContext
from hjdesk.ui.corrections import CorrectionFlow, Kept
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.widgets.row_table import Column, RowTableModel, wrap_rows
from hjdesk.ui.widgets.withdraw_dialog import WithdrawDialog

DECISIONS = {"CONTINUE": "Continue", "CLOSE": "Close"}
REVIEW_FORM, CLOSE_FORM = "care_plan_review", "care_plan_close"


def find_draft(vault: Any, form: str, context_id: str | None) -> drafts.DraftView | None:
    """The user's latest draft of `form` for this plan (worker thread)."""
    for kept in drafts.list_drafts(vault, form=form):
        if kept.context_id == context_id:
            return drafts.load_draft(vault, kept.id)
    return None


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
        Column("Correction", _correction_text, tooltip=_correction_tip),
    ]


def _correction_text(review: ReviewRow) -> str:
    return f"Corrected: {review.amendment_reason}" if review.amends_id else ""


def _correction_tip(review: ReviewRow) -> str:
    if not review.amends_id:
        return ""
    return f"The earlier record of this review said: {review.replaced or '–'}"


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
    resume_requested = Signal(str, str)  # form, plan id: reopen a dialog kept at a lock

    def __init__(self, context: PageContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.context = context
        self.owner = parent
        self.review_dialog: ReviewDialog | None = None
        self.close_dialog: CloseDialog | None = None
        self.corrections = CorrectionFlow(context, parent)
        self._draft_ids: dict[int, str] = {}  # id(dialog) -> its draft in the vault
        self._kept: set[int] = set()  # dialogs closed for a lock: their draft stays

    def open_review(self, view: CarePlanView) -> None:
        dialog = ReviewDialog(view.title, local_today(), self.owner)
        dialog.submitted.connect(lambda given: self._record_review(view, dialog, given))
        self.review_dialog = dialog
        self._start(dialog, REVIEW_FORM, view)

    def open_close(self, view: CarePlanView) -> None:
        dialog = CloseDialog(view.title, self.owner)
        dialog.submitted.connect(lambda reason: self._close_plan(view, dialog, reason))
        self.close_dialog = dialog
        self._start(dialog, CLOSE_FORM, view)

    def open_form(self, form: str, view: CarePlanView) -> None:
        """Reopen the dialog a draft belongs to (after an unlock)."""
        (self.open_review if form == REVIEW_FORM else self.open_close)(view)

    # -- drafts ------------------------------------------------------------------------------
    def _start(self, dialog: Dialog, form: str, view: CarePlanView) -> None:
        dialog.finished.connect(lambda _: self._forget(dialog))
        dialog.keeper = lambda: self._keep(dialog, form, view)
        dialog.open()
        vault = self.context.vault
        if vault is not None:
            self.context.runner.run_task(
                lambda: find_draft(vault, form, view.id),
                lambda found: self._restore(dialog, found),
                self._draft_failed,
            )

    def _restore(self, dialog: Dialog, found: drafts.DraftView | None) -> None:
        if found is None or not self._is_open(dialog):
            return
        self._draft_ids[id(dialog)] = found.id
        dialog.restore(found.payload)

    def _keep(self, dialog: KeptDialog, form: str, view: CarePlanView) -> Callable[[], None]:
        """The laptop is locking: keep what was typed, close, and ask to be reopened."""
        self.context.save_draft(
            form,
            dialog.state(),
            patient_id=view.patient_id,
            context_id=view.id,
            draft_id=self._draft_ids.get(id(dialog)),
            on_saved=lambda _: None,
            on_error=self._draft_failed,
        )
        self._kept.add(id(dialog))
        dialog.reject()
        plan_id = view.id
        return lambda: self.resume_requested.emit(form, plan_id)

    def _draft_failed(self, exc: KnownError) -> None:
        self.failed.emit(str(exc))

    def _drop_draft(self, dialog: KeptDialog) -> None:
        draft_id, vault = self._draft_ids.pop(id(dialog), None), self.context.vault
        kept = id(dialog) in self._kept
        self._kept.discard(id(dialog))
        if draft_id is None or vault is None or kept:
            return
        self.context.runner.run_task(
            lambda: drafts.discard_draft(vault, draft_id),
            lambda _: None,
            self._draft_failed,
            write=True,
        )

    def reject_all(self) -> None:
        for dialog in (self.review_dialog, self.close_dialog):
            if dialog is not None:
                dialog.reject()
        self.corrections.reject()

    @property
    def withdraw_dialog(self) -> WithdrawDialog | None:
        shown = self.corrections.dialog
        return shown if isinstance(shown, WithdrawDialog) else None

    @property
    def amend_dialog(self) -> ReviewAmendDialog | None:
        shown = self.corrections.dialog
        return shown if isinstance(shown, ReviewAmendDialog) else None

    def open_withdraw(self, view: CarePlanView, review: ReviewRow) -> None:
        """Mark a signed review entered in error (services.amendments): the plan follows."""
        self.corrections.withdraw(
            f"The review of {date_text(review.review_date)}: {review.outcome}",
            lambda vault, why: amend_care_plan_review(
                vault, review.id, reason=why, entered_in_error=True
            ),
            lambda stored: self.done.emit(
                stored, "Review marked entered in error: the plan follows the rest."
            ),
            Kept("care_plan_review", review.id, view.patient_id),
        )

    def open_amend(self, view: CarePlanView, review: ReviewRow) -> None:
        """Correct a signed review (services.amendments): the plan's next review date follows."""
        dialog = ReviewAmendDialog(view.title, review, self.owner)
        self.corrections.amend(
            dialog,
            lambda vault, amendment: amend_care_plan_review(
                vault, review.id, reason=amendment.reason, corrected=amendment.corrected
            ),
            lambda stored: self.done.emit(
                stored, "Review amended: the correction replaces it; the original is kept."
            ),
            Kept("care_plan_review", review.id, view.patient_id),
        )

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
        """A dialog closed (signed, cancelled, or closed for a lock): let it go, with its draft
        unless it was closed for a lock."""
        self._drop_draft(dialog)
        if self.review_dialog is dialog:
            self.review_dialog = None
        if self.close_dialog is dialog:
            self.close_dialog = None
        dialog.deleteLater()

    def _refused(self, dialog: Dialog) -> Callable[[KnownError], None]:
        def shown(exc: KnownError) -> None:
            if self._is_open(dialog):
                dialog.show_problem(str(exc))
            else:
                self.failed.emit(str(exc))

        return shown

    def _finished(self, dialog: Dialog, stored: CarePlanView, message: str) -> None:
        if self._is_open(dialog):
            dialog.accept()
        self.done.emit(stored, message)
