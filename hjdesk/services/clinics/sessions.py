"""Wing clinic sessions (domain.md §5): plan a session and its list, run it, close it.

Outcomes are recorded in clinic_outcomes, reports built in clinic_reports; the read models live
in clinic_views. Re-exported here so callers need one import.

Decisions (ours):
- Sessions are planned and run by clinical staff (HCAs included); ADMIN staff, who are not
  clinicians, may read lists and reports but not book patients, because a list carries clinical
  reasons.
- A session is closed only when every appointment has an outcome; the refusal names the list
  positions and locations still open (not names: error messages carry no identifiers). A session
  that could not run (a lockdown) is closed with `remaining_outcome` (and its reason, always
  required) applied to every appointment still open. That outcome must be one the prison or
  healthcare caused (`BULK_OUTCOMES`): a seen outcome or a refusal needs a person in front of the
  nurse, "did not attend (patient chose)" is a statement about one patient's choice (recording it
  for a whole list would turn prison-caused non-attendance into the patient's), and court, hospital
  or a move are facts about one person.
- Patients added by hand go to the end of the stored order; lists are shown in location order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import NoReturn, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hjdesk.clinical.attendance import (
    Attribution,
    ClinicType,
    Outcome,
    RegimePeriod,
    SessionStatus,
    attribution,
    check_session_transition,
)
from hjdesk.clinical.identifiers import format_location, parse_location
from hjdesk.services.actions import UserAction, user_action
from hjdesk.services.clinics import lists as clinic_lists
from hjdesk.services.clinics.outcomes import (
    apply_outcome,
    details_for,
    parse_outcome,
    record_outcome,
)
from hjdesk.services.clinics.views import (
    WING_SEPARATOR,
    AppointmentView,
    SessionSummary,
    SessionView,
    location_key,
    one_appointment_view,
    split_wings,
)
from hjdesk.services.clinics.views import session_view as build_session_view
from hjdesk.services.common import patient_or_error
from hjdesk.services.permissions import require
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import Appointment, ClinicSession, Establishment, Location, Staff
from hjdesk.storage.vault import OpenVault

__all__ = [
    "AppointmentView",
    "OutcomesMissing",
    "SessionSummary",
    "SessionView",
    "add_to_session",
    "appointment_view",
    "clinic_wings",
    "close_session",
    "create_session",
    "list_sessions",
    "record_outcome",
    "session_view",
    "start_session",
]


class OutcomesMissing(InvalidInput):
    """A session cannot close while appointments have no outcome; `appointment_ids` names them."""

    def __init__(self, message: str, appointment_ids: tuple[str, ...]) -> None:
        super().__init__(message)
        self.appointment_ids = appointment_ids


_E = TypeVar("_E", ClinicType, RegimePeriod, SessionStatus)


def _enum(kind: type[_E], value: object, what: str) -> _E:
    try:
        return kind(str(value).strip().upper())
    except ValueError:
        choices = ", ".join(k.value for k in kind)
        raise InvalidInput(f"{value!r} is not a {what}: choose one of {choices}.") from None


def _establishment(session: Session, code: str | None) -> Establishment:
    if code:
        found = session.scalar(select(Establishment).where(Establishment.code == code.upper()))
        if found is None:
            raise InvalidInput(f"Establishment {code.upper()} is not in this vault.")
        return found
    every = list(session.scalars(select(Establishment).limit(2)))
    if len(every) != 1:
        raise InvalidInput("Choose the establishment for this clinic.")
    return every[0]


def _targets(session: Session, establishment_id: str, wings: Sequence[str]) -> list[str]:
    targets: list[str] = []
    problems: list[str] = []
    for text in wings:
        try:
            target = format_location(parse_location(text))
        except ValueError as exc:
            problems.append(f"{exc}.")
            continue
        exists = session.scalar(
            select(Location.id)
            .where(Location.establishment_id == establishment_id)
            .where(clinic_lists.wing_filter([target]))
            .limit(1)
        )
        if exists is None:
            problems.append(f"There is no wing or landing {target} in this establishment.")
        elif target not in targets:
            targets.append(target)
    if not targets and not problems:
        problems.append("Choose at least one wing or landing for the clinic.")
    if problems:
        raise InvalidInput(" ".join(problems))
    return targets


def _clinicians(session: Session, staff_ids: Sequence[str]) -> list[str]:
    ids = list(dict.fromkeys(s for s in staff_ids if s))
    found = set(session.scalars(select(Staff.id).where(Staff.id.in_(ids), Staff.active)))
    if not ids or len(found) != len(ids):
        raise InvalidInput("Choose the clinicians for this session from the active staff list.")
    return ids


def _book(
    act: UserAction, clinic: ClinicSession, candidate: clinic_lists.Candidate, position: int
) -> None:
    """Put one patient on the list (every booking is its own audit link)."""
    act.session.add(
        Appointment(
            session_id=clinic.id,
            patient_id=candidate.patient_id,
            position=position,
            reason=candidate.reason,
            ltc_condition=candidate.ltc_condition,
            location=candidate.location[:60] or None,
        )
    )
    act.audit(
        kind="appointment_booked",
        patient_id=candidate.patient_id,
        detail={"session_id": clinic.id, "clinic_type": clinic.clinic_type},
    )


def create_session(
    vault: OpenVault,
    *,
    clinic_type: str | ClinicType,
    session_date: date,
    period: str | RegimePeriod,
    wings: Sequence[str],
    clinicians: Sequence[str] | None = None,
    facilitating_officer: str = "",
    establishment: str | None = None,
) -> SessionView:
    """Plan a session; its list is filled from the roll of the wings by the clinic's purpose."""
    with user_action(vault, "clinic_session_created") as act:
        kind = _enum(ClinicType, clinic_type, "clinic type")
        part = _enum(RegimePeriod, period, "regime period (AM, PM or ED)")
        staff = clinicians if clinicians is not None else [act.actor.staff_id or ""]
        est = _establishment(act.session, establishment)
        targets = _targets(act.session, est.id, wings)
        clinic = ClinicSession(
            establishment_id=est.id,
            clinic_type=kind,
            session_date=session_date,
            period=part,
            wings=WING_SEPARATOR.join(targets),
            clinicians=_clinicians(act.session, staff),
            facilitating_officer=facilitating_officer.strip(),
            status=SessionStatus.PLANNED,
        )
        act.session.add(clinic)
        act.session.flush()
        found = clinic_lists.candidates(act.session, est.id, targets, kind, session_date)
        for position, candidate in enumerate(found):
            _book(act, clinic, candidate, position)
        act.audit(
            detail={"session_id": clinic.id, "clinic_type": kind.value, "appointments": len(found)}
        )
        return build_session_view(act.session, clinic.id)


