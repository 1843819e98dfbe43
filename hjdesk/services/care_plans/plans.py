"""Care plan use cases (domain.md §7): create from a template, edit, activate, review, close.

The goal/intervention grid lives in `care_plan_grid`, reading in `care_plan_reads` and
`care_plan_lists`; everything is re-exported here so callers import one module.

Each function is one user action in one transaction: permission, the clinical rule from
`hjdesk.clinical.care_plans`, the write, the audit event. Edits carry the `rev` the user started
from (`base_rev`); if someone else saved in between, the edit is refused, never silently merged.

Decisions (ours, where domain.md is silent):
- Any clinician may draft a plan and edit its grid; only registered clinicians (not HCAs) may own,
  activate, review or close one; ADMIN staff do none of it.
- A live plan's review date changes only by recording a review, so an overdue plan cannot be made
  to look on time by editing the date.
- A live plan must stay complete: an edit that would break an activation rule (say, blanking the
  MH risk-management plan or discontinuing the last goal) is refused.
- Discontinued goals and stopped interventions do not count towards activation.
- Social care: a referral is recorded as `data["social_care_referral"]` (any non-empty value,
  e.g. `{"referred_on": "2025-01-09", "local_authority": "…"}`); needs as
  `data["social_care_needs"]`. Activating a plan that needs a referral without one raises a
  SOCIAL_CARE_REFERRAL task (once per plan).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Required, TypedDict, Unpack

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.clinical.care_plans import (
    CarePlanStatus,
    CarePlanType,
    ClosedReason,
    ReviewDecision,
    ReviewResult,
    apply_review,
    check_transition,
)
from hjdesk.clinical.identifiers import age_on
from hjdesk.clinical.ltc import LtcCondition
from hjdesk.services.actions import check_rev, user_action
from hjdesk.services.care_plans.fields import (
    open_plan_or_error,
    owner_or_error,
    plan_field_changes,
    require_complete_if_live,
)
from hjdesk.services.care_plans.grid import (
    add_goal,
    add_intervention,
    new_goal,
    new_intervention,
    update_goal,
    update_intervention,
)
from hjdesk.services.care_plans.lists import CarePlanListRow, patient_plans, plans_list
from hjdesk.services.care_plans.owners import OwnerChoice, owner_choices
from hjdesk.services.care_plans.reads import (
    CarePlanView,
    DisplayStatus,
    build_view,
    display_status,
    live_goal_count,
    live_intervention_count,
    needs_referral,
    plan_problems,
    plan_view,
)
from hjdesk.services.care_plans.templates import PlanTemplate, default_title, plan_template
from hjdesk.services.common import local_today
from hjdesk.services.permissions import REGISTERED_CLINICIANS
from hjdesk.services.standing import standing
from hjdesk.services.task_status import OPEN, not_closed
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import (
    CarePlan,
    CarePlanGoal,
    CarePlanIntervention,
    CarePlanReview,
    Patient,
    Staff,
    Task,
)
from hjdesk.storage.vault import OpenVault

__all__ = [
    "CarePlanListRow",
    "CarePlanView",
    "DisplayStatus",
    "OwnerChoice",
    "activate_plan",
    "add_goal",
    "add_intervention",
    "close_plan",
    "create_plan",
    "display_status",
    "owner_choices",
    "patient_plans",
    "plan_view",
    "plans_list",
    "record_review",
    "update_goal",
    "update_intervention",
    "update_plan",
]

REFERRAL_TASK = "SOCIAL_CARE_REFERRAL"


def _plan_type(value: str) -> CarePlanType:
    try:
        return CarePlanType(str(value).strip().upper())
    except ValueError:
        choices = ", ".join(t.value for t in CarePlanType)
        raise InvalidInput(f"Unknown care plan type {value!r}: choose {choices}.") from None


def _condition(plan_type: CarePlanType, value: str | None) -> str | None:
    if plan_type is not CarePlanType.LTC:
        if value:
            raise InvalidInput("Only a long-term condition plan names a condition.")
        return None
    try:
        return LtcCondition(str(value or "").strip().upper())
    except ValueError:
        choices = ", ".join(c.value for c in LtcCondition)
        raise InvalidInput(f"Say which long-term condition the plan is for: {choices}.") from None


def create_plan(
    vault: OpenVault,
    patient_id: str,
    plan_type: str,
    *,
    title: str | None = None,
    ltc_condition: str | None = None,
    template: bool = True,
    owner_id: str | None = None,
    today: date | None = None,
) -> CarePlanView:
    """A DRAFT plan; with `template`, pre-filled with the type's goals and interventions."""
    with user_action(vault, "create_care_plan") as act:
        kind = _plan_type(plan_type)
        condition = _condition(kind, ltc_condition)
        day = today or local_today(act.now)
        patient = act.get(Patient, patient_id, "patient")
        if owner_id is None and act.actor.role in REGISTERED_CLINICIANS:
            owner_id = act.staff_id
        owner = owner_or_error(act.session, owner_id) if owner_id else None
        filled = (
            plan_template(kind, condition, age=age_on(patient.date_of_birth, day), start=day)
            if template
            else None
        )
        plan = CarePlan(
            patient_id=patient.id,
            plan_type=kind,
            ltc_condition=condition,
            title=(title or "").strip() or default_title(kind, condition),
            status=CarePlanStatus.DRAFT,
            owner_id=owner,
            shared_with=[],
            data={"template": filled.key} if filled else {},
        )
        act.session.add(plan)
        act.session.flush()
        if filled is not None:
            _fill_grid(act.session, plan, filled)
        act.audit(
            patient_id=patient.id,
            detail={"plan_id": plan.id, "plan_type": kind.value, "template": filled is not None},
        )
        return build_view(act.session, plan.id, day)


