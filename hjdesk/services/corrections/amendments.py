"""Amending, or marking entered in error, the signed entries that are not encounters: ACCT health
contributions, screening and immunisation events, and care-plan reviews (domain.md §3).
Encounters have their own (services.encounters.amend_encounter).

A signed row is never changed: the correction is a new signed row that points at it
(`amends_id`, with the reason); "entered in error" is a new row marked so. Every reader filters
with `services.standing`, so what was withdrawn leaves the flags, worklists, the transfer summary
and the printouts at once, while the record and the audit keep both.

Decisions (ours, as for encounters):
- Only the latest entry of a chain can be amended, never one marked entered in error; by its
  signer or a registered clinician; a reason is always required.
- A contribution: the correction may change the type, the summary and the planned flag (the
  event, case, patient and team stay). Its needed-by time is the event's, as when first signed.
  As when signing, a contributor speaks for their own team: staff with a team correct (or
  withdraw) only their team's input, so no one outside MH in-reach can alter or clear what MH
  in-reach said; the summary has the same limit as when signed.
- A screening event: the correction may change the date, outcome, batch and next due (the
  programme stays: another programme is a new event).
- A care-plan review: the correction may change attendees, outcome, changes and the next review
  date (the decision stays). Withdrawing the plan's latest review sets the plan's review date back
  to the previous standing review's next-review date, or to the withdrawn review's own date (the
  plan was due then, and no review stands since: it shows due or overdue, the safe direction); a
  plan the withdrawn review had closed is active again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.clinical import acct as rules
from hjdesk.clinical.care_plans import CarePlanStatus, ReviewDecision
from hjdesk.services.acct import SUMMARY_MAX, ContributionView, contribution_view
from hjdesk.services.actions import UserAction, user_action
from hjdesk.services.care_plans import CarePlanView, build_view
from hjdesk.services.common import local_today
from hjdesk.services.patients import ScreeningView, screening_problems, screening_view
from hjdesk.services.permissions import require_own_entry_unless_registered, require_own_team
from hjdesk.services.standing import standing
from hjdesk.services.worklists import withdraw_tasks
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import (
    AcctContribution,
    AcctEvent,
    CarePlan,
    CarePlanReview,
    ScreeningEvent,
    Staff,
)
from hjdesk.storage.vault import OpenVault

__all__ = [
    "ContributionCorrection",
    "ReviewCorrection",
    "ScreeningCorrection",
    "amend_care_plan_review",
    "amend_contribution",
    "amend_screening",
]


@dataclass(frozen=True, slots=True)
class ContributionCorrection:
    contribution_type: str
    summary: str
    planned: bool = False


@dataclass(frozen=True, slots=True)
class ScreeningCorrection:
    event_date: date
    outcome: str
    batch: str | None = None
    next_due: date | None = None


@dataclass(frozen=True, slots=True)
class ReviewCorrection:
    attendees: Sequence[str]
    outcome: str
    changes: str = ""
    next_review_due: date | None = None


def _check_request(reason: str, corrected: object | None, entered_in_error: bool) -> str:
    if not reason.strip():
        raise InvalidInput("Give the reason for the amendment.")
    if (corrected is None) == (not entered_in_error):
        raise InvalidInput(
            "Either give the corrected entry or mark the entry entered in error (not both)."
        )
    return reason.strip()


def _amendable(act: UserAction, model: type[Any], row_id: str, what: str) -> Any:
    target = act.get(model, row_id, what)
    later = act.session.scalar(select(model.id).where(model.amends_id == target.id).limit(1))
    if later is not None:
        raise InvalidInput("This entry has already been amended: amend the latest version.")
    if target.entered_in_error:
        raise InvalidInput("This entry is marked entered in error: record a new one instead.")
    require_own_entry_unless_registered(act.actor, target.signed_by)
    return target


def _stamp(act: UserAction, row: Any, target: Any, reason: str, eie: bool) -> None:
    row.amends_id, row.amendment_reason, row.entered_in_error = target.id, reason, eie
    row.signed_at, row.signed_by = act.now, act.actor.staff_id


def _audit(act: UserAction, kind: str, row: Any, target: Any) -> None:
    act.session.flush()
    act.audit(
        kind=f"{kind}_{'entered_in_error' if row.entered_in_error else 'amended'}",
        patient_id=target.patient_id,
        detail={"id": row.id, "amends_id": target.id},
    )


# -- ACCT contributions -----------------------------------------------------------------------


def amend_contribution(
    vault: OpenVault,
    contribution_id: str,
    *,
    reason: str,
    corrected: ContributionCorrection | None = None,
    entered_in_error: bool = False,
    now: datetime | None = None,
) -> ContributionView:
    """Correct a health contribution, or mark it entered in error; the flags follow at once."""
    with user_action(vault, "acct_contribution_amended", now=now) as act:
        why = _check_request(reason, corrected, entered_in_error)
        target: AcctContribution = _amendable(
            act, AcctContribution, contribution_id, "ACCT contribution"
        )
        staff = act.session.get(Staff, act.actor.staff_id) if act.actor.staff_id else None
        require_own_team(staff.team if staff is not None else None, target.team)
        event = act.get(AcctEvent, target.event_id, "ACCT event")
        row = AcctContribution(
            event_id=target.event_id,
            case_id=target.case_id,
            patient_id=target.patient_id,
            contributor_id=target.contributor_id,
            team=target.team,
            contribution_type=target.contribution_type,
            summary="",
            clinical_note_id=target.clinical_note_id,
            planned=target.planned,
            needed_by=target.needed_by,
        )
        if corrected is not None:
            _correct_contribution(row, event, corrected, act.now)
        _stamp(act, row, target, why, entered_in_error)
        act.session.add(row)
        _audit(act, "acct_contribution", row, target)
        return contribution_view(row, {row.id}, target)


def _correct_contribution(
    row: AcctContribution, event: AcctEvent, corrected: ContributionCorrection, when: datetime
) -> None:
    problems = []
    if corrected.contribution_type not in {t.value for t in rules.ContributionType}:
        problems.append("Choose how healthcare contributed from the list.")
    elif rules.counts_as_health_input(rules.ContributionType(corrected.contribution_type)) and (
        not corrected.planned and not corrected.summary.strip()
    ):
        problems.append("Write the risk-relevant summary shared with the case manager.")
    elif rules.attendance_given_too_early(
        rules.ContributionType(corrected.contribution_type),
        planned=corrected.planned,
        scheduled_at=event.scheduled_at,
        held_at=event.held_at,
        now=when,
    ):
        problems.append("This review has not taken place yet: record the attendance as planned.")
    if len(corrected.summary.strip()) > SUMMARY_MAX:
        problems.append(f"Keep the summary to {SUMMARY_MAX} characters.")
    if corrected.planned and event.held_at is not None:
        problems.append("This review has been held: record the input given, not planned input.")
    if problems:
        raise InvalidInput(" ".join(problems))
    row.contribution_type = rules.ContributionType(corrected.contribution_type)
    row.summary = corrected.summary.strip()
    row.planned = corrected.planned


# -- screening events -------------------------------------------------------------------------


def amend_screening(
    vault: OpenVault,
    screening_id: str,
    *,
    reason: str,
    corrected: ScreeningCorrection | None = None,
    entered_in_error: bool = False,
    now: datetime | None = None,
    today: date | None = None,
) -> ScreeningView:
    """Correct a screening or immunisation event, or mark it entered in error."""
    with user_action(vault, "screening_amended", now=now) as act:
        why = _check_request(reason, corrected, entered_in_error)
        target: ScreeningEvent = _amendable(act, ScreeningEvent, screening_id, "screening event")
        row = ScreeningEvent(
            patient_id=target.patient_id,
            programme=target.programme,
            event_date=target.event_date,
            outcome=target.outcome,
            batch=target.batch,
            next_due=target.next_due,
        )
        if corrected is not None:
            _correct_screening(row, corrected, today or local_today(act.now))
        _stamp(act, row, target, why, entered_in_error)
        act.session.add(row)
        _audit(act, "screening", row, target)
        return screening_view(row)


def _correct_screening(row: ScreeningEvent, corrected: ScreeningCorrection, today: date) -> None:
    # The same checks as recording one (screening.record_screening): a correction is no laxer.
    problems = screening_problems(
        row.programme,
        corrected.event_date,
        corrected.outcome,
        corrected.batch,
        corrected.next_due,
        today,
    )
    if problems:
        raise InvalidInput(" ".join(problems))
    row.event_date, row.outcome = corrected.event_date, corrected.outcome.strip()
    row.batch = (corrected.batch or "").strip() or None
    row.next_due = corrected.next_due


# -- care-plan reviews ------------------------------------------------------------------------


def amend_care_plan_review(
    vault: OpenVault,
    review_id: str,
    *,
    reason: str,
    corrected: ReviewCorrection | None = None,
    entered_in_error: bool = False,
    now: datetime | None = None,
    today: date | None = None,
) -> CarePlanView:
    """Correct a signed care-plan review, or mark it entered in error; the plan follows."""
    with user_action(vault, "care_plan_review_amended", now=now) as act:
        why = _check_request(reason, corrected, entered_in_error)
        day = today or local_today(act.now)
        target: CarePlanReview = _amendable(act, CarePlanReview, review_id, "care-plan review")
        plan = act.get(CarePlan, target.plan_id, "care plan")
        latest = _latest_review(act.session, plan.id)
        row = CarePlanReview(
            plan_id=target.plan_id,
            patient_id=target.patient_id,
            review_date=target.review_date,
            attendees=target.attendees,
            outcome=target.outcome,
            changes=target.changes,
            decision=target.decision,
            next_review_due=target.next_review_due,
        )
        if corrected is not None:
            _correct_review(row, corrected)
        _stamp(act, row, target, why, entered_in_error)
        act.session.add(row)
        act.session.flush()
        if latest is not None and latest.id == target.id:
            _plan_after(act.session, plan, target, row)
            withdraw_tasks(
                vault, act.session, [target.id], why=f"the review was amended ({why})", when=act.now
            )
        _audit(act, "care_plan_review", row, target)
        return build_view(act.session, plan.id, day)


def _latest_review(session: Session, plan_id: str) -> CarePlanReview | None:
    return session.scalars(
        select(CarePlanReview)
        .where(CarePlanReview.plan_id == plan_id, *standing(CarePlanReview))
        .order_by(CarePlanReview.review_date.desc(), CarePlanReview.signed_at.desc())
        .limit(1)
    ).first()


def _correct_review(row: CarePlanReview, corrected: ReviewCorrection) -> None:
    if not corrected.outcome.strip():
        raise InvalidInput("Record the outcome of the review.")
    continues = row.decision != ReviewDecision.CLOSE
    if continues and corrected.next_review_due is None:
        raise InvalidInput("A plan that continues needs its next review date.")
    if corrected.next_review_due is not None and corrected.next_review_due <= row.review_date:
        raise InvalidInput("The next review date must be after the review.")
    row.attendees = [a.strip() for a in corrected.attendees if a.strip()]
    row.outcome, row.changes = corrected.outcome.strip(), corrected.changes.strip()
    row.next_review_due = corrected.next_review_due if continues else None


def _plan_after(
    session: Session, plan: CarePlan, withdrawn: CarePlanReview, amendment: CarePlanReview
) -> None:
    """The plan as the standing reviews now leave it (see the module decisions)."""
    if not amendment.entered_in_error:
        if amendment.next_review_due is not None:
            plan.review_due = amendment.next_review_due
        return
    previous = _latest_review(session, plan.id)
    plan.review_due = (
        previous.next_review_due
        if previous is not None and previous.next_review_due is not None
        else withdrawn.review_date
    )
    if plan.status == CarePlanStatus.CLOSED and withdrawn.decision == ReviewDecision.CLOSE:
        plan.status = CarePlanStatus.ACTIVE
        plan.closed_reason, plan.closed_on = None, None
