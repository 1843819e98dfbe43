"""ACCT: the establishment's open ACCTs with their health-input gaps, the 24-hour warning, and
healthcare's input to each event (domain.md §6).

The list and one case take turns on the page. Input being written when the laptop locks is kept
as a draft and put back in the form after the next unlock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QWidget

from hjdesk.clinical import acct as rules
from hjdesk.services import acct, drafts, patients
from hjdesk.services.acct import AcctCaseRow, AcctCaseView, ContributionView, InputDueRow
from hjdesk.services.common import utc_now
from hjdesk.services.corrections import amend_contribution
from hjdesk.services.drafts import DraftView
from hjdesk.services.patients import PatientRow
from hjdesk.services.permissions import REGISTERED_CLINICIANS
from hjdesk.storage.errors import KnownError
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.acct.amend_contribution import ContributionAmendDialog
from hjdesk.ui.acct.case_detail import CaseDetail
from hjdesk.ui.acct.case_list import AcctCaseList
from hjdesk.ui.acct.contribution_form import ContributionForm, ContributionInput
from hjdesk.ui.acct.labels import CONTRIBUTION_TYPES, event_label, when
from hjdesk.ui.context import PageContext
from hjdesk.ui.corrections import CorrectionFlow, Kept, may_correct
from hjdesk.ui.pages.base import Page
from hjdesk.ui.print_menu import PrintButton
from hjdesk.ui.widgets.message_line import MessageLine
from hjdesk.ui.widgets.withdraw_dialog import WithdrawDialog

DRAFT_FORM = "acct_contribution"


@dataclass(frozen=True, slots=True)
class _Overview:
    rows: tuple[AcctCaseRow, ...]
    due: tuple[InputDueRow, ...]
    team: str | None


@dataclass(frozen=True, slots=True)
class _Case:
    view: AcctCaseView
    patient: PatientRow
    team: str | None


def _overview(vault: OpenVault) -> _Overview:
    return _Overview(acct.open_cases(vault), acct.input_due(vault), acct.contributor_team(vault))


def _case(vault: OpenVault, target: str) -> _Case:
    view = acct.case_view(vault, target)
    return _Case(view, patients.open_patient(vault, view.patient_id), acct.contributor_team(vault))


def _latest_draft(vault: OpenVault) -> DraftView | None:
    if vault.actor.role not in REGISTERED_CLINICIANS:
        return None
    kept = drafts.list_drafts(vault, form=DRAFT_FORM)
    return drafts.load_draft(vault, kept[0].id) if kept else None


class AcctPage(Page):
    title = "ACCT"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.draft_id: str | None = None
        self._pending_draft: Mapping[str, Any] | None = None
        # The MH in-reach team starts on its own caseload (once per unlock; then their choice).
        self._filter_defaulted = False
        self.list = AcctCaseList(context.privacy)
        self.detail = CaseDetail(context.privacy)
        self.print_button = PrintButton(context, ("acct-contribution",), self._print_params)
        self.detail.add_action(self.print_button)
        self.message = MessageLine()
        self.stack = self.lay_out_list_and_detail(
            "ACCT: health input", self.message, self.list, self.detail
        )
        self.list.open_requested.connect(self._open_from_list)
        self.detail.back_requested.connect(self.back_to_list)
        self.detail.event_chosen.connect(lambda _: self._point_form())
        self.detail.form.submitted.connect(self._add)
        self.corrections = CorrectionFlow(context, self)
        self._team: str | None = None  # the signed-in clinician's team, once a case is shown
        self.detail.may_correct = self._may_correct
        self.detail.withdraw_requested.connect(self._withdraw)
        self.detail.amend_requested.connect(self._amend)

    @property
    def form(self) -> ContributionForm:
        return self.detail.form

    # -- the hooks the workspace calls ---------------------------------------------------------
    def set_vault(self, vault: OpenVault) -> None:
        """Just unlocked: input kept at the lock goes back into the form."""
        self.context.runner.run_task(lambda: _latest_draft(vault), self._draft_found, self._failed)

    def refresh(self) -> None:
        vault = self.vault
        if vault is None:
            return
        self.context.runner.run_task(lambda: _overview(vault), self._listed, self._failed)
        case = self.detail.view
        if case is not None and self.stack.currentWidget() is self.detail:
            self._load_case(case.id, None)

    def clear(self) -> None:
        self.draft_id = None
        self._team = None
        self._filter_defaulted = False
        self._pending_draft = None
        self.list.clear()
        self.detail.clear()
        self.message.clear()
        self.stack.setCurrentWidget(self.list)

    def _print_params(self) -> dict[str, object] | None:
        event = self.detail.chosen_event()
        if event is not None:
            return {"event_id": event.id}
        view = self.detail.view
        return {"patient_id": view.patient_id} if view is not None else None

    def open_target(self, target: object) -> None:
        """Open an ACCT by its case id, or by one of its events' ids (that event chosen)."""
        if not isinstance(target, str) or self.vault is None:
            return
        current = self.detail.view
        if current is not None and self.form.dirty() and not self._same_case(current, target):
            self.stack.setCurrentWidget(self.detail)
            self.form.show_problem(
                "You are writing input for this ACCT: add it, or clear the form, before "
                "opening another."
            )
            return
        self._load_case(target, target)

    def save_drafts(self) -> None:
        vault, view, event = self.vault, self.detail.view, self.form.current_event
        if vault is None or view is None or event is None or not self.form.dirty():
            return
        payload = {"case_id": view.id, **self.form.to_payload()}
        self.context.save_draft(
            DRAFT_FORM,
            payload,
            patient_id=view.patient_id,
            context_id=event.id,
            draft_id=self.draft_id,
            on_saved=self._draft_saved,
            on_error=self._failed,
        )

    # -- list ----------------------------------------------------------------------------------
    def _listed(self, overview: _Overview) -> None:
        if self.vault is None:
            return
        self.message.clear()
        if not self._filter_defaulted:
            self._filter_defaulted = True
            self.list.mh_only.setChecked(overview.team == rules.Team.MH_IN_REACH)
        self.list.show_rows(list(overview.rows), list(overview.due))

    def _failed(self, exc: KnownError) -> None:
        self.message.fail(exc)

    def _open_from_list(self, case_id: str, event_id: str) -> None:
        self.open_target(event_id or case_id)

    def back_to_list(self) -> None:
        if self.form.dirty():
            self.form.show_problem(
                "The input you are writing has not been added: add it, or clear the form."
            )
            return
        self.detail.clear()
        self.stack.setCurrentWidget(self.list)
        self.refresh()

    # -- one case ------------------------------------------------------------------------------
    @staticmethod
    def _same_case(view: AcctCaseView, target: str) -> bool:
        return target == view.id or any(e.id == target for e in view.events)

    def _load_case(self, target: str, event_id: str | None) -> None:
        vault = self.vault
        if vault is None:
            return
        self.context.runner.run_task(
            lambda: _case(vault, target),
            lambda case: self._case_loaded(case, event_id),
            self._failed,
        )

    def _case_loaded(self, case: _Case, event_id: str | None) -> None:
        if self.vault is None:
            return
        self.message.clear()
        self._team = case.team
        self.form.set_team(case.team)
        wanted = event_id if any(e.id == event_id for e in case.view.events) else None
        draft, self._pending_draft = self._pending_draft, None
        if draft is not None and isinstance(draft.get("event_id"), str):
            wanted = draft["event_id"]
        self.detail.show_case(case.view, case.patient, wanted)
        self.stack.setCurrentWidget(self.detail)
        self._point_form()
        if draft is not None:
            self.form.apply_payload(draft)
            self.form.show_done(
                "Your unsent input from before the laptop locked is back: check it and add it."
            )

    def _refusal(self, view: AcctCaseView) -> str:
        vault = self.vault
        role = vault.actor.role if vault else ""
        if role not in REGISTERED_CLINICIANS:
            return (
                f"Only registered clinicians record health input (your role: {role}); pass what "
                "you know to one."
            )
        if view.status == rules.AcctStatus.CLOSED:
            return "This ACCT is closed: input cannot be added."
        return ""

    def _point_form(self) -> None:
        view = self.detail.view
        event = self.detail.chosen_event()
        refusal = self._refusal(view) if view is not None else ""
        self.form.set_event(event, utc_now(), refusal=refusal)

    def _add(self, given: ContributionInput) -> None:
        vault = self.vault
        if vault is None:
            return
        self.context.runner.run_task(
            lambda: acct.add_contribution(
                vault,
                given.event_id,
                contribution_type=given.contribution_type,
                team=given.team,
                summary=given.summary,
                planned=given.planned,
            ),
            self._added,
            self._add_failed,
            write=True,
        )

    def _added(self, added: ContributionView) -> None:
        if self.vault is None:
            return
        self.form.reset()
        self.form.show_done(self._added_text(added))
        self._discard_draft()
        self.context.navigator.data_changed.emit()
        self._load_case(added.case_id, added.event_id)
        vault = self.vault
        self.context.runner.run_task(lambda: _overview(vault), self._listed, self._failed)

    def _added_text(self, added: ContributionView) -> str:
        events = self.detail.view.events if self.detail.view else ()
        event = next((e for e in events if e.id == added.event_id), None)
        label = event_label(event.event_type).lower() if event else "event"
        kind = CONTRIBUTION_TYPES.get(added.contribution_type, added.contribution_type)
        counted = "counts" if added.counts_as_health_input else "does not count"
        needed = ""
        if added.needed_by is not None:
            needed = f"; needed at the office by {when(added.needed_by, utc_now())}"
        status = "planned" if added.planned else "signed"
        return (
            f"Added ({status}): {kind} for the {label} — {counted} as health input. "
            f"Waiting to sync{needed}."
        )

    # -- corrections: entered in error, amend -----------------------------------------------
    @property
    def withdraw_dialog(self) -> WithdrawDialog | None:
        shown = self.corrections.dialog
        return shown if isinstance(shown, WithdrawDialog) else None

    @property
    def amend_dialog(self) -> ContributionAmendDialog | None:
        shown = self.corrections.dialog
        return shown if isinstance(shown, ContributionAmendDialog) else None

    def _may_correct(self, given: ContributionView) -> bool:
        # As when signing: a registered clinician, for their own team's input (services).
        team = self._team
        return may_correct(self.vault, given.signed_by, REGISTERED_CLINICIANS) and (
            team is None or team == given.team
        )

    def _withdraw(self, given: ContributionView) -> None:
        kind = CONTRIBUTION_TYPES.get(given.contribution_type, given.contribution_type)
        self.corrections.withdraw(
            f"Health input: {kind}.",
            lambda vault, why: amend_contribution(
                vault, given.id, reason=why, entered_in_error=True
            ),
            lambda _: self._corrected(
                given, "Marked entered in error: it no longer counts as health input."
            ),
            Kept("acct_contribution", given.id, given.patient_id),
        )

    def _amend(self, given: ContributionView) -> None:
        dialog = ContributionAmendDialog(given, self.detail.chosen_event(), utc_now(), self)
        self.corrections.amend(
            dialog,
            lambda vault, amendment: amend_contribution(
                vault, given.id, reason=amendment.reason, corrected=amendment.corrected
            ),
            lambda fixed: self._corrected(given, self._amended_text(fixed)),
            Kept("acct_contribution", given.id, given.patient_id),
        )

    @staticmethod
    def _amended_text(fixed: ContributionView) -> str:
        kind = CONTRIBUTION_TYPES.get(fixed.contribution_type, fixed.contribution_type)
        counts = fixed.counts_as_health_input and not fixed.planned
        counted = "counts" if counts else "does not count"
        return (
            f"Amended: {kind} ({'planned' if fixed.planned else 'given'}) — {counted} as health "
            "input. The original stays in the history."
        )

    def _corrected(self, given: ContributionView, message: str) -> None:
        self.form.show_done(message)
        self.context.navigator.data_changed.emit()
        self._load_case(given.case_id, given.event_id)

    def _add_failed(self, exc: KnownError) -> None:
        self.form.show_problem(str(exc))

    # -- drafts --------------------------------------------------------------------------------
    def _draft_saved(self, draft_id: str) -> None:
        if self.vault is not None:
            self.draft_id = draft_id

    def _draft_found(self, draft: DraftView | None) -> None:
        if self.vault is None or draft is None or self.detail.view is not None:
            return
        case_id = draft.payload.get("case_id")
        if not isinstance(case_id, str):
            return
        self.draft_id = draft.id
        self._pending_draft = dict(draft.payload)
        self._load_case(case_id, None)

    def _discard_draft(self) -> None:
        vault, draft_id = self.vault, self.draft_id
        if vault is None or draft_id is None:
            return
        self.draft_id = None
        self.context.runner.run_task(
            lambda: drafts.discard_draft(vault, draft_id), lambda _: None, self._failed, write=True
        )
