"""Recording how an appointment ended: the outcome, its attribution, rebooking and refusal review.

Rules come from clinical.attendance (domain.md §5): REFUSED needs risks explained, capacity concern
and a witness; prison-attributed outcomes need a reason and set rebook-required and are never a
DNA; three refusals in a row for the same LTC review raise one review task.

Decisions (ours):
- An appointment holds exactly one outcome. Recording another is a correction: it writes a new
  revision and is audited as "appointment_outcome_changed" with the old and new outcome, so no
  change is silent. A seen outcome cannot be changed to a non-attendance while a signed encounter
  for the appointment stands (mark the encounter entered in error first).
- Recording the first outcome in a PLANNED session starts it (IN_PROGRESS).
- The refusal run is counted over the patient's appointments in clinics of the same LTC type,
  newest first; while a refusal-review task for that clinic type is still open, no second one is
  raised. Other clinic types have no refusal rule (domain.md ties it to LTC reviews).
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict, Unpack

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from hjdesk.clinical.attendance import (
    DEFAULT_ATTENDANCE_POLICY,
    AttendancePolicy,
    ClinicType,
    Outcome,
    OutcomeDetails,
    SessionStatus,
    attribution,
    check_session_transition,
    consecutive_refusals,
    consecutive_refusals_reached,
    is_seen,
    requires_rebook,
    validate_outcome,
)
from hjdesk.services.actions import user_action
from hjdesk.services.clinics.lists import LTC_CLINICS
from hjdesk.services.clinics.views import AppointmentView, one_appointment_view, with_task
from hjdesk.services.encounters import standing_encounters
from hjdesk.services.task_status import not_closed
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import Appointment, ClinicSession, Location, Patient, Task
from hjdesk.storage.vault import OpenVault

REFUSAL_REVIEW = "REFUSAL_REVIEW"
_PERIOD_RANK = case((ClinicSession.period == "ED", 3), (ClinicSession.period == "PM", 2), else_=1)


def parse_outcome(value: str | Outcome) -> Outcome:
    try:
        return Outcome(str(value).strip().upper())
    except ValueError:
        raise InvalidInput(f"{value!r} is not an appointment outcome.") from None


def _clean(text: str | None) -> str | None:
    return text.strip() if text is not None and text.strip() else None


def details_for(
    outcome: Outcome,
    *,
    reason: str | None,
    risks_explained: bool | None,
    capacity_concern: bool | None,
    witness_name: str | None,
) -> OutcomeDetails:
    """Checked details, or InvalidInput listing everything missing."""
    details = OutcomeDetails(
        reason=_clean(reason),
        risks_explained=risks_explained,
        capacity_concern=capacity_concern,
        witness_name=_clean(witness_name),
    )
    problems = validate_outcome(outcome, details)
    if problems:
        raise InvalidInput(" ".join(problems))
    return details


def start_if_planned(vault: OpenVault, session: Session, clinic: ClinicSession) -> None:
    if clinic.status == SessionStatus.PLANNED:
        check_session_transition(SessionStatus.PLANNED, SessionStatus.IN_PROGRESS)
        clinic.status = SessionStatus.IN_PROGRESS
        vault.audit("clinic_session_started", detail={"session_id": clinic.id}, session=session)


def apply_outcome(
    vault: OpenVault,
    session: Session,
    appointment: Appointment,
    outcome: Outcome,
    details: OutcomeDetails,
    when: datetime,
) -> None:
    """Write one outcome onto an appointment and audit it (new or changed)."""
    previous = appointment.outcome
    if (
        previous is not None
        and is_seen(previous)
        and not is_seen(outcome)
        and standing_encounters(session, appointment_ids=[appointment.id])
    ):
        raise InvalidInput(
            "A signed encounter records this patient as seen at this appointment. Mark that "
            "encounter entered in error before changing the outcome."
        )
    _set_outcome(appointment, outcome, details, when, vault.actor.staff_id)
    # Where the patient is as the outcome is recorded: the wing this appointment counts against.
    place = session.scalar(
        select(Location.path)
        .join(Patient, Patient.location_id == Location.id)
        .where(Patient.id == appointment.patient_id)
    )
    if place:
        appointment.location = place[:60]
    _audit_outcome(vault, session, appointment, previous)


def _set_outcome(
    appointment: Appointment,
    outcome: Outcome,
    details: OutcomeDetails,
    when: datetime,
    staff_id: str | None,
) -> None:
    who = attribution(outcome)
    appointment.outcome = outcome
    appointment.attribution = who
    appointment.outcome_at = when
    appointment.outcome_by = staff_id
    appointment.outcome_reason = details.reason
    appointment.risks_explained = details.risks_explained
    appointment.capacity_concern = details.capacity_concern
    appointment.witness_name = details.witness_name
    appointment.rebook_required = requires_rebook(outcome)


def _audit_outcome(
    vault: OpenVault, session: Session, appointment: Appointment, previous: Outcome | None
) -> None:
    detail: dict[str, object] = {
        "appointment_id": appointment.id,
        "session_id": appointment.session_id,
        "outcome": appointment.outcome,
        "attribution": appointment.attribution,
    }
    if previous is None:
        vault.audit(
            "appointment_outcome_recorded",
            patient_id=appointment.patient_id,
            detail=detail,
            session=session,
        )
    else:
        vault.audit(
            "appointment_outcome_changed",
            patient_id=appointment.patient_id,
            detail={**detail, "previous_outcome": previous.value},
            session=session,
        )


def _open_review_exists(session: Session, patient_id: str, clinic_type: str) -> bool:
    found = session.scalar(
        select(Task.id)
        .join(Appointment, Task.source_id == Appointment.id)
        .join(ClinicSession, Appointment.session_id == ClinicSession.id)
        .where(
            Task.patient_id == patient_id,
            Task.kind == REFUSAL_REVIEW,
            not_closed(),
            ClinicSession.clinic_type == clinic_type,
        )
        .limit(1)
    )
    return found is not None


def _outcomes_newest_first(
    session: Session, patient_id: str, clinic_type: ClinicType
) -> list[Outcome]:
    """The patient's outcomes in clinics of this type, newest session (and period) first."""
    session.flush()
    found = session.scalars(
        select(Appointment.outcome)
        .join(ClinicSession, Appointment.session_id == ClinicSession.id)
        .where(
            Appointment.patient_id == patient_id,
            Appointment.outcome.is_not(None),
            ClinicSession.clinic_type == clinic_type,
        )
        .order_by(
            ClinicSession.session_date.desc(),
            _PERIOD_RANK.desc(),
            Appointment.outcome_at.desc(),
        )
    )
    return [Outcome(o) for o in found if o is not None]


