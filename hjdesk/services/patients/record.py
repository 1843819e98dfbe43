"""Parts of one patient's record that no other read model gives whole: their ACCT cases, their
questionnaire results, and their conditions with the reviews due. Each read is an audited view.

Decisions (ours, where domain.md is silent):
- Questionnaire results from entries that no longer stand are still listed (the record shows
  both, domain.md §3), marked "corrected" or "entered in error".
- A second-stage assessment missing from a reception of this stay is OVERDUE however long ago the
  reception was (the worklist lists old ones in their own long-overdue group): a gap must not
  turn into "not recorded" by waiting.
- An LTC review never recorded is due from the later of onset and reception (today if neither is
  known), the same rule as the overdue-reviews worklist, so the record and the list agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hjdesk.clinical.ltc import (
    DEFAULT_LTC_POLICY,
    CareProcessStatus,
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
    second_stage_status,
)
from hjdesk.services.acct import AcctCaseView, build_case_view
from hjdesk.services.actions import user_action
from hjdesk.services.care_plans import care_process_names
from hjdesk.services.clinics import completed_since, second_stage_done_on
from hjdesk.services.common import NAME_NOT_HELD, local_today, patient_or_error, utc_now
from hjdesk.services.encounters import INSTRUMENT_NAMES, superseded_ids
from hjdesk.services.labels import local_date
from hjdesk.services.staff_names import name_of, staff_names
from hjdesk.services.worklists import (
    CARE_PROCESS_CODES,
    CONDITION_NAMES,
    LTC_REVIEW,
    OLDER_PRISONER_REVIEW,
    fiftieth_birthday,
    standing_where,
    voided_encounters,
)
from hjdesk.storage.models import (
    AcctCase,
    Condition,
    Encounter,
    Measurement,
    Patient,
    QuestionnaireResult,
)
from hjdesk.storage.vault import OpenVault

STANDS = "stands"
CORRECTED = "corrected"
ENTERED_IN_ERROR = "entered in error"


def patient_acct_cases(
    vault: OpenVault, patient_id: str, *, now: datetime | None = None
) -> tuple[AcctCaseView, ...]:
    """Every ACCT mirror the patient has (newest first) with events, health input and flags."""
    moment = now or utc_now()
    with user_action(vault, "view_acct") as act:
        patient_or_error(act.session, patient_id)
        ids = list(
            act.session.scalars(
                select(AcctCase.id)
                .where(AcctCase.patient_id == patient_id)
                .order_by(AcctCase.opened_at.desc(), AcctCase.id.desc())
            )
        )
        views = tuple(build_case_view(act.session, case_id, moment) for case_id in ids)
        act.audit(patient_id=patient_id, detail={"case_ids": ids})
    return views


@dataclass(frozen=True, slots=True)
class AssessmentRow:
    """One questionnaire or frailty result. `standing` is STANDS, CORRECTED or ENTERED_IN_ERROR."""

    result_id: str
    encounter_id: str
    taken_at: datetime
    instrument: str
    name: str
    total: int
    band: str
    flagged: bool
    override_reason: str | None
    author_name: str
    standing: str


def _standing(session: Session, encounter_ids: list[str]) -> dict[str, str]:
    """How each encounter stands: amended by a correction, by an entered-in-error, or not."""
    gone = superseded_ids(session, encounter_ids)
    error_marks = {
        amended
        for amended, in_error in session.execute(
            select(Encounter.amends_id, Encounter.entered_in_error).where(
                Encounter.amends_id.in_(list(gone))
            )
        )
        if in_error
    }
    return {
        e: ENTERED_IN_ERROR if e in error_marks else CORRECTED if e in gone else STANDS
        for e in encounter_ids
    }


def _override_reason(found: dict[str, Any] | None) -> str | None:
    if not isinstance(found, dict):
        return None
    return str(found.get("reason") or "") or None


def patient_assessments(vault: OpenVault, patient_id: str) -> tuple[AssessmentRow, ...]:
    """PHQ-9, GAD-7, 6CIT, AQ-10 and CFS results, newest first; an audited view."""
    with user_action(vault, "view_patient") as act:
        patient_or_error(act.session, patient_id)
        rows = list(
            act.session.scalars(
                select(QuestionnaireResult)
                .where(QuestionnaireResult.patient_id == patient_id)
                .order_by(QuestionnaireResult.taken_at.desc(), QuestionnaireResult.instrument)
            )
        )
        names = staff_names(act.session, (q.signed_by for q in rows))
        standing = _standing(act.session, list({q.encounter_id for q in rows}))
        found = tuple(
            AssessmentRow(
                result_id=q.id,
                encounter_id=q.encounter_id,
                taken_at=q.taken_at,
                instrument=q.instrument,
                name=INSTRUMENT_NAMES.get(q.instrument, q.instrument),
                total=q.total,
                band=q.band,
                flagged=q.flagged,
                override_reason=_override_reason(q.override),
                author_name=name_of(names, q.signed_by, nobody=NAME_NOT_HELD),
                standing=standing[q.encounter_id],
            )
            for q in rows
        )
        act.audit(kind="view_assessments", patient_id=patient_id)
    return found


@dataclass(frozen=True, slots=True)
class ConditionReview:
    code: str
    name: str
    onset: date | None
    last_review: date | None
    next_due: date
    overdue: bool


@dataclass(frozen=True, slots=True)
class CareProcessRow:
    name: str
    status: CareProcessStatus


@dataclass(frozen=True, slots=True)
class ReviewsView:
    """A patient's long-term conditions and the reviews the record should show as due."""

    today: date
    conditions: tuple[ConditionReview, ...]
    care_processes: tuple[CareProcessRow, ...]  # diabetes only; empty otherwise
    reception_date: date | None
    second_stage_due: date | None
    second_stage_status: str | None  # DUE, OVERDUE, DONE; None: no reception date
    second_stage_done_on: date | None
    older_prisoner_review_due: date | None  # None under 50
    last_older_prisoner_review: date | None


