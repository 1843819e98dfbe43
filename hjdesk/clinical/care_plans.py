"""Care plans: types, lifecycle (draft, active, review due, closed), activation and review rules.

Sources: domain.md §7; NICE QS163 (mental health plans carry a risk-management plan and record who
they are shared with); Dying Well in Custody Charter (end-of-life plans; DNACPR is a reference to
the signed form); Care Act 2014 s.76 (social care needs in prison → the local authority where the
prison is). The review-due window is local policy (domain.md §7 [C]).

Decisions (ours, where domain.md is silent):
- Goal and intervention statuses are our own lists: domain.md names the CAREMAP "status" column
  but not its values.
- OVERDUE is derived, never stored: today is after the review due date and no review has been
  recorded on or after that date.
- A review that continues the plan gives the status the plan has on the review day under the new
  date, so a plan reviewed with a next date inside the window is at once REVIEW_DUE again.
- A draft may be closed (e.g. SUPERSEDED) without ever being active; a closed plan never reopens:
  a new plan is written instead.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta


class CarePlanType(enum.StrEnum):
    LTC = "LTC"
    OLDER_PRISONER_FRAILTY = "OLDER_PRISONER_FRAILTY"
    SOCIAL_CARE = "SOCIAL_CARE"
    MENTAL_HEALTH = "MENTAL_HEALTH"
    END_OF_LIFE = "END_OF_LIFE"
    NEURODIVERSITY_ADJUSTMENTS = "NEURODIVERSITY_ADJUSTMENTS"
    SMOKING = "SMOKING"


class CarePlanStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    REVIEW_DUE = "REVIEW_DUE"
    CLOSED = "CLOSED"


class PatientInvolvement(enum.StrEnum):
    AGREED = "AGREED"
    DECLINED_TO_SIGN = "DECLINED_TO_SIGN"
    UNABLE = "UNABLE"


class ClosedReason(enum.StrEnum):
    GOALS_MET = "GOALS_MET"
    TRANSFERRED = "TRANSFERRED"
    RELEASED = "RELEASED"
    DECLINED_BY_PATIENT = "DECLINED_BY_PATIENT"
    SUPERSEDED = "SUPERSEDED"
    DECEASED = "DECEASED"


class GoalStatus(enum.StrEnum):
    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    ACHIEVED = "ACHIEVED"
    PARTLY_ACHIEVED = "PARTLY_ACHIEVED"
    NOT_ACHIEVED = "NOT_ACHIEVED"
    DISCONTINUED = "DISCONTINUED"


class InterventionStatus(enum.StrEnum):
    PLANNED = "PLANNED"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    STOPPED = "STOPPED"


class ReviewDecision(enum.StrEnum):
    """What a care plan review decided."""

    CONTINUE = "CONTINUE"
    CLOSE = "CLOSE"


_S = CarePlanStatus
#: Every legal status change (domain.md §7 lifecycle). A review may leave the status unchanged.
ALLOWED_TRANSITIONS: frozenset[tuple[CarePlanStatus, CarePlanStatus]] = frozenset(
    {
        (_S.DRAFT, _S.ACTIVE),
        (_S.DRAFT, _S.CLOSED),
        (_S.ACTIVE, _S.ACTIVE),
        (_S.ACTIVE, _S.REVIEW_DUE),
        (_S.ACTIVE, _S.CLOSED),
        (_S.REVIEW_DUE, _S.ACTIVE),
        (_S.REVIEW_DUE, _S.REVIEW_DUE),
        (_S.REVIEW_DUE, _S.CLOSED),
    }
)
_LIVE = frozenset({_S.ACTIVE, _S.REVIEW_DUE})


@dataclass(frozen=True, slots=True)
class CarePlanPolicy:
    """Local care-plan policy (domain.md §7 [C])."""

    review_due_window_days: int = 14

    def __post_init__(self) -> None:
        if self.review_due_window_days < 0:
            raise ValueError("The review-due window cannot be negative")


DEFAULT_CARE_PLAN_POLICY = CarePlanPolicy()


@dataclass(frozen=True, slots=True)
class CarePlanInput:
    """What activation needs to know about a plan. Blank text counts as missing."""

    plan_type: CarePlanType
    owner_id: str | None = None
    start_date: date | None = None
    review_due: date | None = None
    patient_involvement: PatientInvolvement | None = None
    goal_count: int = 0
    intervention_count: int = 0
    ltc_condition: str | None = None
    risk_management_plan: str | None = None
    shared_with: tuple[str, ...] = ()
    dnacpr_form_ref: str | None = None

    def __post_init__(self) -> None:
        if self.goal_count < 0 or self.intervention_count < 0:
            raise ValueError("Goal and intervention counts cannot be negative")


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _type_problems(plan: CarePlanInput) -> list[str]:
    problems: list[str] = []
    plan_type = CarePlanType(plan.plan_type)
    if plan_type is CarePlanType.LTC and _blank(plan.ltc_condition):
        problems.append("Say which long-term condition the plan is for.")
    if plan_type is CarePlanType.MENTAL_HEALTH:
        if _blank(plan.risk_management_plan):
            problems.append("A mental health plan needs a risk-management plan.")
        if not any(not _blank(who) for who in plan.shared_with):
            problems.append("Record who the mental health plan is shared with.")
    if plan_type is not CarePlanType.END_OF_LIFE and not _blank(plan.dnacpr_form_ref):
        problems.append("A DNACPR form reference belongs on an end-of-life plan only.")
    return problems


def activation_problems(plan: CarePlanInput) -> list[str]:
    """Everything stopping a draft becoming active; empty when it can be activated."""
    problems: list[str] = []
    if plan.goal_count < 1:
        problems.append("Add at least one goal.")
    if plan.intervention_count < 1:
        problems.append("Add at least one intervention.")
    if _blank(plan.owner_id):
        problems.append("Name the plan's owner.")
    if plan.review_due is None:
        problems.append("Set a review date.")
    elif plan.start_date is not None and plan.review_due <= plan.start_date:
        problems.append("The review date must be after the start date.")
    if plan.patient_involvement is None:
        problems.append("Record the patient's involvement (agreed, declined to sign, or unable).")
    problems.extend(_type_problems(plan))
    return problems


def can_activate(plan: CarePlanInput) -> bool:
    return not activation_problems(plan)


def check_transition(current: CarePlanStatus, new: CarePlanStatus) -> None:
    """Raise ValueError unless a plan may go from `current` to `new`."""
    current, new = CarePlanStatus(current), CarePlanStatus(new)
    if (current, new) in ALLOWED_TRANSITIONS:
        return
    if current is CarePlanStatus.CLOSED:
        raise ValueError("A closed care plan cannot change; write a new plan instead.")
    raise ValueError(f"A care plan cannot go from {current} to {new}.")


def status_on(
    status: CarePlanStatus,
    review_due: date | None,
    today: date,
    policy: CarePlanPolicy = DEFAULT_CARE_PLAN_POLICY,
) -> CarePlanStatus:
    """The status on `today`: a live plan is REVIEW_DUE from 14 days before its review date."""
    status = CarePlanStatus(status)
    if status not in _LIVE:
        return status
    if review_due is None:
        raise ValueError("An active care plan must have a review date.")
    window = timedelta(days=policy.review_due_window_days)
    # A review date in the calendar's first days (only a record pulled from a device in hostile
    # hands holds one) has its window open from the calendar's first day, not an OverflowError
    # that would stop every list of care plans and the overdue report.
    window_opens = review_due - window if review_due > date.min + window else date.min
    return CarePlanStatus.REVIEW_DUE if today >= window_opens else CarePlanStatus.ACTIVE


def is_overdue(review_due: date, last_review_date: date | None, today: date) -> bool:
    """Past the review date with no review on or after it (derived, never stored)."""
    if today <= review_due:
        return False
    return last_review_date is None or last_review_date < review_due


@dataclass(frozen=True, slots=True)
class ReviewResult:
    status: CarePlanStatus
    review_due: date | None
    closed_reason: ClosedReason | None = None
    closed_on: date | None = None


def apply_review(
    current: CarePlanStatus,
    review_date: date,
    decision: ReviewDecision,
    *,
    next_review_due: date | None = None,
    closed_reason: ClosedReason | None = None,
    policy: CarePlanPolicy = DEFAULT_CARE_PLAN_POLICY,
) -> ReviewResult:
    """The plan after a review: continued with a new review date, or closed with a reason."""
    current = CarePlanStatus(current)
    if current not in _LIVE:
        raise ValueError(f"Only an active care plan can be reviewed; this one is {current}.")
    if ReviewDecision(decision) is ReviewDecision.CLOSE:
        if closed_reason is None:
            raise ValueError("Give a reason for closing the care plan.")
        if next_review_due is not None:
            raise ValueError("A closed care plan has no next review date.")
        check_transition(current, CarePlanStatus.CLOSED)
        return ReviewResult(
            CarePlanStatus.CLOSED, None, ClosedReason(closed_reason), closed_on=review_date
        )
    if closed_reason is not None:
        raise ValueError("A closing reason was given but the plan is continuing.")
    if next_review_due is None:
        raise ValueError("Set the next review date.")
    if next_review_due <= review_date:
        raise ValueError("The next review date must be after this review.")
    new_status = status_on(CarePlanStatus.ACTIVE, next_review_due, review_date, policy)
    check_transition(current, new_status)
    return ReviewResult(new_status, next_review_due)


def social_care_referral_needed(
    *,
    plan_type: CarePlanType | None = None,
    needs_identified: bool = False,
    referral_made: bool = False,
) -> bool:
    """Social care needs (or a social care plan) call for a local authority referral.

    Care Act 2014 s.76: the local authority where the prison is assesses and meets the needs.
    """
    has_needs = needs_identified or plan_type == CarePlanType.SOCIAL_CARE
    return has_needs and not referral_made