def add_to_session(
    vault: OpenVault, session_id: str, patient_id: str, reason: str
) -> AppointmentView:
    """Add one patient to a session's list by hand."""
    with user_action(vault, "appointment_booked") as act:
        if not reason.strip():
            raise InvalidInput("Give the reason for the appointment.")
        session = act.session
        clinic = act.get(ClinicSession, session_id, "clinic session")
        patient = patient_or_error(session, patient_id)
        if clinic.status == SessionStatus.CLOSED:
            raise InvalidInput("This session is closed: book the patient into another session.")
        if not patient.on_roll or patient.establishment_id != clinic.establishment_id:
            raise InvalidInput("This patient is not on this establishment's roll.")
        booked = session.scalar(
            select(Appointment.id).where(
                Appointment.session_id == session_id, Appointment.patient_id == patient_id
            )
        )
        if booked is not None:
            raise InvalidInput("This patient is already on the session's list.")
        last = session.scalar(
            select(func.max(Appointment.position)).where(Appointment.session_id == session_id)
        )
        location = patient.location.path if patient.location else ""
        candidate = clinic_lists.Candidate(patient_id, location, reason.strip()[:200], None)
        _book(act, clinic, candidate, 0 if last is None else last + 1)
        session.flush()
        appointment_id = session.scalar(
            select(Appointment.id).where(
                Appointment.session_id == session_id, Appointment.patient_id == patient_id
            )
        )
        return one_appointment_view(session, appointment_id or "")


def list_sessions(
    vault: OpenVault,
    *,
    date: date | None = None,
    status: str | SessionStatus | None = None,
) -> tuple[SessionSummary, ...]:
    """Sessions, newest day first, optionally for one day and/or one status."""
    require(vault.actor, "view_caseload")
    query = (
        select(
            ClinicSession,
            Establishment.code,
            func.count(Appointment.id),
            func.count(Appointment.outcome),
        )
        .join(Establishment, ClinicSession.establishment_id == Establishment.id)
        .outerjoin(Appointment, Appointment.session_id == ClinicSession.id)
        .group_by(ClinicSession.id, Establishment.code)
        .order_by(ClinicSession.session_date.desc(), ClinicSession.period, ClinicSession.id)
    )
    if date is not None:
        query = query.where(ClinicSession.session_date == date)
    if status is not None:
        query = query.where(ClinicSession.status == _enum(SessionStatus, status, "session status"))
    with vault.session() as session:
        return tuple(
            SessionSummary(
                id=clinic.id,
                establishment=code,
                clinic_type=clinic.clinic_type,
                session_date=clinic.session_date,
                period=clinic.period,
                wings=split_wings(clinic.wings),
                status=clinic.status,
                appointments=total,
                with_outcome=done,
            )
            for clinic, code, total, done in session.execute(query)
        )