def _fill_grid(session: Session, plan: CarePlan, filled: PlanTemplate) -> None:
    for n, g in enumerate(filled.goals):
        session.add(new_goal(plan, n, g.issue, g.goal, g.measure, g.target_date))
    for n, i in enumerate(filled.interventions):
        session.add(new_intervention(plan, n, i.action, i.responsible, i.frequency, i.due))


def update_plan(
    vault: OpenVault, plan_id: str, *, base_rev: int, today: date | None = None, **fields: Any
) -> CarePlanView:
    """Edit the plan's own fields (title, owner_id, start_date, review_due, patient_involvement,
    copy_given, shared_with, risk_management_plan, dnacpr_form_ref, ltc_condition, data)."""
    with user_action(vault, "update_care_plan") as act:
        plan = open_plan_or_error(act.session, plan_id)
        check_rev(plan.rev, base_rev, "care plan")
        changes = plan_field_changes(plan, fields)
        if "owner_id" in changes and changes["owner_id"] is not None:
            owner_or_error(act.session, changes["owner_id"])
        for name, value in changes.items():
            setattr(plan, name, value)
        require_complete_if_live(act.session, plan)
        act.audit(
            patient_id=plan.patient_id, detail={"plan_id": plan.id, "fields": sorted(changes)}
        )
        return build_view(act.session, plan.id, today or local_today(act.now))


def activate_plan(
    vault: OpenVault, plan_id: str, *, today: date | None = None, now: datetime | None = None
) -> CarePlanView:
    """DRAFT → ACTIVE once every activation rule is met; the message lists everything missing."""
    with user_action(vault, "activate_care_plan", now=now) as act:
        day = today or local_today(act.now)
        plan = act.get(CarePlan, plan_id, "care plan")
        if plan.status != CarePlanStatus.DRAFT:
            raise InvalidInput(
                f"Only a draft care plan can be activated; this one is {plan.status}."
            )
        check_transition(CarePlanStatus.DRAFT, CarePlanStatus.ACTIVE)
        if plan.start_date is None:
            plan.start_date = day
        _check_activation(act.session, plan)
        plan.status = CarePlanStatus.ACTIVE
        task = _referral_task(act.session, plan, act.now)
        act.audit(
            patient_id=plan.patient_id,
            detail={"plan_id": plan.id, "plan_type": plan.plan_type, "referral_task": task},
        )
        return build_view(act.session, plan.id, day)


def _check_activation(session: Session, plan: CarePlan) -> None:
    """Every activation rule at once: the message lists everything still missing."""
    goals = list(session.scalars(select(CarePlanGoal).where(CarePlanGoal.plan_id == plan.id)))
    items = list(
        session.scalars(select(CarePlanIntervention).where(CarePlanIntervention.plan_id == plan.id))
    )
    owner = session.get(Staff, plan.owner_id) if plan.owner_id else None
    problems = plan_problems(plan, live_goal_count(goals), live_intervention_count(items), owner)
    if problems:
        raise InvalidInput("This care plan cannot be activated yet:\n- " + "\n- ".join(problems))


def _referral_task(session: Session, plan: CarePlan, now: datetime) -> bool:
    """Raise the local authority referral task if needs are recorded but no referral (s.76)."""
    if not needs_referral(plan.plan_type, plan.data or {}):
        return False
    existing = session.scalar(
        select(Task.id).where(Task.kind == REFERRAL_TASK, Task.source_id == plan.id, not_closed())
    )
    if existing is not None:
        return False
    session.add(
        Task(
            patient_id=plan.patient_id,
            kind=REFERRAL_TASK,
            title="Refer to the local authority for a social care needs assessment "
            "(Care Act 2014 s.76)",
            detail="Raised when the care plan was activated with no referral recorded.",
            due_at=now,
            status=OPEN,
            source_id=plan.id,
        )
    )
    return True


def _decision(value: str | ReviewDecision) -> ReviewDecision:
    try:
        return ReviewDecision(str(value).strip().upper())
    except ValueError:
        raise InvalidInput("Say whether the plan continues or closes.") from None


