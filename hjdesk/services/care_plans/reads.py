"""Reading one care plan: the plan, its goal/intervention grid and its reviews, and its status.

The status a nurse sees (`display_status`) is derived on every read from the stored status, the
review date and the last review: REVIEW_DUE from 14 days before the review date [C], OVERDUE once
the date has passed with no review since. OVERDUE is never written to the vault.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.clinical.care_plans import (
    DEFAULT_CARE_PLAN_POLICY,
    CarePlanInput,
    CarePlanPolicy,
    CarePlanStatus,
    CarePlanType,
    GoalStatus,
    InterventionStatus,
    activation_problems,
    is_overdue,
    social_care_referral_needed,
    status_on,
)
from hjdesk.services.actions import user_action
from hjdesk.services.care_plans.templates import prompts_for
from hjdesk.services.common import get_or_error, local_today
from hjdesk.services.labels import days_past
from hjdesk.services.permissions import REGISTERED_CLINICIANS, require
from hjdesk.services.staff_names import StaffName, name_of, staff_names
from hjdesk.services.standing import standing
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import (
    CarePlan,
    CarePlanGoal,
    CarePlanIntervention,
    CarePlanReview,
    Staff,
)
from hjdesk.storage.vault import OpenVault

# Keys of CarePlan.data the services read (the rest of `data` is free for forms).
SOCIAL_CARE_NEEDS = "social_care_needs"
SOCIAL_CARE_REFERRAL = "social_care_referral"
EQUIPMENT = "equipment"
COMMUNICATION_NEEDS = "communication_needs"
OWNER_ROLE_PROBLEM = "The plan's owner must be a registered clinician (an HCA cannot own a plan)."


class DisplayStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    REVIEW_DUE = "REVIEW_DUE"
    OVERDUE = "OVERDUE"
    CLOSED = "CLOSED"


def display_status(
    status: str,
    review_due: date | None,
    last_review: date | None,
    today: date,
    policy: CarePlanPolicy = DEFAULT_CARE_PLAN_POLICY,
) -> DisplayStatus:
    stored = CarePlanStatus(status)
    if stored in (CarePlanStatus.DRAFT, CarePlanStatus.CLOSED) or review_due is None:
        return DisplayStatus(stored.value)
    if is_overdue(review_due, last_review, today):
        return DisplayStatus.OVERDUE
    return DisplayStatus(status_on(stored, review_due, today, policy).value)


# --- one plan ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GoalRow:
    id: str
    rev: int
    position: int
    issue: str
    goal: str
    measure: str
    target_date: date | None
    status: str


@dataclass(frozen=True, slots=True)
class InterventionRow:
    id: str
    rev: int
    position: int
    action: str
    responsible: str
    frequency: str
    due: date | None
    status: str


@dataclass(frozen=True, slots=True)
class ReviewRow:
    id: str
    review_date: date
    attendees: tuple[str, ...]
    outcome: str
    changes: str
    decision: str
    next_review_due: date | None
    signed_at: datetime | None
    signed_by_name: str
    # A correction: the review it amends, why, and that review's outcome (kept readable).
    amends_id: str | None = None
    amendment_reason: str | None = None
    replaced: str | None = None


@dataclass(frozen=True, slots=True)
class CarePlanView:
    id: str
    rev: int
    patient_id: str
    plan_type: str
    ltc_condition: str | None
    title: str
    status: str  # as stored: DRAFT, ACTIVE, REVIEW_DUE or CLOSED
    display_status: DisplayStatus  # derived for today, never stored
    overdue: bool
    days_overdue: int
    owner_id: str | None
    owner_name: str
    start_date: date | None
    review_due: date | None
    last_review_date: date | None
    patient_involvement: str | None
    copy_given: bool
    shared_with: tuple[str, ...]
    risk_management_plan: str | None
    dnacpr_form_ref: str | None
    closed_reason: str | None
    closed_on: date | None
    needs_social_care_referral: bool
    data: Mapping[str, Any]
    prompts: tuple[str, ...]
    activation_problems: tuple[str, ...]  # what a draft still lacks; empty otherwise
    goals: tuple[GoalRow, ...]
    interventions: tuple[InterventionRow, ...]
    reviews: tuple[ReviewRow, ...]


@dataclass(frozen=True, slots=True)
class _People:
    """The staff a plan names: the owner's staff row (activation checks its role: a name card
    never counts), and everyone's name as the plan shows it (`staff_names`)."""

    owner: Staff | None
    names: dict[str, StaffName]


