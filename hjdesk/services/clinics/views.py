"""Read models of wing clinics: a session with its appointment list, and one appointment.

Plain frozen dataclasses built inside a session, safe to hand to the UI thread. Lists are shown in
location order (natural order, so A-1-9 comes before A-1-10) because that is the order officers
unlock cells in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hjdesk.clinical.attendance import (
    Attribution,
    AttributionCounts,
    ClinicType,
    Outcome,
    RegimePeriod,
    SessionStatus,
    attendance_summary,
    opens_encounter,
    prompts_release_summary,
)
from hjdesk.clinical.identifiers import is_older_prisoner
from hjdesk.services.common import NAME_NOT_HELD, get_or_error
from hjdesk.services.encounters import standing_encounters
from hjdesk.services.staff_names import name_of, staff_names
from hjdesk.storage.models import Appointment, ClinicSession, Establishment, Patient

WING_SEPARATOR = ";"


def location_key(path: str) -> tuple[tuple[int, int, str], ...]:
    """Natural sort key for a location path: numeric segments compare as numbers."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in path.split("-"))


@dataclass(frozen=True, slots=True)
class AppointmentView:
    """One patient on a clinic list and how the appointment ended (None: no outcome yet).

    `alerts` are the prison alerts (HA, HA1, PEEP, HID); `older_prisoner` is age 50+ on the
    session day. `encounter_id` is the signed encounter that stands for this appointment.
    `refusal_review_task_id` is set only on the view returned by the outcome that raised it.
    """

    id: str
    session_id: str
    session_date: date
    patient_id: str
    name: str
    prison_number: str
    location: str
    position: int
    reason: str
    ltc_condition: str | None
    alerts: tuple[str, ...]
    older_prisoner: bool
    outcome: Outcome | None
    attribution: Attribution | None
    outcome_at: datetime | None
    outcome_by: str | None
    outcome_reason: str | None
    risks_explained: bool | None
    capacity_concern: bool | None
    witness_name: str | None
    rebook_required: bool
    rev: int
    encounter_id: str | None = None
    refusal_review_task_id: str | None = None

    @property
    def opens_encounter(self) -> bool:
        """Seen: the next step is the encounter form."""
        return self.outcome is not None and opens_encounter(self.outcome)

    @property
    def prompt_release_summary(self) -> bool:
        """Transferred or released: produce the transfer/release health summary now."""
        return self.outcome is not None and prompts_release_summary(self.outcome)


@dataclass(frozen=True, slots=True)
class SessionView:
    id: str
    establishment: str
    clinic_type: ClinicType
    session_date: date
    period: RegimePeriod
    wings: tuple[str, ...]
    clinicians: tuple[str, ...]
    clinician_names: tuple[str, ...]
    facilitating_officer: str
    status: SessionStatus
    rev: int
    appointments: tuple[AppointmentView, ...]

    @property
    def without_outcome(self) -> tuple[AppointmentView, ...]:
        return tuple(a for a in self.appointments if a.outcome is None)

    @property
    def attendance(self) -> AttributionCounts:
        return attendance_summary(a.outcome for a in self.appointments if a.outcome is not None)


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """A session as the list of sessions shows it."""

    id: str
    establishment: str
    clinic_type: ClinicType
    session_date: date
    period: RegimePeriod
    wings: tuple[str, ...]
    status: SessionStatus
    appointments: int
    with_outcome: int


def split_wings(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(WING_SEPARATOR) if part)


def appointment_view(
    appointment: Appointment, patient: Patient, session_date: date, encounter_id: str | None
) -> AppointmentView:
    location = patient.location
    return AppointmentView(
        id=appointment.id,
        session_id=appointment.session_id,
        session_date=session_date,
        patient_id=patient.id,
        name=f"{patient.family_name.upper()}, {patient.given_names}",
        prison_number=patient.prison_number,
        location=location.path if location else "",
        position=appointment.position,
        reason=appointment.reason,
        ltc_condition=appointment.ltc_condition,
        alerts=tuple(a.code for a in patient.alerts if a.active),
        older_prisoner=is_older_prisoner(patient.date_of_birth, session_date),
        outcome=appointment.outcome,
        attribution=appointment.attribution,
        outcome_at=appointment.outcome_at,
        outcome_by=appointment.outcome_by,
        outcome_reason=appointment.outcome_reason,
        risks_explained=appointment.risks_explained,
        capacity_concern=appointment.capacity_concern,
        witness_name=appointment.witness_name,
        rebook_required=appointment.rebook_required,
        rev=appointment.rev,
        encounter_id=encounter_id,
    )


def appointment_views(
    session: Session, appointments: Sequence[tuple[Appointment, date]]
) -> list[AppointmentView]:
    """Views of many appointments (with their session dates), in location order."""
    ids = [a.id for a, _ in appointments]
    patient_ids = {a.patient_id for a, _ in appointments}
    patients = {
        p.id: p
        for p in session.scalars(
            select(Patient).where(Patient.id.in_(patient_ids)).options(selectinload(Patient.alerts))
        )
    }
    encounters = {e.appointment_id: e.id for e in standing_encounters(session, appointment_ids=ids)}
    views = [
        appointment_view(a, patients[a.patient_id], day, encounters.get(a.id))
        for a, day in appointments
    ]
    views.sort(key=lambda v: (location_key(v.location), v.position))
    return views


def one_appointment_view(session: Session, appointment_id: str) -> AppointmentView:
    appointment = get_or_error(session, Appointment, appointment_id, "appointment")
    clinic = get_or_error(session, ClinicSession, appointment.session_id, "clinic session")
    return appointment_views(session, [(appointment, clinic.session_date)])[0]


def session_view(session: Session, session_id: str) -> SessionView:
    clinic = get_or_error(session, ClinicSession, session_id, "clinic session")
    code = session.scalar(
        select(Establishment.code).where(Establishment.id == clinic.establishment_id)
    )
    clinicians = tuple(clinic.clinicians or [])
    names = staff_names(session, clinicians)
    rows = session.scalars(select(Appointment).where(Appointment.session_id == session_id))
    return SessionView(
        id=clinic.id,
        establishment=code or "",
        clinic_type=clinic.clinic_type,
        session_date=clinic.session_date,
        period=clinic.period,
        wings=split_wings(clinic.wings),
        clinicians=clinicians,
        clinician_names=tuple(name_of(names, c, nobody=NAME_NOT_HELD) for c in clinicians),
        facilitating_officer=clinic.facilitating_officer,
        status=clinic.status,
        rev=clinic.rev,
        appointments=tuple(appointment_views(session, [(a, clinic.session_date) for a in rows])),
    )


def with_task(view: AppointmentView, task_id: str | None) -> AppointmentView:
    return view if task_id is None else replace(view, refusal_review_task_id=task_id)
