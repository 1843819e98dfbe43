"""The overdue-reviews worklist (domain.md §7-8, printed output 6): care plans, LTC reviews,
diabetes care processes, second-stage assessments and older-prisoner reviews, for an establishment
or a wing.

Built from a handful of grouped queries (never one per patient), then the clinical rules decide
each due date. Only signed encounters that still stand count: an entry amended by a later one, or
marked entered in error, is ignored.

Decisions (ours, where domain.md is silent):
- LTC review never recorded: due from the later of the condition's onset and the reception date
  (the first day we could have reviewed it here); today if neither is known. Counting from onset
  alone would show a decade-old condition as years overdue in a prison that has held the patient
  for a week.
- Diabetes care processes: one row per patient listing the processes not up to date; a process
  never recorded counts as due from the same date as a never-done LTC review. A process counts as
  done by the latest signed measurement with its code (CARE_PROCESS_CODES).
- Second-stage assessment: done by a signed SECOND_STAGE_ASSESSMENT encounter on or after the
  reception day. Receptions older than `second_stage_lookback_days` (90 [C]) that still have none
  are listed in their own group (`second_stage_long_overdue`), so they neither bury this week's
  arrivals nor drop out of sight: the gap stays visible until the assessment is done or the person
  leaves the roll.
- Older-prisoner review: first flagged on the later of the 50th birthday and the reception date.
- A row is listed when overdue or due within `due_soon_days` (14 [C]); care plans use the
  care-plan REVIEW_DUE window so this list agrees with the plan's own status.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, aliased

from hjdesk.clinical.care_plans import DEFAULT_CARE_PLAN_POLICY, CarePlanPolicy
from hjdesk.clinical.dates import add_months
from hjdesk.clinical.identifiers import is_older_prisoner
from hjdesk.clinical.ltc import (
    DEFAULT_LTC_POLICY,
    DiabetesCareProcess,
    LtcCondition,
    LtcPolicy,
    diabetes_care_processes_status,
    next_ltc_review_due,
)
from hjdesk.clinical.reception import (
    DEFAULT_RECEPTION_POLICY,
    ReceptionPolicy,
    older_prisoner_review_due,
    second_stage_due,
)
from hjdesk.services.care_plans import DisplayStatus, care_process_names, list_rows
from hjdesk.services.common import local_today
from hjdesk.services.labels import PatientLabel, local_date, roll_labels
from hjdesk.services.permissions import require
from hjdesk.storage.models import Condition, Encounter, Measurement
from hjdesk.storage.vault import OpenVault

LTC_REVIEW = "LTC_REVIEW"
OLDER_PRISONER_REVIEW = "OLDER_PRISONER_REVIEW"
SECOND_STAGE_ASSESSMENT = "SECOND_STAGE_ASSESSMENT"
# Measurement codes recorded by the encounter forms for each care process (NICE QS209).
CARE_PROCESS_CODES: dict[DiabetesCareProcess, str] = {
    DiabetesCareProcess.HBA1C: "HBA1C",
    DiabetesCareProcess.BLOOD_PRESSURE: "BP_SYSTOLIC",
    DiabetesCareProcess.CHOLESTEROL: "CHOLESTEROL",
    DiabetesCareProcess.SERUM_CREATININE: "CREATININE",
    DiabetesCareProcess.URINE_ALBUMIN_CREATININE_RATIO: "UACR",
    DiabetesCareProcess.FOOT_EXAMINATION: "FOOT_RISK",
    DiabetesCareProcess.BMI: "BMI",
    DiabetesCareProcess.SMOKING_STATUS: "SMOKING_STATUS",
    DiabetesCareProcess.RETINAL_SCREENING: "RETINAL_SCREENING",
}
CONDITION_NAMES = {
    LtcCondition.DIABETES: "Diabetes",
    LtcCondition.HYPERTENSION: "Hypertension",
    LtcCondition.ASTHMA: "Asthma",
    LtcCondition.COPD: "COPD",
    LtcCondition.EPILEPSY: "Epilepsy",
}


class DueKind(enum.StrEnum):
    CARE_PLAN = "CARE_PLAN"
    LTC_REVIEW = "LTC_REVIEW"
    DIABETES_CARE_PROCESSES = "DIABETES_CARE_PROCESSES"
    SECOND_STAGE_ASSESSMENT = "SECOND_STAGE_ASSESSMENT"
    OLDER_PRISONER_REVIEW = "OLDER_PRISONER_REVIEW"


@dataclass(frozen=True, slots=True)
class ReviewsDuePolicy:
    """How far ahead "due soon" looks and how far back second-stage gaps are chased [C]."""

    due_soon_days: int = 14
    second_stage_lookback_days: int = 90


DEFAULT_REVIEWS_DUE_POLICY = ReviewsDuePolicy()


@dataclass(frozen=True, slots=True)
class DueRow:
    kind: DueKind
    patient_id: str
    display_name: str
    prison_number: str
    location: str
    wing: str
    what: str
    due_date: date
    overdue: bool
    days_overdue: int
    record_id: str | None = None  # the care plan, for CARE_PLAN rows
    condition: str | None = None
    items: tuple[str, ...] = ()  # care process codes, for DIABETES_CARE_PROCESSES rows


@dataclass(frozen=True, slots=True)
class OverdueReport:
    today: date
    establishment: str | None
    wing: str | None
    care_plans: tuple[DueRow, ...]
    ltc_reviews: tuple[DueRow, ...]
    diabetes_care_processes: tuple[DueRow, ...]
    second_stage_assessments: tuple[DueRow, ...]
    older_prisoner_reviews: tuple[DueRow, ...]
    second_stage_long_overdue: tuple[DueRow, ...] = ()

    @property
    def all_rows(self) -> tuple[DueRow, ...]:
        return (
            self.care_plans
            + self.ltc_reviews
            + self.diabetes_care_processes
            + self.second_stage_assessments
            + self.older_prisoner_reviews
            + self.second_stage_long_overdue
        )


def _row(
    kind: DueKind,
    label: PatientLabel,
    what: str,
    due: date,
    today: date,
    *,
    record_id: str | None = None,
    condition: str | None = None,
    items: tuple[str, ...] = (),
) -> DueRow:
    return DueRow(
        kind,
        label.id,
        label.display_name,
        label.prison_number,
        label.location,
        label.wing,
        what,
        due,
        today > due,
        max(0, (today - due).days),
        record_id=record_id,
        condition=condition,
        items=items,
    )


def _sorted(rows: Iterable[DueRow]) -> tuple[DueRow, ...]:
    return tuple(sorted(rows, key=lambda r: (r.due_date, r.display_name, r.what)))


def standing_where(kind: str) -> tuple[ColumnElement[bool], ...]:
    """Signed, not entered in error, and not amended by a later entry."""
    later = aliased(Encounter)
    amended = select(later.amends_id).where(later.amends_id.is_not(None))
    return (
        Encounter.kind == kind,
        Encounter.signed_at.is_not(None),
        Encounter.entered_in_error.is_(False),
        Encounter.id.not_in(amended),
    )


def voided_encounters() -> Select[str]:
    """Ids of encounters that no longer stand: entered in error, or amended by a later entry."""
    later = aliased(Encounter)
    amended = select(later.amends_id).where(later.amends_id.is_not(None))
    return select(Encounter.id).where(
        Encounter.entered_in_error.is_(True) | Encounter.id.in_(amended)
    )


def _latest_encounters(session: Session, kind: str) -> dict[str, datetime]:
    query = (
        select(Encounter.patient_id, func.max(Encounter.started_at))
        .where(*standing_where(kind))
        .group_by(Encounter.patient_id)
    )
    return {pid: at for pid, at in session.execute(query) if at is not None}


def _due_soon(due: date, today: date, policy: ReviewsDuePolicy) -> bool:
    return due <= today + timedelta(days=policy.due_soon_days)


def _never_done_from(label: PatientLabel, onset: date | None, today: date) -> date:
    known = [d for d in (onset, label.reception_date) if d is not None]
    return min(max(known), today) if known else today


def _care_plan_rows(
    session: Session,
    labels: dict[str, PatientLabel],
    today: date,
    where: tuple[str | None, str | None],
    plan_policy: CarePlanPolicy,
) -> list[DueRow]:
    rows: list[DueRow] = []
    establishment, wing = where
    plans = list_rows(
        session, today=today, establishment=establishment, wing=wing, policy=plan_policy
    )
    for plan in plans:
        label = labels.get(plan.patient_id)
        due_soon = plan.display_status in (DisplayStatus.REVIEW_DUE, DisplayStatus.OVERDUE)
        if label is None or not due_soon or plan.review_due is None:
            continue
        rows.append(
            _row(
                DueKind.CARE_PLAN,
                label,
                f"Care plan review: {plan.title}",
                plan.review_due,
                today,
                record_id=plan.plan_id,
                condition=plan.ltc_condition,
            )
        )
    return rows


def _conditions(
    session: Session, labels: dict[str, PatientLabel]
) -> list[tuple[str, str, date | None]]:
    codes = [c.value for c in LtcCondition]
    query = select(Condition.patient_id, Condition.code, Condition.onset).where(
        Condition.active.is_(True), Condition.code.in_(codes)
    )
    return [(p, c, o) for p, c, o in session.execute(query) if p in labels]


def _ltc_rows(
    session: Session,
    labels: dict[str, PatientLabel],
    conditions: list[tuple[str, str, date | None]],
    today: date,
    policy: ReviewsDuePolicy,
    ltc_policy: LtcPolicy,
) -> list[DueRow]:
    query = (
        select(Encounter.patient_id, Encounter.ltc_condition, func.max(Encounter.started_at))
        .where(*standing_where(LTC_REVIEW))
        .group_by(Encounter.patient_id, Encounter.ltc_condition)
    )
    last = {(p, c): at for p, c, at in session.execute(query) if at is not None}
    rows: list[DueRow] = []
    for patient_id, code, onset in conditions:
        label, condition = labels[patient_id], LtcCondition(code)
        done = last.get((patient_id, condition))
        if done is None:
            due = _never_done_from(label, onset, today)
            what = f"{CONDITION_NAMES[condition]} review (never recorded)"
        else:
            due = next_ltc_review_due(local_date(done), condition, ltc_policy)
            what = f"{CONDITION_NAMES[condition]} review"
        if _due_soon(due, today, policy):
            rows.append(_row(DueKind.LTC_REVIEW, label, what, due, today, condition=code))
    return rows


def _latest_measurements(session: Session, patients: set[str]) -> dict[tuple[str, str], date]:
    """(patient, code) → day of the latest signed care-process measurement that still stands."""
    query = (
        select(Measurement.patient_id, Measurement.code, func.max(Measurement.taken_at))
        .where(
            Measurement.code.in_(list(CARE_PROCESS_CODES.values())),
            Measurement.signed_at.is_not(None),
            Measurement.encounter_id.is_(None)
            | Measurement.encounter_id.not_in(voided_encounters()),
        )
        .group_by(Measurement.patient_id, Measurement.code)
    )
    return {(p, c): local_date(at) for p, c, at in session.execute(query) if p in patients}


def _diabetes_rows(
    session: Session,
    labels: dict[str, PatientLabel],
    conditions: list[tuple[str, str, date | None]],
    today: date,
    ltc_policy: LtcPolicy,
) -> list[DueRow]:
    diabetics = {p: onset for p, c, onset in conditions if c == LtcCondition.DIABETES}
    if not diabetics:
        return []
    latest = _latest_measurements(session, set(diabetics))
    names = care_process_names()
    rows: list[DueRow] = []
    for patient_id, onset in diabetics.items():
        done = {
            process: min(latest[(patient_id, code)], today)
            if (patient_id, code) in latest
            else None
            for process, code in CARE_PROCESS_CODES.items()
        }
        outstanding = [
            s for s in diabetes_care_processes_status(done, today, ltc_policy) if s.needs_doing
        ]
        if not outstanding:
            continue
        label = labels[patient_id]
        never = _never_done_from(label, onset, today)
        due = min(s.due_on or never for s in outstanding)
        what = "Diabetes care processes: " + ", ".join(names[s.process] for s in outstanding)
        items = tuple(s.process.value for s in outstanding)
        rows.append(_row(DueKind.DIABETES_CARE_PROCESSES, label, what, due, today, items=items))
    return rows


def _second_stage_rows(
    session: Session,
    labels: dict[str, PatientLabel],
    today: date,
    policy: ReviewsDuePolicy,
    reception_policy: ReceptionPolicy,
) -> tuple[list[DueRow], list[DueRow]]:
    """Receptions within the look-back with no assessment since, then older ones (long overdue)."""
    done = _latest_encounters(session, SECOND_STAGE_ASSESSMENT)
    oldest = today - timedelta(days=policy.second_stage_lookback_days)
    rows: list[DueRow] = []
    long_overdue: list[DueRow] = []
    for label in labels.values():
        received = label.reception_date
        if received is None or received > today:
            continue
        last = done.get(label.id)
        if last is not None and local_date(last) >= received:
            continue
        due = second_stage_due(received, reception_policy)
        if received >= oldest:
            what = f"Second-stage health assessment (received {received.isoformat()})"
            rows.append(_row(DueKind.SECOND_STAGE_ASSESSMENT, label, what, due, today))
        else:
            what = f"Second-stage health assessment never done (received {received.isoformat()})"
            long_overdue.append(_row(DueKind.SECOND_STAGE_ASSESSMENT, label, what, due, today))
    return rows, long_overdue


def fiftieth_birthday(date_of_birth: date, reception_policy: ReceptionPolicy) -> date:
    """The first day the patient counts as an older prisoner (29 February → 1 March)."""
    day = add_months(date_of_birth, 12 * reception_policy.older_prisoner_age)
    while not is_older_prisoner(date_of_birth, day):
        day += timedelta(days=1)
    return day


def _older_prisoner_rows(
    session: Session,
    labels: dict[str, PatientLabel],
    today: date,
    policy: ReviewsDuePolicy,
    reception_policy: ReceptionPolicy,
) -> list[DueRow]:
    last_reviews = _latest_encounters(session, OLDER_PRISONER_REVIEW)
    rows: list[DueRow] = []
    for label in labels.values():
        dob = label.date_of_birth
        if dob > today or not is_older_prisoner(dob, today):
            continue
        flagged = max(
            d for d in (fiftieth_birthday(dob, reception_policy), label.reception_date) if d
        )
        last = last_reviews.get(label.id)
        last_day = None if last is None else min(max(local_date(last), dob), today)
        due = older_prisoner_review_due(dob, min(flagged, today), last_day, today, reception_policy)
        if due is None or not _due_soon(due, today, policy):
            continue
        what = "Older prisoner review" + ("" if last_day else " (never recorded)")
        rows.append(_row(DueKind.OLDER_PRISONER_REVIEW, label, what, due, today))
    return rows


def overdue_reviews(
    vault: OpenVault,
    *,
    establishment: str | None = None,
    wing: str | None = None,
    today: date | None = None,
    policy: ReviewsDuePolicy = DEFAULT_REVIEWS_DUE_POLICY,
    care_plan_policy: CarePlanPolicy = DEFAULT_CARE_PLAN_POLICY,
    ltc_policy: LtcPolicy = DEFAULT_LTC_POLICY,
    reception_policy: ReceptionPolicy = DEFAULT_RECEPTION_POLICY,
) -> OverdueReport:
    """Everything overdue or due soon for people on the roll, each list by due date."""
    require(vault.actor, "view_reviews_due")
    day = today or local_today()
    with vault.session() as session:
        labels = roll_labels(session, establishment=establishment, wing=wing)
        conditions = _conditions(session, labels)
        plans = _care_plan_rows(session, labels, day, (establishment, wing), care_plan_policy)
        ltc = _ltc_rows(session, labels, conditions, day, policy, ltc_policy)
        diabetes = _diabetes_rows(session, labels, conditions, day, ltc_policy)
        second, long_overdue = _second_stage_rows(session, labels, day, policy, reception_policy)
        older = _older_prisoner_rows(session, labels, day, policy, reception_policy)
    return OverdueReport(
        day,
        establishment,
        wing,
        _sorted(plans),
        _sorted(ltc),
        _sorted(diabetes),
        _sorted(second),
        _sorted(older),
        _sorted(long_overdue),
    )
