"""What "Save" and "Activate" do on the worker thread: the editor's edits as service calls.

One save may be several user actions (the plan's own fields, new rows, edited rows), each its own
transaction in the services. They run in an order that keeps a live plan complete at every step
(plan fields, then new rows, then edits, so a replacement goal is added before the old one is
discontinued). If one is refused the rest are not tried; the outcome says which were written so
the editor keeps — and shows — the edits still to save, and the service's message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from hjdesk.services import care_plans
from hjdesk.services.care_plans import CarePlanView
from hjdesk.storage.errors import KnownError
from hjdesk.storage.vault import OpenVault

PLAN_KEY = "plan"


@dataclass(frozen=True, slots=True)
class RowEdit:
    """A grid row to write: a new row (`id` None, all its values) or an edit (changed values)."""

    key: str
    id: str | None
    rev: int | None
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PlanEdits:
    plan_id: str
    plan_rev: int
    fields: dict[str, Any] = field(default_factory=dict)
    goals: tuple[RowEdit, ...] = ()
    actions: tuple[RowEdit, ...] = ()
    known_goal_ids: frozenset[str] = frozenset()
    known_action_ids: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.fields or self.goals or self.actions)


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    """`view` is the plan after the writes (None: nothing was written or re-read)."""

    view: CarePlanView | None
    done: frozenset[str]
    error: KnownError | None = None


class _Writer:
    def __init__(self, vault: OpenVault, edits: PlanEdits) -> None:
        self.vault, self.edits = vault, edits
        self.view: CarePlanView | None = None
        self.done: set[str] = set()
        self.known = {"goal": set(edits.known_goal_ids), "action": set(edits.known_action_ids)}

    def _new_row(self, what: str) -> tuple[str, int]:
        """The row the last add wrote: the one id the plan did not have before."""
        assert self.view is not None
        rows = self.view.goals if what == "goal" else self.view.interventions
        fresh = [(r.id, r.rev) for r in rows if r.id not in self.known[what]]
        self.known[what].update(row_id for row_id, _ in fresh)
        return fresh[-1]

    def _added(
        self, what: str, edit: RowEdit, add: Callable[..., CarePlanView], update: Callable[..., Any]
    ) -> None:
        values = dict(edit.values)
        status = values.pop("status", None)
        self.view = add(self.vault, self.edits.plan_id, **values)
        default = "NOT_STARTED" if what == "goal" else "PLANNED"
        row_id, rev = self._new_row(what)
        if status and status != default:
            self.view = update(self.vault, row_id, base_rev=rev, status=status)
        self.done.add(edit.key)

    def write(self) -> None:
        edits = self.edits
        if edits.fields:
            self.view = care_plans.update_plan(
                self.vault, edits.plan_id, base_rev=edits.plan_rev, **edits.fields
            )
            self.done.add(PLAN_KEY)
        for edit in (e for e in edits.goals if e.id is None):
            self._added("goal", edit, care_plans.add_goal, care_plans.update_goal)
        for edit in (e for e in edits.actions if e.id is None):
            self._added("action", edit, care_plans.add_intervention, care_plans.update_intervention)
        for edits_of, update in (
            (edits.goals, care_plans.update_goal),
            (edits.actions, care_plans.update_intervention),
        ):
            for edit in edits_of:
                if edit.id is None:
                    continue
                assert edit.rev is not None
                self.view = update(self.vault, edit.id, base_rev=edit.rev, **edit.values)
                self.done.add(edit.key)


def save_edits(vault: OpenVault, edits: PlanEdits) -> SaveOutcome:
    """Write the edits in order; stop at the first refusal and say what was written."""
    if edits.empty:
        return SaveOutcome(None, frozenset())
    writer = _Writer(vault, edits)
    error: KnownError | None = None
    try:
        writer.write()
    except KnownError as exc:
        error = exc
    view = writer.view
    if writer.done and error is not None:
        # Part was written: re-read so the editor shows exactly what the vault now holds.
        view = care_plans.plan_view(vault, edits.plan_id)
    return SaveOutcome(view, frozenset(writer.done), error)


def save_and_activate(vault: OpenVault, edits: PlanEdits) -> SaveOutcome:
    """Save, then activate; a refusal from either comes back in `error`, nothing half-active."""
    outcome = save_edits(vault, edits)
    if outcome.error is not None:
        return outcome
    try:
        view = care_plans.activate_plan(vault, edits.plan_id)
    except KnownError as exc:
        return replace(outcome, error=exc)
    return replace(outcome, view=view)