def clinic_wings(vault: OpenVault) -> tuple[str, ...]:
    """Every wing with a location in the vault, in natural order: what a clinic can target."""
    require(vault.actor, "view_caseload")
    with vault.session() as session:
        wings = set(session.scalars(select(Location.wing).distinct()))
    return tuple(sorted(wings, key=location_key))


def appointment_view(vault: OpenVault, appointment_id: str) -> AppointmentView:
    """One appointment as its session's list shows it (for the encounter form it leads to)."""
    require(vault.actor, "view_caseload")
    with vault.session() as session:
        return one_appointment_view(session, appointment_id)


def session_view(vault: OpenVault, session_id: str) -> SessionView:
    """One session with its list; opening a list of patients is audited."""
    with user_action(vault, "view_caseload") as act:
        view = build_session_view(act.session, session_id)
        act.audit(kind="view_clinic_session", detail={"session_id": session_id})
    return view


def _move(act: UserAction, clinic: ClinicSession, new: SessionStatus) -> None:
    try:
        check_session_transition(clinic.status, new)
    except ValueError:
        raise InvalidInput(
            f"This session is {clinic.status.lower().replace('_', ' ')}: it cannot be "
            f"{'started' if new is SessionStatus.IN_PROGRESS else 'closed'}."
        ) from None
    clinic.status = new
    kind = "clinic_session_started" if new is SessionStatus.IN_PROGRESS else "clinic_session_closed"
    act.audit(kind=kind, detail={"session_id": clinic.id})


def start_session(vault: OpenVault, session_id: str) -> SessionView:
    with user_action(vault, "clinic_session_run") as act:
        clinic = act.get(ClinicSession, session_id, "clinic session")
        _move(act, clinic, SessionStatus.IN_PROGRESS)
        return build_session_view(act.session, session_id)


# Outcomes that may be recorded for everyone still waiting: what the prison or healthcare caused.
BULK_OUTCOMES = tuple(
    o for o in Outcome if attribution(o) in (Attribution.PRISON, Attribution.HEALTHCARE)
)


def _fill_remaining(
    vault: OpenVault,
    session: Session,
    open_rows: Sequence[Appointment],
    remaining: str | Outcome,
    reason: str | None,
    when: datetime,
) -> None:
    outcome = parse_outcome(remaining)
    if outcome not in BULK_OUTCOMES:
        raise InvalidInput(
            "Only a prison or healthcare reason (not unlocked, no escort, regime, lockdown, "
            "cancelled, overran) can be recorded for a whole list; record other outcomes one "
            "patient at a time."
        )
    if not (reason or "").strip():
        raise InvalidInput("Give the reason the clinic could not see everyone still waiting.")
    details = details_for(
        outcome, reason=reason, risks_explained=None, capacity_concern=None, witness_name=None
    )
    for appointment in open_rows:
        apply_outcome(vault, session, appointment, outcome, details, when)


def close_session(
    vault: OpenVault,
    session_id: str,
    *,
    remaining_outcome: str | Outcome | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> SessionView:
    """Close a session once every appointment has an outcome (see the module decisions)."""
    with user_action(vault, "clinic_session_run", now=now) as act:
        clinic = act.get(ClinicSession, session_id, "clinic session")
        open_rows = list(
            act.session.scalars(
                select(Appointment).where(
                    Appointment.session_id == session_id, Appointment.outcome.is_(None)
                )
            )
        )
        if clinic.status == SessionStatus.CLOSED:
            raise InvalidInput("This session is already closed.")
        if open_rows and remaining_outcome is not None:
            _fill_remaining(vault, act.session, open_rows, remaining_outcome, reason, act.now)
        elif open_rows:
            _outcomes_missing(act.session, session_id)
        _move(act, clinic, SessionStatus.CLOSED)
        return build_session_view(act.session, session_id)


def _outcomes_missing(session: Session, session_id: str) -> NoReturn:
    view = build_session_view(session, session_id)
    missing = view.without_outcome
    where = ", ".join(f"{a.location or 'no location'}" for a in missing)
    raise OutcomesMissing(
        f"{len(missing)} appointment(s) have no outcome yet ({where}). Record an outcome "
        "for each before closing the session.",
        tuple(a.id for a in missing),
    )
