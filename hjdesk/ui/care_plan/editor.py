"""One care plan open for work: its details, the CAREMAP grid, its reviews, and the lifecycle
buttons — save, activate, record a review, close (domain.md §7).

Every service call goes through the page's runner. Activation shows every problem the service
reports, as a list in words; nothing is activated until all are fixed. Parts the rules make
immutable (a closed plan, a live plan's review date and condition, signed reviews) are read-only
here rather than refused after typing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hjdesk.clinical.care_plans import CarePlanStatus
from hjdesk.services import care_plans, patients
from hjdesk.services.care_plans import CarePlanView, OwnerChoice, ReviewRow, owner_choices
from hjdesk.services.patients import PatientRow
from hjdesk.services.permissions import REGISTERED_CLINICIANS
from hjdesk.storage.errors import KnownError
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.care_plan.form import FormProblems, PlanForm
from hjdesk.ui.care_plan.grid import CaremapGrid, GridPart
from hjdesk.ui.care_plan.labels import plan_type_text, status_words
from hjdesk.ui.care_plan.lifecycle import PlanLifecycle, ReviewsTable
from hjdesk.ui.care_plan.review_dialog import CloseDialog, ReviewDialog
from hjdesk.ui.care_plan.save import (
    PLAN_KEY,
    PlanEdits,
    RowEdit,
    SaveOutcome,
    save_and_activate,
    save_edits,
)
from hjdesk.ui.context import PageContext
from hjdesk.ui.corrections import may_correct
from hjdesk.ui.print_menu import PrintButton
from hjdesk.ui.theme import severity_colour
from hjdesk.ui.widgets.message_line import MessageLine


@dataclass(frozen=True, slots=True)
class Loaded:
    view: CarePlanView
    patient: PatientRow
    owners: tuple[OwnerChoice, ...]


def load_plan(vault: OpenVault, plan_id: str) -> Loaded:
    """Worker: the plan, whom it is for, and who may own it."""
    view = care_plans.plan_view(vault, plan_id)
    return Loaded(view, patients.open_patient(vault, view.patient_id), owner_choices(vault))


class CarePlanEditor(QWidget):
    back_requested = Signal()
    changed = Signal()  # something was written: lists elsewhere are stale
    saved_clean = Signal()  # a save left nothing pending: a kept draft can go

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.loaded: Loaded | None = None
        self.plan_rev = 0
        self.lifecycle = PlanLifecycle(context, self)
        self._pending_draft: Mapping[str, Any] | None = None
        # A review or close dialog to reopen once this plan is loaded (kept at a lock).
        self._then: tuple[str, Callable[[CarePlanView], None]] | None = None
        self.heading = QLabel("")
        self.heading.setObjectName("heading")
        self.heading.setWordWrap(True)
        self.status = QLabel("")
        self.status.setAccessibleName("Plan status")
        self.back_button = self._button("← &Back to list", "Back to the list of plans")
        self.save_button = self._button("&Save", "Save the plan")
        self.activate_button = self._button("&Activate", "Activate the plan")
        self.review_button = self._button("Record &review…", "Record a review")
        self.close_button = self._button("Clos&e plan…", "Close the plan")
        self.discard_button = self._button("Discard chan&ges", "Discard unsaved changes")
        self.problem = MessageLine()
        self.problem.setAccessibleName("Problems")
        self.notice = QLabel("")
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("What the plan still needs")
        self.form = PlanForm()
        self.grid = CaremapGrid(self.show_problem)
        self.review_table = ReviewsTable(context.privacy)
        self.reviews = self.review_table.rows
        self._build_tabs()
        self._lay_out()
        self._connect()

    def _build_tabs(self) -> None:
        """The plan's three tabs: its details, its CAREMAP grid, and its reviews."""
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Parts of the care plan")
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the form's fields take the focus
        self.tabs.addTab(scroll, "Deta&ils")
        self.tabs.addTab(self.grid, "CARE&MAP: goals and actions")
        self.withdraw_review_button = QPushButton("&Withdraw the chosen review (entered in error)…")
        self.withdraw_review_button.setAccessibleName("Mark the chosen review entered in error")
        self.withdraw_review_button.setEnabled(False)
        self.withdraw_review_button.clicked.connect(self._withdraw_review)
        self.amend_review_button = QPushButton("&Amend the chosen review…")
        self.amend_review_button.setAccessibleName("Amend the chosen review")
        self.amend_review_button.setEnabled(False)
        self.amend_review_button.clicked.connect(self._amend_review)
        self.review_table.selectionModel().selectionChanged.connect(
            lambda *_: self._enable_review_corrections()
        )
        reviews_tab = QWidget()
        reviews_layout = QVBoxLayout(reviews_tab)
        reviews_layout.addWidget(self.review_table, 1)
        review_buttons = QHBoxLayout()
        review_buttons.addWidget(self.amend_review_button)
        review_buttons.addWidget(self.withdraw_review_button)
        review_buttons.addStretch(1)
        reviews_layout.addLayout(review_buttons)
        self.tabs.addTab(reviews_tab, "Re&views")

    def _button(self, text: str, name: str) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        return button

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.heading, 1)
        top.addWidget(self.status)
        actions = QHBoxLayout()
        for button in (
            self.save_button,
            self.activate_button,
            self.review_button,
            self.close_button,
            self.discard_button,
        ):
            actions.addWidget(button)
        self.print_button = PrintButton(
            self.context,
            ("care-plan", "care-plan-patient"),
            lambda: {"plan_id": self.plan_id} if self.plan_id is not None else None,
        )
        actions.addWidget(self.print_button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(actions)
        layout.addWidget(self.problem)
        layout.addWidget(self.notice)
        layout.addWidget(self.tabs, 1)

    def _connect(self) -> None:
        self.back_button.clicked.connect(self.back_requested)
        self.save_button.clicked.connect(lambda: self.save())
        self.activate_button.clicked.connect(self.activate)
        self.review_button.clicked.connect(self.start_review)
        self.close_button.clicked.connect(self.start_close)
        self.discard_button.clicked.connect(self.discard)
        shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(lambda: self.save())
        self.context.privacy.changed.connect(lambda _: self._show_heading())
        self.lifecycle.done.connect(self._lifecycle_done)
        self.lifecycle.failed.connect(self.show_problem)

    # -- loading -----------------------------------------------------------------------------
    @property
    def plan_id(self) -> str | None:
        return self.loaded.view.id if self.loaded else None

    @property
    def view(self) -> CarePlanView | None:
        return self.loaded.view if self.loaded else None

    def open_plan(self, plan_id: str, draft: Mapping[str, Any] | None = None) -> None:
        """Load the plan; a draft's edits (kept at a lock) go back over it once loaded."""
        vault = self.context.vault
        if vault is None:
            return
        self._pending_draft = draft
        self.context.runner.run_task(
            lambda: load_plan(vault, plan_id), self._loaded, self._failed_to_load
        )

    def _chosen_review(self) -> ReviewRow | None:
        rows = self.review_table.selectionModel().selectedRows()
        if not rows:
            return None
        found = self.reviews.row_at(rows[0])
        return found if isinstance(found, ReviewRow) else None

    def _enable_review_corrections(self) -> None:
        # Signing a review needs a registered clinician (services.permissions); so
        # does correcting one.
        allowed = self._chosen_review() is not None and may_correct(
            self.context.vault, None, REGISTERED_CLINICIANS
        )
        self.withdraw_review_button.setEnabled(allowed)
        self.amend_review_button.setEnabled(allowed)

    def _withdraw_review(self) -> None:
        review, view = self._chosen_review(), self.view
        if review is not None and view is not None:
            self.lifecycle.open_withdraw(view, review)

    def _amend_review(self) -> None:
        review, view = self._chosen_review(), self.view
        if review is not None and view is not None:
            self.lifecycle.open_amend(view, review)

    def resume_dialog(self, form: str, plan_id: str) -> None:
        """After an unlock: show the plan and reopen the dialog that was open at the lock."""
        self._then = (plan_id, lambda view: self.lifecycle.open_form(form, view))
        if self.loaded is not None and self.loaded.view.id == plan_id:
            self._run_then(self.loaded.view)
        else:
            self.open_plan(plan_id, draft=self._pending_draft)

    def _run_then(self, view: CarePlanView) -> None:
        then, self._then = self._then, None
        if then is None:
            return
        if then[0] == view.id:
            then[1](view)
        else:
            self._then = then  # for the load of that plan, still on its way

    def _failed_to_load(self, exc: KnownError) -> None:
        self._pending_draft = None
        self._error(exc)

    def _loaded(self, loaded: Loaded) -> None:
        if self.context.vault is None:
            return
        self.loaded = loaded
        self.problem.clear()
        self._show_view(loaded.view, reload_form=True)
        self._run_then(loaded.view)
        draft, self._pending_draft = self._pending_draft, None
        if draft is None:
            return
        if loaded.view.status == CarePlanStatus.CLOSED:
            # Closed meanwhile (e.g. on another laptop): nothing can be changed, so the draft
            # has no future; say so rather than keep reopening it.
            self.saved_clean.emit()
            self.show_notice(
                "Your unsaved changes from before the lock were not applied: the plan has been "
                "closed since.",
                "AMBER",
            )
            return
        self.apply_payload(draft)
        self.show_notice(
            "Your unsaved changes from before the laptop locked are back. Save to keep them.",
            "AMBER",
        )

    def clear(self) -> None:
        self.loaded = None
        self._pending_draft = None
        self._then = None
        self.lifecycle.reject_all()
        self.heading.clear()
        self.status.clear()
        self.problem.clear()
        self.notice.clear()
        self.form.clear()
        for part in self.grid.parts():
            part.model.load([])
        self.reviews.load([])

    def _show_heading(self) -> None:
        if self.loaded is None:
            return
        view, who = self.loaded.view, self.loaded.patient
        privacy = self.context.privacy
        self.heading.setText(
            f"{view.title} — {privacy.name(who.display_name)} "
            f"({privacy.identifier(who.prison_number)}, {who.location or 'no location'})"
        )
        self.heading.setToolTip(plan_type_text(view.plan_type, view.ltc_condition))

    def _show_view(
        self,
        view: CarePlanView,
        *,
        reload_form: bool,
        keep_goals: Sequence[Any] = (),
        keep_actions: Sequence[Any] = (),
    ) -> None:
        assert self.loaded is not None
        self.loaded = Loaded(view, self.loaded.patient, self.loaded.owners)
        if reload_form:
            self.form.load(view, self.loaded.owners)
            self.plan_rev = view.rev
        self.grid.goals.model.load(view.goals, keep_goals)
        self.grid.interventions.model.load(view.interventions, keep_actions)
        self.reviews.load(list(view.reviews))
        self.withdraw_review_button.setEnabled(False)
        self.amend_review_button.setEnabled(False)
        self._show_heading()
        words, colour = status_words(view)
        self.status.setText(words)
        colour_rule = f"color: {severity_colour(colour).name()}; " if colour else ""
        self.status.setStyleSheet(colour_rule + "font-weight: 600;")
        self._set_mode(view)
        self._show_checklist(view)

    def _set_mode(self, view: CarePlanView) -> None:
        status = CarePlanStatus(view.status)
        closed, draft = status is CarePlanStatus.CLOSED, status is CarePlanStatus.DRAFT
        role = self.context.vault.actor.role if self.context.vault else ""
        registered = role in REGISTERED_CLINICIANS
        self.grid.set_read_only(closed)
        self.save_button.setEnabled(not closed)
        self.discard_button.setEnabled(not closed)
        self.activate_button.setVisible(draft)
        self.review_button.setVisible(not draft and not closed)
        self.close_button.setVisible(not closed)
        refusal = "" if registered else "Only a registered clinician (not an HCA) can do this."
        for button in (self.activate_button, self.review_button, self.close_button):
            button.setEnabled(registered)
            button.setToolTip(refusal)

    def _show_checklist(self, view: CarePlanView) -> None:
        if view.status == CarePlanStatus.DRAFT and view.activation_problems:
            items = "\n".join(f"• {p}" for p in view.activation_problems)
            text = f"Before this plan can be activated (as last saved):\n{items}"
            self.show_notice(text, "AMBER")
        elif view.status == CarePlanStatus.CLOSED:
            self.show_notice("This plan is closed: it is shown read-only.", "GREY")
        elif view.needs_social_care_referral:
            self.show_notice(
                "Social care needs are recorded without a local authority referral "
                "(Care Act 2014 s.76): record the referral.",
                "AMBER",
            )
        else:
            self.notice.hide()

    def show_notice(self, text: str, colour: str) -> None:
        # Coloured bar, body text in the normal colour: amber text would be hard to read.
        self.notice.setText(text)
        bar = severity_colour(colour).name()
        self.notice.setStyleSheet(f"border-left: 4px solid {bar}; padding-left: 6px;")
        self.notice.show()

    def show_problem(self, text: str) -> None:
        self.problem.problem(text)

    def _error(self, exc: KnownError) -> None:
        self.show_problem(str(exc))

    # -- edits -------------------------------------------------------------------------------
    def dirty(self) -> bool:
        view = self.view
        if view is None or view.status == CarePlanStatus.CLOSED:
            return False
        try:
            changed = bool(self.form.changes(view))
        except FormProblems:
            changed = True
        return changed or self.grid.dirty()

    @staticmethod
    def _row_edits(part: GridPart) -> tuple[RowEdit, ...]:
        return tuple(RowEdit(r.key, r.id, r.rev, r.changes()) for r in part.model.pending())

    def collect_edits(self) -> PlanEdits:
        view = self.view
        assert view is not None
        return PlanEdits(
            plan_id=view.id,
            plan_rev=self.plan_rev,
            fields=self.form.changes(view),
            goals=self._row_edits(self.grid.goals),
            actions=self._row_edits(self.grid.interventions),
            known_goal_ids=frozenset(g.id for g in view.goals),
            known_action_ids=frozenset(i.id for i in view.interventions),
        )

    def _run_save(
        self,
        work: Callable[[OpenVault, PlanEdits], SaveOutcome],
        then: Callable[[], None] | None = None,
    ) -> None:
        vault = self.context.vault
        if vault is None or self.view is None:
            return
        try:
            edits = self.collect_edits()
        except FormProblems as exc:
            self.show_problem("\n".join(exc.problems))
            self.tabs.setCurrentIndex(0)
            return
        self.problem.clear()
        self.context.runner.run_task(
            lambda: work(vault, edits),
            lambda outcome: self._saved(edits, outcome, then),
            self._error,
            write=True,
        )

    def save(self, then: Callable[[], None] | None = None) -> None:
        self._run_save(save_edits, then)

    def activate(self) -> None:
        self._run_save(save_and_activate)

    def _saved(
        self, edits: PlanEdits, outcome: SaveOutcome, then: Callable[[], None] | None
    ) -> None:
        if self.loaded is None or self.context.vault is None:
            return
        if outcome.view is not None:
            keep_goals = [r for r in self.grid.goals.model.pending() if r.key not in outcome.done]
            keep_actions = [
                r for r in self.grid.interventions.model.pending() if r.key not in outcome.done
            ]
            plan_written = PLAN_KEY in outcome.done or not edits.fields
            self._show_view(
                outcome.view,
                reload_form=plan_written,
                keep_goals=keep_goals,
                keep_actions=keep_actions,
            )
        if outcome.done or outcome.view is not None:
            self.changed.emit()
        if outcome.error is not None:
            self.notice.hide()  # the problem says it all (for activation, the same list)
            self.show_problem(str(outcome.error))
            return
        if not self.dirty():
            self.saved_clean.emit()
        if then is not None:
            then()
        elif outcome.done:
            self.show_notice("Saved.", "GREEN")

    def discard(self) -> None:
        """Throw away unsaved edits: show the plan as the vault holds it."""
        if self.plan_id is not None:
            self.saved_clean.emit()
            self.open_plan(self.plan_id)

    # -- review and close --------------------------------------------------------------------
    @property
    def review_dialog(self) -> ReviewDialog | None:
        return self.lifecycle.review_dialog

    @property
    def close_dialog(self) -> CloseDialog | None:
        return self.lifecycle.close_dialog

    def start_review(self) -> None:
        """Record a review (saving any edits first, so the review sees the plan as typed)."""
        self._then_open(self.lifecycle.open_review)

    def start_close(self) -> None:
        self._then_open(self.lifecycle.open_close)

    def _then_open(self, opener: Callable[[CarePlanView], None]) -> None:
        def open_it() -> None:
            if self.view is not None:
                opener(self.view)

        if self.dirty():
            self.save(then=open_it)
        else:
            open_it()

    def _lifecycle_done(self, view: CarePlanView, message: str) -> None:
        if self.loaded is not None:
            self._show_view(view, reload_form=True)
            if view.status != CarePlanStatus.CLOSED:
                self.show_notice(message, "GREEN")
        self.saved_clean.emit()
        self.changed.emit()

    # -- drafts ------------------------------------------------------------------------------
    def to_payload(self) -> dict[str, Any]:
        view = self.view
        assert view is not None
        return {
            "plan_id": view.id,
            "plan_rev": self.plan_rev,
            "form": self.form.to_payload(),
            "goals": self.grid.goals.model.to_payload(),
            "actions": self.grid.interventions.model.to_payload(),
        }

    def apply_payload(self, payload: Mapping[str, Any]) -> None:
        rev = payload.get("plan_rev")
        if isinstance(rev, int):
            self.plan_rev = rev
        form = payload.get("form")
        if isinstance(form, Mapping):
            self.form.apply_payload(form)
        for part, key in ((self.grid.goals, "goals"), (self.grid.interventions, "actions")):
            items = payload.get(key)
            if isinstance(items, list) and not part.model.read_only:
                part.model.apply_payload([i for i in items if isinstance(i, Mapping)])