def _last_reviews(session: Session, patient_id: str, kind: str) -> dict[str | None, date]:
    query = (
        select(Encounter.ltc_condition, func.max(Encounter.started_at))
        .where(Encounter.patient_id == patient_id, *standing_where(kind))
        .group_by(Encounter.ltc_condition)
    )
    return {c: local_date(at) for c, at in session.execute(query) if at is not None}


def _never_done_from(onset: date | None, reception: date | None, today: date) -> date:
    known = [d for d in (onset, reception) if d is not None]
    return min(max(known), today) if known else today


def _conditions(
    session: Session, patient: Patient, today: date, policy: LtcPolicy
) -> tuple[ConditionReview, ...]:
    last = _last_reviews(session, patient.id, LTC_REVIEW)
    names = {c.value: n for c, n in CONDITION_NAMES.items()}
    out: list[ConditionReview] = []
    for condition in session.scalars(
        select(Condition)
        .where(Condition.patient_id == patient.id, Condition.active.is_(True))
        .order_by(Condition.code)
    ):
        done = last.get(condition.code)
        if condition.code not in names:
            continue  # not a long-term condition with a review cycle
        if done is None:
            due = _never_done_from(condition.onset, patient.reception_date, today)
        else:
            due = next_ltc_review_due(done, LtcCondition(condition.code), policy)
        out.append(
            ConditionReview(
                condition.code, names[condition.code], condition.onset, done, due, today > due
            )
        )
    return tuple(out)


def _care_processes(
    session: Session, patient_id: str, today: date, policy: LtcPolicy
) -> tuple[CareProcessRow, ...]:
    query = (
        select(Measurement.code, func.max(Measurement.taken_at))
        .where(
            Measurement.patient_id == patient_id,
            Measurement.code.in_(list(CARE_PROCESS_CODES.values())),
            Measurement.signed_at.is_not(None),
            Measurement.encounter_id.is_(None)
            | Measurement.encounter_id.not_in(voided_encounters()),
        )
        .group_by(Measurement.code)
    )
    latest = {code: min(local_date(at), today) for code, at in session.execute(query)}
    done = {process: latest.get(code) for process, code in CARE_PROCESS_CODES.items()}
    names = care_process_names()
    return tuple(
        CareProcessRow(names[s.process], s)
        for s in diabetes_care_processes_status(done, today, policy)
    )


def patient_reviews(
    vault: OpenVault,
    patient_id: str,
    *,
    today: date | None = None,
    ltc_policy: LtcPolicy = DEFAULT_LTC_POLICY,
    reception_policy: ReceptionPolicy = DEFAULT_RECEPTION_POLICY,
) -> ReviewsView:
    """Conditions with their last and next LTC review, diabetes care processes, the second-stage
    assessment and the older-prisoner review; an audited view."""
    day = today or local_today()
    with user_action(vault, "view_patient") as act:
        patient = patient_or_error(act.session, patient_id)
        conditions = _conditions(act.session, patient, day, ltc_policy)
        diabetic = any(c.code == LtcCondition.DIABETES.value for c in conditions)
        processes = _care_processes(act.session, patient.id, day, ltc_policy) if diabetic else ()
        reception = patient.reception_date
        done = completed_since(
            second_stage_done_on(act.session, [patient.id]).get(patient.id, []), reception or day
        )
        status = None
        if reception is not None and reception <= day:
            status = second_stage_status(reception, done, day, reception_policy).value
        dob = patient.date_of_birth
        last_older = max(
            _last_reviews(act.session, patient.id, OLDER_PRISONER_REVIEW).values(), default=None
        )
        older_due = None
        if dob <= day:
            flagged = max(d for d in (fiftieth_birthday(dob, reception_policy), reception) if d)
            older_due = older_prisoner_review_due(
                dob,
                min(flagged, day),
                None if last_older is None else min(max(last_older, dob), day),
                day,
                reception_policy,
            )
        act.audit(kind="view_reviews", patient_id=patient_id)
    return ReviewsView(
        today=day,
        conditions=conditions,
        care_processes=processes,
        reception_date=reception,
        second_stage_due=second_stage_due(reception, reception_policy) if reception else None,
        second_stage_status=status,
        second_stage_done_on=done if reception is not None else None,
        older_prisoner_review_due=older_due,
        last_older_prisoner_review=last_older,
    )
