"""Wing clinic sessions and appointment outcomes: attribution, required details, rebooking, reports.

Source: domain.md §5 (outcome/attribution table and rules). Prison-driven non-attendance (not
unlocked, no escort) must never be counted as the patient's choice: HSSIB (2024) found outpatient
"did not attend" rates of 52-57% for people in prison against 26% in the community, largely because
the two were mixed up. The refusal-review threshold is local policy (domain.md §5 [C]).

Decisions (ours, where domain.md is silent):
- "DNA" means DNA_PATIENT_CHOSE only. REFUSED is a refusal, recorded with its own safeguards. Both
  are patient-attributed and together make up the patient's non-attendance.
- Rebooking is required when the patient missed care through no choice of their own and is still
  in our care: every prison- and healthcare-attributed outcome, and the location-attributed ones
  except TRANSFERRED, RELEASED and DECEASED (the patient has left). Patient-attributed outcomes
  are not rebooked automatically: the clinician decides, and repeated refusals raise a review.
- In a run of refusals, outcomes that say nothing about the patient's choice (prison, location,
  healthcare) neither count nor break the run; being seen breaks it; DNA_PATIENT_CHOSE does not
  count (it is not a refusal) and does not break it.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType


class Outcome(enum.StrEnum):
    """How an appointment in a clinic session ended; every appointment ends with exactly one."""

    ATTENDED = "ATTENDED"
    SEEN_AT_CELL_DOOR = "SEEN_AT_CELL_DOOR"
    SEEN_ELSEWHERE = "SEEN_ELSEWHERE"
    REFUSED = "REFUSED"
    DNA_PATIENT_CHOSE = "DNA_PATIENT_CHOSE"
    NOT_UNLOCKED = "NOT_UNLOCKED"
    NO_OFFICER_ESCORT = "NO_OFFICER_ESCORT"
    REGIME_RESTRICTED = "REGIME_RESTRICTED"
    LOCKDOWN_INCIDENT = "LOCKDOWN_INCIDENT"
    AT_COURT = "AT_COURT"
    TRANSFERRED = "TRANSFERRED"
    RELEASED = "RELEASED"
    IN_HOSPITAL = "IN_HOSPITAL"
    IN_SEGREGATION = "IN_SEGREGATION"
    LEGAL_OR_SOCIAL_VISIT = "LEGAL_OR_SOCIAL_VISIT"
    AT_WORK_EDUCATION = "AT_WORK_EDUCATION"
    DECEASED = "DECEASED"
    CANCELLED_BY_HEALTHCARE = "CANCELLED_BY_HEALTHCARE"
    SESSION_OVERRAN = "SESSION_OVERRAN"


class Attribution(enum.StrEnum):
    """Who or what an outcome is attributed to, for reports."""

    SEEN = "SEEN"
    PATIENT = "PATIENT"
    PRISON = "PRISON"
    LOCATION = "LOCATION"
    HEALTHCARE = "HEALTHCARE"


class ClinicType(enum.StrEnum):
    SECOND_STAGE_ASSESSMENT = "SECOND_STAGE_ASSESSMENT"
    LTC_DIABETES = "LTC_DIABETES"
    LTC_HYPERTENSION = "LTC_HYPERTENSION"
    LTC_RESPIRATORY = "LTC_RESPIRATORY"
    LTC_EPILEPSY = "LTC_EPILEPSY"
    OLDER_PRISONER = "OLDER_PRISONER"
    MH_IN_REACH = "MH_IN_REACH"
    IMMS_SCREENING = "IMMS_SCREENING"
    SMOKING_CESSATION = "SMOKING_CESSATION"
    NEURODIVERSITY = "NEURODIVERSITY"
    GENERAL_NURSE = "GENERAL_NURSE"


class RegimePeriod(enum.StrEnum):
    """Part of the prison day: morning, afternoon, evening duty."""

    AM = "AM"
    PM = "PM"
    ED = "ED"


class SessionStatus(enum.StrEnum):
    PLANNED = "PLANNED"
    IN_PROGRESS = "IN_PROGRESS"
    CLOSED = "CLOSED"


_ATTRIBUTION: Mapping[Outcome, Attribution] = MappingProxyType(
    {
        Outcome.ATTENDED: Attribution.SEEN,
        Outcome.SEEN_AT_CELL_DOOR: Attribution.SEEN,
        Outcome.SEEN_ELSEWHERE: Attribution.SEEN,
        Outcome.REFUSED: Attribution.PATIENT,
        Outcome.DNA_PATIENT_CHOSE: Attribution.PATIENT,
        Outcome.NOT_UNLOCKED: Attribution.PRISON,
        Outcome.NO_OFFICER_ESCORT: Attribution.PRISON,
        Outcome.REGIME_RESTRICTED: Attribution.PRISON,
        Outcome.LOCKDOWN_INCIDENT: Attribution.PRISON,
        Outcome.AT_COURT: Attribution.LOCATION,
        Outcome.TRANSFERRED: Attribution.LOCATION,
        Outcome.RELEASED: Attribution.LOCATION,
        Outcome.IN_HOSPITAL: Attribution.LOCATION,
        Outcome.IN_SEGREGATION: Attribution.LOCATION,
        Outcome.LEGAL_OR_SOCIAL_VISIT: Attribution.LOCATION,
        Outcome.AT_WORK_EDUCATION: Attribution.LOCATION,
        Outcome.DECEASED: Attribution.LOCATION,
        Outcome.CANCELLED_BY_HEALTHCARE: Attribution.HEALTHCARE,
        Outcome.SESSION_OVERRAN: Attribution.HEALTHCARE,
    }
)

PRISON_OUTCOMES: tuple[Outcome, ...] = tuple(
    o for o in Outcome if _ATTRIBUTION[o] is Attribution.PRISON
)
_PATIENT_HAS_LEFT = frozenset({Outcome.TRANSFERRED, Outcome.RELEASED, Outcome.DECEASED})

_SESSION_TRANSITIONS = frozenset(
    {
        (SessionStatus.PLANNED, SessionStatus.IN_PROGRESS),
        (SessionStatus.IN_PROGRESS, SessionStatus.CLOSED),
        # A session that never ran (e.g. a lockdown) is closed with every appointment cancelled.
        (SessionStatus.PLANNED, SessionStatus.CLOSED),
    }
)


@dataclass(frozen=True, slots=True)
class AttendancePolicy:
    """Local attendance policy (domain.md §5 [C])."""

    refusal_review_threshold: int = 3

    def __post_init__(self) -> None:
        if self.refusal_review_threshold < 1:
            raise ValueError("The refusal review threshold must be at least 1 refusal")


DEFAULT_ATTENDANCE_POLICY = AttendancePolicy()


@dataclass(frozen=True, slots=True)
class OutcomeDetails:
    """What was recorded with an outcome; None means 'not answered'."""

    reason: str | None = None
    risks_explained: bool | None = None
    capacity_concern: bool | None = None
    witness_name: str | None = None


def attribution(outcome: Outcome) -> Attribution:
    return _ATTRIBUTION[Outcome(outcome)]


def is_seen(outcome: Outcome) -> bool:
    return attribution(outcome) is Attribution.SEEN


def is_dna(outcome: Outcome) -> bool:
    """Did not attend by the patient's choice. Never true for a prison-attributed outcome."""
    return Outcome(outcome) is Outcome.DNA_PATIENT_CHOSE