def _closed_reason(value: str | ClosedReason | None) -> ClosedReason | None:
    if value is None or not str(value).strip():
        return None
    try:
        return ClosedReason(str(value).strip().upper())
    except ValueError:
        choices = ", ".join(r.value for r in ClosedReason)
        raise InvalidInput(f"Unknown closing reason {value!r}: choose {choices}.") from None


class ReviewForm(TypedDict, total=False):
    """What the review form holds; `changes`, the next review date and the reason are optional."""

    review_date: Required[date]
    attendees: Required[Sequence[str]]
    outcome: Required[str]
    decision: Required[str | ReviewDecision]
    changes: str
    next_review_due: date | None
    closed_reason: str | ClosedReason | None


def record_review(
    vault: OpenVault,
    plan_id: str,
    *,
    base_rev: int | None = None,
    today: date | None = None,
    now: datetime | None = None,
    **form: Unpack[ReviewForm],
) -> CarePlanView:
    """A signed review: the plan continues with a new review date, or closes with a reason."""
    review_date, outcome = form["review_date"], form["outcome"]
    next_review_due = form.get("next_review_due")
    with user_action(vault, "review_care_plan", now=now) as act:
        day = today or local_today(act.now)
        chosen, reason = _decision(form["decision"]), _closed_reason(form.get("closed_reason"))
        plan = open_plan_or_error(act.session, plan_id)
        check_rev(plan.rev, base_rev, "care plan")
        act.problems += _review_problems(act.session, plan, review_date, outcome, day)
        try:
            result = apply_review(
                plan.status,
                review_date,
                chosen,
                next_review_due=next_review_due,
                closed_reason=reason,
            )
        except ValueError as exc:
            act.problems.append(str(exc))
        act.check()
        review = _write_review(
            act.session,
            vault,
            plan,
            result,
            (review_date, chosen, next_review_due),
            (form["attendees"], outcome, form.get("changes", "")),
            act.now,
        )
        act.session.flush()
        act.audit(
            patient_id=plan.patient_id,
            detail={"plan_id": plan.id, "review_id": review.id, "decision": chosen.value},
        )
        return build_view(act.session, plan.id, day)


def _write_review(
    session: Session,
    vault: OpenVault,
    plan: CarePlan,
    result: ReviewResult,
    when: tuple[date, ReviewDecision, date | None],
    said: tuple[Sequence[str], str, str],
    now: datetime,
) -> CarePlanReview:
    """The signed review row, and the plan as the review left it."""
    (review_date, decision, next_due), (attendees, outcome, changes) = when, said
    review = CarePlanReview(
        plan_id=plan.id,
        patient_id=plan.patient_id,
        review_date=review_date,
        attendees=[a.strip() for a in attendees if a.strip()],
        outcome=outcome.strip(),
        changes=changes.strip(),
        decision=decision,
        next_review_due=next_due,
        signed_at=now,
        signed_by=vault.actor.staff_id,
    )
    session.add(review)
    plan.status = result.status
    if result.review_due is not None:
        plan.review_due = result.review_due
    plan.closed_reason = result.closed_reason
    plan.closed_on = result.closed_on
    return review


def _review_problems(
    session: Session, plan: CarePlan, review_date: date, outcome: str, today: date
) -> list[str]:
    problems: list[str] = []
    if review_date > today:
        problems.append("A review cannot be dated in the future.")
    if plan.start_date is not None and review_date < plan.start_date:
        problems.append("The review date is before the plan started.")
    last = session.scalar(
        select(CarePlanReview.review_date)
        .where(CarePlanReview.plan_id == plan.id, *standing(CarePlanReview))
        .order_by(CarePlanReview.review_date.desc())
        .limit(1)
    )
    if last is not None and review_date < last:
        problems.append(f"The review date is before the last review ({last.isoformat()}).")
    if not outcome or not outcome.strip():
        problems.append("Record the outcome of the review.")
    return problems


def close_plan(
    vault: OpenVault,
    plan_id: str,
    reason: str | ClosedReason,
    *,
    base_rev: int | None = None,
    today: date | None = None,
) -> CarePlanView:
    """Close a draft or live plan with a reason (e.g. TRANSFERRED, RELEASED, SUPERSEDED)."""
    with user_action(vault, "close_care_plan") as act:
        chosen = _closed_reason(reason)
        if chosen is None:
            raise InvalidInput("Give a reason for closing the care plan.")
        day = today or local_today(act.now)
        plan = open_plan_or_error(act.session, plan_id)
        check_rev(plan.rev, base_rev, "care plan")
        try:
            check_transition(plan.status, CarePlanStatus.CLOSED)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        plan.status = CarePlanStatus.CLOSED
        plan.closed_reason = chosen
        plan.closed_on = day
        act.audit(patient_id=plan.patient_id, detail={"plan_id": plan.id, "reason": chosen.value})
        return build_view(act.session, plan.id, day)