def _people(session: Session, owner_id: str | None, signers: Iterable[str | None]) -> _People:
    owner = session.get(Staff, owner_id) if owner_id else None
    return _People(owner, staff_names(session, [owner_id, *signers]))


def plan_problems(plan: CarePlan, goals: int, interventions: int, owner: Staff | None) -> list[str]:
    """Everything stopping this plan becoming active (the clinical rule, plus the owner's role)."""
    problems = activation_problems(
        CarePlanInput(
            plan_type=plan.plan_type,
            owner_id=plan.owner_id,
            start_date=plan.start_date,
            review_due=plan.review_due,
            patient_involvement=plan.patient_involvement,
            goal_count=goals,
            intervention_count=interventions,
            ltc_condition=plan.ltc_condition,
            risk_management_plan=plan.risk_management_plan,
            shared_with=tuple(plan.shared_with or []),
            dnacpr_form_ref=plan.dnacpr_form_ref,
        )
    )
    if plan.owner_id and (owner is None or owner.role not in REGISTERED_CLINICIANS):
        problems.append(OWNER_ROLE_PROBLEM)
    return problems


def needs_referral(plan_type: str, data: Mapping[str, Any]) -> bool:
    """Care Act 2014 s.76: social care needs (or a social care plan) with no referral made."""
    return social_care_referral_needed(
        plan_type=CarePlanType(plan_type),
        needs_identified=bool(data.get(SOCIAL_CARE_NEEDS)),
        referral_made=bool(data.get(SOCIAL_CARE_REFERRAL)),
    )


def live_goal_count(goals: list[CarePlanGoal]) -> int:
    return sum(1 for g in goals if g.status != GoalStatus.DISCONTINUED)


def live_intervention_count(interventions: list[CarePlanIntervention]) -> int:
    return sum(1 for i in interventions if i.status != InterventionStatus.STOPPED)


def build_view(
    session: Session,
    plan_id: str,
    today: date,
    policy: CarePlanPolicy = DEFAULT_CARE_PLAN_POLICY,
) -> CarePlanView:
    plan = get_or_error(session, CarePlan, plan_id, "care plan")
    goals = list(
        session.scalars(
            select(CarePlanGoal)
            .where(CarePlanGoal.plan_id == plan.id)
            .order_by(CarePlanGoal.position, CarePlanGoal.id)
        )
    )
    interventions = list(
        session.scalars(
            select(CarePlanIntervention)
            .where(CarePlanIntervention.plan_id == plan.id)
            .order_by(CarePlanIntervention.position, CarePlanIntervention.id)
        )
    )
    reviews = list(
        session.scalars(
            select(CarePlanReview)
            .where(CarePlanReview.plan_id == plan.id, *standing(CarePlanReview))
            .order_by(CarePlanReview.review_date, CarePlanReview.signed_at)
        )
    )
    staff = _people(session, plan.owner_id, (r.signed_by for r in reviews))
    amended = [r.amends_id for r in reviews if r.amends_id]
    earlier = {
        r.id: r
        for r in (
            session.scalars(select(CarePlanReview).where(CarePlanReview.id.in_(amended)))
            if amended
            else ()
        )
    }
    return _view(plan, goals, interventions, reviews, staff, today, policy, earlier)