def counts_as_patient_non_attendance(outcome: Outcome) -> bool:
    """Refusals and DNAs: the only outcomes that count against the patient."""
    return attribution(outcome) is Attribution.PATIENT


def opens_encounter(outcome: Outcome) -> bool:
    """A seen outcome leads to an encounter record."""
    return is_seen(outcome)


def prompts_release_summary(outcome: Outcome) -> bool:
    """The patient has moved on: prompt the transfer/release health summary (domain.md §9)."""
    return Outcome(outcome) in (Outcome.TRANSFERRED, Outcome.RELEASED)


def requires_rebook(outcome: Outcome) -> bool:
    """The patient missed care through no choice of their own and is still ours to see."""
    outcome = Outcome(outcome)
    who = attribution(outcome)
    if who in (Attribution.PRISON, Attribution.HEALTHCARE):
        return True
    return who is Attribution.LOCATION and outcome not in _PATIENT_HAS_LEFT


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def validate_outcome(outcome: Outcome, details: OutcomeDetails) -> list[str]:
    """Problems that stop the outcome being saved; an empty list means it is complete."""
    outcome = Outcome(outcome)
    problems: list[str] = []
    if outcome is Outcome.REFUSED:
        if details.risks_explained is None:
            problems.append("Record whether the risks of refusing were explained (yes or no).")
        if details.capacity_concern is None:
            problems.append("Record whether there is a concern about capacity (yes or no).")
        if _blank(details.witness_name):
            problems.append("Record the name of the witness to the refusal.")
    if attribution(outcome) is Attribution.PRISON and _blank(details.reason):
        problems.append(
            "Give the reason the prison could not bring the patient (it goes on the exception "
            "report)."
        )
    return problems


