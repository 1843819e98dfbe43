"""Clinic reports: attendance by attribution, the prison exception report, the rebook list.

The figures come from clinical.attendance (exception_figures, attendance_summary): prison-driven
non-attendance is reported on its own and never counted as a DNA (domain.md §5). Exception figures
carry no patient identifiers, so they can go to the prison; the rebook list names patients and is
audited as a view.

Decision (ours): an appointment counts against the wing its session targeted. For a session over
several wings, it is the wing the patient was on at the appointment (the location kept when the
outcome was recorded, else when booked) when that is one of the targets, else the first target.
Appointments from before that location was kept fall back to the patient's present wing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hjdesk.clinical.attendance import (
    AppointmentRow,
    Attribution,
    AttributionCounts,
    Outcome,
    RegimePeriod,
    WingWeekFigures,
    attendance_summary,
    attribution,
    exception_figures,
    is_dna,
)
from hjdesk.services.actions import user_action
from hjdesk.services.clinics.views import AppointmentView, appointment_views, split_wings
from hjdesk.services.permissions import require
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import Appointment, ClinicSession, Establishment, Location, Patient
from hjdesk.storage.vault import OpenVault


@dataclass(frozen=True, slots=True)
class PrisonException:
    """One prison-attributed non-attendance, without identifiers, for the prison's copy."""

    day: date
    wing: str
    period: RegimePeriod
    clinic_type: str
    outcome: Outcome
    reason: str


@dataclass(frozen=True, slots=True)
class ExceptionReport:
    """Per wing per ISO week figures, totals by attribution, and the prison exceptions."""

    establishment: str | None
    start: date
    end: date
    weeks: tuple[WingWeekFigures, ...]
    totals: AttributionCounts
    dna: int
    refused: int
    exceptions: tuple[PrisonException, ...]


@dataclass(frozen=True, slots=True)
class DayWingFigures:
    wing: str
    by_attribution: AttributionCounts
    prison_by_outcome: Mapping[Outcome, int] = field(hash=False)
    rebook_required: int = 0

    @property
    def prison_non_attendance(self) -> int:
        return self.by_attribution.prison


@dataclass(frozen=True, slots=True)
class DailyExceptions:
    day: date
    wings: tuple[DayWingFigures, ...]
    exceptions: tuple[PrisonException, ...]


@dataclass(frozen=True, slots=True)
class _Ended:
    day: date
    wing: str
    period: RegimePeriod
    clinic_type: str
    outcome: Outcome
    reason: str
    rebook: bool


def _wing(targets: tuple[str, ...], current: str | None) -> str:
    wings = [t.split("-")[0] for t in targets]
    if current is not None and current in wings:
        return current
    return wings[0] if wings else ""


def _ended(session: Session, start: date, end: date, establishment: str | None) -> list[_Ended]:
    query = (
        select(
            Appointment.outcome,
            Appointment.outcome_reason,
            Appointment.rebook_required,
            ClinicSession.session_date,
            ClinicSession.wings,
            ClinicSession.period,
            ClinicSession.clinic_type,
            func.coalesce(Appointment.location, Location.path),
        )
        .join(ClinicSession, Appointment.session_id == ClinicSession.id)
        .join(Patient, Appointment.patient_id == Patient.id)
        .outerjoin(Location, Patient.location_id == Location.id)
        .where(
            Appointment.outcome.is_not(None),
            ClinicSession.session_date >= start,
            ClinicSession.session_date <= end,
        )
    )
    if establishment:
        query = query.join(Establishment, ClinicSession.establishment_id == Establishment.id).where(
            Establishment.code == establishment.upper()
        )
    return [
        _Ended(
            day=day,
            wing=_wing(split_wings(wings), current.split("-")[0] if current else None),
            period=RegimePeriod(period),
            clinic_type=clinic_type,
            outcome=Outcome(outcome or ""),
            reason=reason or "",
            rebook=rebook,
        )
        for outcome, reason, rebook, day, wings, period, clinic_type, current in session.execute(
            query
        )
    ]