def _view(
    plan: CarePlan,
    goals: list[CarePlanGoal],
    interventions: list[CarePlanIntervention],
    reviews: list[CarePlanReview],
    staff: _People,
    today: date,
    policy: CarePlanPolicy,
    earlier: dict[str, CarePlanReview] | None = None,
) -> CarePlanView:
    data = plan.data or {}
    last_review = max((r.review_date for r in reviews), default=None)
    shown = display_status(plan.status, plan.review_due, last_review, today, policy)
    owner = staff.owner
    is_draft = plan.status == CarePlanStatus.DRAFT
    problems = (
        plan_problems(plan, live_goal_count(goals), live_intervention_count(interventions), owner)
        if is_draft
        else []
    )
    return CarePlanView(
        id=plan.id,
        rev=plan.rev,
        patient_id=plan.patient_id,
        plan_type=plan.plan_type,
        ltc_condition=plan.ltc_condition,
        title=plan.title,
        status=plan.status,
        display_status=shown,
        overdue=shown is DisplayStatus.OVERDUE,
        days_overdue=days_past(plan.review_due, today) if shown is DisplayStatus.OVERDUE else 0,
        owner_id=plan.owner_id,
        owner_name=name_of(staff.names, plan.owner_id),
        start_date=plan.start_date,
        review_due=plan.review_due,
        last_review_date=last_review,
        patient_involvement=plan.patient_involvement,
        copy_given=plan.copy_given,
        shared_with=tuple(plan.shared_with or []),
        risk_management_plan=plan.risk_management_plan,
        dnacpr_form_ref=plan.dnacpr_form_ref,
        closed_reason=plan.closed_reason,
        closed_on=plan.closed_on,
        needs_social_care_referral=(
            plan.status != CarePlanStatus.CLOSED and needs_referral(plan.plan_type, data)
        ),
        data=MappingProxyType(dict(data)),
        prompts=prompts_for(plan.plan_type, plan.ltc_condition),
        activation_problems=tuple(problems),
        goals=tuple(
            GoalRow(g.id, g.rev, g.position, g.issue, g.goal, g.measure, g.target_date, g.status)
            for g in goals
        ),
        interventions=tuple(
            InterventionRow(
                i.id, i.rev, i.position, i.action, i.responsible, i.frequency, i.due, i.status
            )
            for i in interventions
        ),
        reviews=tuple(
            _review_row(r, staff.names, (earlier or {}).get(r.amends_id or "")) for r in reviews
        ),
    )


def _replaced_text(review: CarePlanReview) -> str:
    changes = f" Changes: {review.changes}" if review.changes else ""
    due = f" Next review {review.next_review_due:%d/%m/%Y}." if review.next_review_due else ""
    return f"{review.outcome}{changes}{due}"


def _review_row(
    review: CarePlanReview, staff: dict[str, StaffName], replaced: CarePlanReview | None = None
) -> ReviewRow:
    return ReviewRow(
        id=review.id,
        review_date=review.review_date,
        attendees=tuple(review.attendees or []),
        outcome=review.outcome,
        changes=review.changes,
        decision=review.decision,
        next_review_due=review.next_review_due,
        signed_at=review.signed_at,
        signed_by_name=name_of(staff, review.signed_by),
        amends_id=review.amends_id,
        amendment_reason=review.amendment_reason,
        replaced=_replaced_text(replaced) if replaced is not None else None,
    )


def plan_view(vault: OpenVault, plan_id: str, *, today: date | None = None) -> CarePlanView:
    """One plan with its goals, interventions and reviews; opening it is an audited view."""
    with user_action(vault, "view_care_plans") as act:
        view = build_view(act.session, plan_id, today or local_today())
        act.audit(kind="view_care_plan", patient_id=view.patient_id, detail={"plan_id": view.id})
    return view


def latest_plan_id(vault: OpenVault, patient_id: str) -> str:
    """The plan a printout means by "this patient's care plan": the newest plan not closed, else
    the newest closed one."""
    require(vault.actor, "view_care_plans")
    with vault.session() as session:
        found = session.scalar(
            select(CarePlan.id)
            .where(CarePlan.patient_id == patient_id)
            .order_by(
                CarePlan.status == CarePlanStatus.CLOSED.value,
                CarePlan.start_date.is_(None),
                CarePlan.start_date.desc(),
                CarePlan.id.desc(),
            )
            .limit(1)
        )
    if found is None:
        raise InvalidInput("This patient has no care plan.")
    return found