def _refusal_review(
    vault: OpenVault,
    session: Session,
    appointment: Appointment,
    clinic: ClinicSession,
    policy: AttendancePolicy,
) -> str | None:
    """Raise the refusal-review task when the run reaches the threshold; its id, else None."""
    clinic_type = clinic.clinic_type
    if clinic_type not in LTC_CLINICS:
        return None
    outcomes = _outcomes_newest_first(session, appointment.patient_id, clinic_type)
    if not consecutive_refusals_reached(outcomes, policy):
        return None
    if _open_review_exists(session, appointment.patient_id, clinic_type.value):
        return None
    run = consecutive_refusals(outcomes)
    task = Task(
        patient_id=appointment.patient_id,
        kind=REFUSAL_REVIEW,
        title=f"Review repeated refusals: {appointment.reason or clinic_type.value}",
        detail=(
            f"{run} refusals in a row for this review. Discuss with the patient; check capacity, "
            "that the risks of not attending are understood, and agree how care continues."
        ),
        source_id=appointment.id,
    )
    session.add(task)
    session.flush()
    vault.audit(
        "task_raised",
        patient_id=appointment.patient_id,
        detail={"task_id": task.id, "kind": REFUSAL_REVIEW, "appointment_id": appointment.id},
        session=session,
    )
    return task.id


class OutcomeNotes(TypedDict, total=False):
    """What an outcome may need besides its code (`details_for` says which, per outcome)."""

    reason: str | None
    risks_explained: bool | None
    capacity_concern: bool | None
    witness_name: str | None


def record_outcome(
    vault: OpenVault,
    appointment_id: str,
    outcome: str | Outcome,
    *,
    now: datetime | None = None,
    policy: AttendancePolicy = DEFAULT_ATTENDANCE_POLICY,
    **notes: Unpack[OutcomeNotes],
) -> AppointmentView:
    """Record (or correct) how an appointment ended."""
    with user_action(vault, "appointment_outcome_recorded", now=now) as act:
        value = parse_outcome(outcome)
        details = details_for(
            value,
            reason=notes.get("reason"),
            risks_explained=notes.get("risks_explained"),
            capacity_concern=notes.get("capacity_concern"),
            witness_name=notes.get("witness_name"),
        )
        appointment = act.get(Appointment, appointment_id, "appointment")
        clinic = act.get(ClinicSession, appointment.session_id, "clinic session")
        start_if_planned(vault, act.session, clinic)
        # The outcome's own audit link says whether it was recorded or changed (apply_outcome).
        apply_outcome(vault, act.session, appointment, value, details, act.now)
        task_id = None
        if value is Outcome.REFUSED:
            task_id = _refusal_review(vault, act.session, appointment, clinic, policy)
        act.session.flush()
        return with_task(one_appointment_view(act.session, appointment.id), task_id)