def consecutive_refusals(
    outcomes_newest_first: Iterable[Outcome],
) -> int:
    """Refusals in the current run for one review, newest first; see the module decisions."""
    run = 0
    for raw in outcomes_newest_first:
        outcome = Outcome(raw)
        if outcome is Outcome.REFUSED:
            run += 1
        elif is_seen(outcome):
            break
    return run


def consecutive_refusals_reached(
    outcomes_newest_first: Iterable[Outcome],
    policy: AttendancePolicy = DEFAULT_ATTENDANCE_POLICY,
) -> bool:
    """True when the run of refusals for the same review reaches the threshold: raise a review."""
    return consecutive_refusals(outcomes_newest_first) >= policy.refusal_review_threshold


def check_session_transition(current: SessionStatus, new: SessionStatus) -> None:
    """Raise ValueError unless a clinic session may move from `current` to `new`."""
    if (SessionStatus(current), SessionStatus(new)) not in _SESSION_TRANSITIONS:
        raise ValueError(f"A clinic session cannot go from {current} to {new}")


@dataclass(frozen=True, slots=True)
class AttributionCounts:
    """Appointments counted by attribution."""

    seen: int = 0
    patient: int = 0
    prison: int = 0
    location: int = 0
    healthcare: int = 0

    @property
    def total(self) -> int:
        return self.seen + self.patient + self.prison + self.location + self.healthcare

    def count(self, who: Attribution) -> int:
        return int(getattr(self, Attribution(who).value.lower()))


def attendance_summary(outcomes: Iterable[Outcome]) -> AttributionCounts:
    """Appointments by attribution (the 'attendance by attribution' metric)."""
    tally = Counter(attribution(o) for o in outcomes)
    return AttributionCounts(**{who.value.lower(): tally[who] for who in Attribution})


@dataclass(frozen=True, slots=True)
class AppointmentRow:
    """One ended appointment, as the exception report needs it."""

    wing: str
    day: date
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class WingWeekFigures:
    """Exception-report figures for one wing in one ISO week (Monday to Sunday).

    `prison_by_outcome` holds every prison-attributed outcome, zero where none occurred.
    """

    wing: str
    iso_year: int
    iso_week: int
    week_start: date
    by_attribution: AttributionCounts
    prison_by_outcome: Mapping[Outcome, int] = field(hash=False)

    @property
    def prison_non_attendance(self) -> int:
        return self.by_attribution.prison


def exception_figures(rows: Iterable[AppointmentRow]) -> list[WingWeekFigures]:
    """Per wing, per ISO week: counts by attribution and prison-driven non-attendance.

    Sorted by wing, then week. Weeks are ISO weeks, so 30 December 2024 is in 2025 week 1.
    """
    groups: dict[tuple[str, int, int], list[Outcome]] = {}
    for row in rows:
        iso = row.day.isocalendar()
        groups.setdefault((row.wing, iso.year, iso.week), []).append(Outcome(row.outcome))
    figures: list[WingWeekFigures] = []
    for (wing, iso_year, iso_week), outcomes in sorted(groups.items()):
        tally = Counter(outcomes)
        figures.append(
            WingWeekFigures(
                wing=wing,
                iso_year=iso_year,
                iso_week=iso_week,
                week_start=date.fromisocalendar(iso_year, iso_week, 1),
                by_attribution=attendance_summary(outcomes),
                prison_by_outcome=MappingProxyType({o: tally[o] for o in PRISON_OUTCOMES}),
            )
        )
    return figures
