"""Care plans: the establishment's plans (overdue first, in red and saying so), a new plan from a
template for a patient, and the editor for one plan (domain.md §7).

The list and the editor take turns on the page (a small laptop screen has no room for both).
Before a lock the open editor's unsaved edits go into a draft in the vault; after the next
unlock the page reopens the plan with them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from hjdesk.services import care_plans, drafts, patients
from hjdesk.services.care_plans import CarePlanListRow, CarePlanView
from hjdesk.services.drafts import DraftView
from hjdesk.storage.errors import KnownError
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.care_plan.editor import CarePlanEditor
from hjdesk.ui.care_plan.lifecycle import find_draft
from hjdesk.ui.care_plan.list_view import CarePlanList
from hjdesk.ui.care_plan.new_plan import NewPlanChoice, NewPlanDialog
from hjdesk.ui.context import PageContext
from hjdesk.ui.pages.base import Page
from hjdesk.ui.widgets.message_line import MessageLine

DRAFT_FORM = "care_plan"
NEW_PLAN_FORM = "care_plan_new"


@dataclass(frozen=True, slots=True)
class _Listing:
    rows: list[CarePlanListRow]
    draft: DraftView | None  # the user's latest care-plan draft, to reopen


def _latest_draft(vault: OpenVault) -> DraftView | None:
    kept = drafts.list_drafts(vault, form=DRAFT_FORM)
    return drafts.load_draft(vault, kept[0].id) if kept else None


def _listing(vault: OpenVault, status: str | None, want_draft: bool) -> _Listing:
    rows = care_plans.plans_list(vault, status=status)
    return _Listing(rows, _latest_draft(vault) if want_draft else None)


class CarePlansPage(Page):
    title = "Care plans"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.draft_id: str | None = None
        # Drafts thrown away this session: a listing read before the discard landed must not
        # bring one back.
        self._discarded: set[str] = set()
        self.new_dialog: NewPlanDialog | None = None
        self.list = CarePlanList(context.privacy)
        self.editor = CarePlanEditor(context)
        self.message = MessageLine()
        self.stack = self.lay_out_list_and_detail(
            "Care plans", self.message, self.list, self.editor
        )

        self.list.open_requested.connect(self.open_target)
        self.list.new_requested.connect(self.start_new_plan)
        self.list.status_changed.connect(self.refresh)
        self.editor.back_requested.connect(self.back_to_list)
        self.editor.changed.connect(self._written)
        self.editor.saved_clean.connect(self._discard_draft)
        self.editor.lifecycle.resume_requested.connect(self._resume_dialog)
        self._new_draft_id: str | None = None
        self._new_kept = False

    # -- the hooks the workspace calls ---------------------------------------------------------
    def set_vault(self, vault: OpenVault) -> None:
        """Just unlocked: reopen the plan whose edits were kept at the lock, if any, so they
        are waiting in the editor (the list itself loads when the page is shown)."""
        self.context.runner.run_task(
            lambda: _latest_draft(vault), self._draft_found, self._list_failed
        )

    def refresh(self) -> None:
        vault = self.vault
        if vault is None:
            return
        want_draft = self.editor.plan_id is None
        status = self.list.status_filter()
        self.context.runner.run_task(
            lambda: _listing(vault, status, want_draft), self._listed, self._list_failed
        )

    def clear(self) -> None:
        self.draft_id = None
        self._discarded.clear()
        if self.new_dialog is not None:
            self.new_dialog.reject()
        self.list.clear()
        self.editor.clear()
        self.message.clear()
        self.stack.setCurrentWidget(self.list)

    def open_target(self, target: object) -> None:
        """Open a plan (by id) in the editor."""
        if not isinstance(target, str) or self.vault is None:
            return
        if self.editor.plan_id is not None and self.editor.dirty():
            # Never reload over unsaved edits, even of the same plan.
            self.stack.setCurrentWidget(self.editor)
            if self.editor.plan_id != target:
                self.editor.show_problem(
                    "This plan has unsaved changes: save or discard them before opening another."
                )
            return
        self.message.clear()
        self.stack.setCurrentWidget(self.editor)
        self.editor.open_plan(target)

    def save_drafts(self) -> None:
        """Keep the open editor's unsaved edits in the vault before a lock (runs to the end)."""
        vault, view = self.vault, self.editor.view
        if vault is None or view is None or not self.editor.dirty():
            return
        self.context.save_draft(
            DRAFT_FORM,
            self.editor.to_payload(),
            patient_id=view.patient_id,
            context_id=view.id,
            draft_id=self.draft_id,
            on_saved=self._draft_saved,
            on_error=self.show_error,
        )

    # -- list ----------------------------------------------------------------------------------
    def _listed(self, listing: _Listing) -> None:
        if self.vault is None:
            return
        self.message.clear()
        self.list.show_rows(listing.rows)
        self._draft_found(listing.draft)

    def _draft_found(self, draft: DraftView | None) -> None:
        if self.vault is None or draft is None or draft.id in self._discarded:
            return
        if self.editor.plan_id is None:
            self._restore(draft)

    def _list_failed(self, exc: KnownError) -> None:
        self.message.fail(exc)

    def back_to_list(self) -> None:
        if self.editor.dirty():
            self.editor.show_problem(
                "There are unsaved changes: save them, or discard them, before going back."
            )
            return
        self.editor.clear()
        self.stack.setCurrentWidget(self.list)
        self.refresh()

    def _written(self) -> None:
        self.context.navigator.data_changed.emit()
        vault = self.vault
        if vault is not None:
            status = self.list.status_filter()
            self.context.runner.run_task(
                lambda: _listing(vault, status, False), self._listed, self._list_failed
            )

    # -- drafts --------------------------------------------------------------------------------
    def _draft_saved(self, draft_id: str) -> None:
        # With a background runner this lands after the lock's clear(): the draft is found again
        # by listing after the next unlock, so a stale id is not kept.
        if self.vault is not None:
            self.draft_id = draft_id

    def _restore(self, draft: DraftView) -> None:
        plan_id = draft.payload.get("plan_id")
        if not isinstance(plan_id, str):
            return
        self.draft_id = draft.id
        self.stack.setCurrentWidget(self.editor)
        self.editor.open_plan(plan_id, draft=dict(draft.payload))

    def _discard_draft(self) -> None:
        vault, draft_id = self.vault, self.draft_id
        if vault is None or draft_id is None:
            return
        self.draft_id = None
        self._discarded.add(draft_id)
        self.context.runner.run_task(
            lambda: drafts.discard_draft(vault, draft_id),
            lambda _: None,
            self._list_failed,
            write=True,
        )

    def _resume_dialog(self, form: str, plan_id: str) -> None:
        """After an unlock: back to the plan, with the review or close dialog reopened."""
        self.context.navigator.open_page(self.title)
        self.message.clear()
        self.stack.setCurrentWidget(self.editor)
        self.editor.resume_dialog(form, plan_id)

    # -- new plan ------------------------------------------------------------------------------
    def start_new_plan(self) -> None:
        dialog = NewPlanDialog(self.context.privacy, self)
        dialog.search_requested.connect(self._search_patients)
        dialog.submitted.connect(self._create_plan)
        dialog.finished.connect(lambda _: self._forget_dialog(dialog))
        dialog.keeper = lambda: self._keep_new_dialog(dialog)
        self.new_dialog = dialog
        self._new_draft_id, self._new_kept = None, False
        dialog.open()
        dialog.search.setFocus()
        vault = self.vault
        if vault is not None:
            self.context.runner.run_task(
                lambda: find_draft(vault, NEW_PLAN_FORM, None),
                lambda found: self._new_draft_found(dialog, found),
                self._list_failed,
            )

    def _new_draft_found(self, dialog: NewPlanDialog, found: DraftView | None) -> None:
        if found is None or self.new_dialog is not dialog:
            return
        self._new_draft_id = found.id
        dialog.restore(found.payload)

    def _keep_new_dialog(self, dialog: NewPlanDialog) -> Callable[[], None]:
        """The laptop is locking: keep the new-plan choice as a draft and reopen it after."""
        self.context.save_draft(
            NEW_PLAN_FORM,
            dialog.state(),
            patient_id=None,
            context_id=None,
            draft_id=self._new_draft_id,
            on_saved=lambda _: None,
            on_error=self._list_failed,
        )
        self._new_kept = True
        dialog.reject()
        return self.start_new_plan

    def _search_patients(self, text: str) -> None:
        vault, dialog = self.vault, self.new_dialog
        if vault is None or dialog is None:
            return
        self.context.runner.run_task(
            lambda: patients.search(vault, text), dialog.show_patients, self._dialog_failed
        )

    def _create_plan(self, choice: NewPlanChoice) -> None:
        vault = self.vault
        if vault is None:
            return
        self.context.runner.run_task(
            lambda: care_plans.create_plan(
                vault,
                choice.patient_id,
                choice.plan_type,
                ltc_condition=choice.condition,
                template=choice.template,
            ),
            self._created,
            self._dialog_failed,
            write=True,
        )

    def _forget_dialog(self, dialog: NewPlanDialog) -> None:
        if self.new_dialog is dialog:
            self.new_dialog = None
        draft_id, vault = self._new_draft_id, self.vault
        if draft_id is not None and vault is not None and not self._new_kept:
            self.context.runner.run_task(
                lambda: drafts.discard_draft(vault, draft_id),
                lambda _: None,
                self._list_failed,
                write=True,
            )
        self._new_draft_id, self._new_kept = None, False
        dialog.deleteLater()

    def _created(self, view: CarePlanView) -> None:
        if self.new_dialog is not None:
            self.new_dialog.accept()
        self._written()
        self.open_target(view.id)

    def _dialog_failed(self, exc: KnownError) -> None:
        if self.new_dialog is None:
            self.show_error(exc)  # the dialog went meanwhile: say it on the page
            return
        self.new_dialog.show_problem(str(exc))