def _exceptions(rows: list[_Ended]) -> tuple[PrisonException, ...]:
    found = [
        PrisonException(r.day, r.wing, r.period, r.clinic_type, r.outcome, r.reason)
        for r in rows
        if attribution(r.outcome) is Attribution.PRISON
    ]
    return tuple(sorted(found, key=lambda e: (e.day, e.wing, e.period.value, e.outcome.value)))


def _check_range(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput("The end of the report period is before its start.")


def exception_report(
    vault: OpenVault, *, start: date, end: date, establishment: str | None = None
) -> ExceptionReport:
    """Attendance by attribution and prison-driven non-attendance per wing per week."""
    require(vault.actor, "view_caseload")
    _check_range(start, end)
    with vault.session() as session:
        rows = _ended(session, start, end, establishment)
    return ExceptionReport(
        establishment=establishment.upper() if establishment else None,
        start=start,
        end=end,
        weeks=tuple(exception_figures(AppointmentRow(r.wing, r.day, r.outcome) for r in rows)),
        totals=attendance_summary(r.outcome for r in rows),
        dna=sum(1 for r in rows if is_dna(r.outcome)),
        refused=sum(1 for r in rows if r.outcome is Outcome.REFUSED),
        exceptions=_exceptions(rows),
    )


def daily_exceptions(
    vault: OpenVault, day: date, *, establishment: str | None = None
) -> DailyExceptions:
    """One day's figures per wing: what the Head of Healthcare and the prison see each day."""
    require(vault.actor, "view_caseload")
    with vault.session() as session:
        rows = _ended(session, day, day, establishment)
    rebooks = Counter(r.wing for r in rows if r.rebook)
    wings = tuple(
        DayWingFigures(
            wing=figures.wing,
            by_attribution=figures.by_attribution,
            prison_by_outcome=figures.prison_by_outcome,
            rebook_required=rebooks[figures.wing],
        )
        # All rows fall in one ISO week, so the weekly figures are the day's figures.
        for figures in exception_figures(AppointmentRow(r.wing, r.day, r.outcome) for r in rows)
    )
    return DailyExceptions(day=day, wings=wings, exceptions=_exceptions(rows))


def rebook_list(
    vault: OpenVault,
    *,
    session_id: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> tuple[AppointmentView, ...]:
    """Appointments that must be rebooked, for one session or for a date range."""
    with user_action(vault, "view_caseload") as act:
        query = select(Appointment, ClinicSession.session_date).join(
            ClinicSession, Appointment.session_id == ClinicSession.id
        )
        if session_id is not None:
            query = query.where(Appointment.session_id == session_id)
        elif start is not None and end is not None:
            _check_range(start, end)
            query = query.where(
                ClinicSession.session_date >= start, ClinicSession.session_date <= end
            )
        else:
            raise InvalidInput("Choose a session, or a start and end date, for the rebook list.")
        query = query.where(Appointment.rebook_required.is_(True))
        found = [(a, d) for a, d in act.session.execute(query)]
        views = appointment_views(act.session, found)
        views.sort(key=lambda v: v.session_date)
        act.audit(
            kind="view_rebook_list",
            detail={"session_id": session_id, "appointments": len(views)},
        )
    return tuple(views)


def appointment_ids(vault: OpenVault, *, start: date, end: date) -> list[str]:
    """Every appointment in sessions from `start` to `end` inclusive (a printout's records)."""
    require(vault.actor, "view_caseload")
    _check_range(start, end)
    with vault.session() as session:
        return list(
            session.scalars(
                select(Appointment.id)
                .join(ClinicSession, Appointment.session_id == ClinicSession.id)
                .where(ClinicSession.session_date >= start, ClinicSession.session_date <= end)
            )
        )
