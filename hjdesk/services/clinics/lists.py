"""Who goes on a new clinic list: the roll of the target wings filtered by the clinic's purpose.

- LTC clinics: patients with an active condition of the clinic (respiratory: asthma or COPD).
- OLDER_PRISONER: aged 50 or over on the session day (clinical.reception.is_older_prisoner).
- SECOND_STAGE_ASSESSMENT: received on or before the session day and, by clinical.reception's
  rule, DUE or OVERDUE — no standing second-stage encounter since this reception. Decision
  (ours, as the overdue-reviews worklist): receptions more than SECOND_STAGE_LOOKBACK_DAYS ago are
  left off; after that the gap is a records question, and it would bury this week's arrivals.
- Other clinics start empty: the nurse adds people by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from hjdesk.clinical.attendance import ClinicType
from hjdesk.clinical.ltc import LtcCondition
from hjdesk.clinical.reception import (
    SecondStageStatus,
    is_older_prisoner,
    second_stage_due,
    second_stage_status,
)
from hjdesk.services.clinics.views import location_key
from hjdesk.services.encounters import local_day, standing_encounters
from hjdesk.storage.models import Condition, Location, Patient

SECOND_STAGE_KIND = "SECOND_STAGE_ASSESSMENT"
SECOND_STAGE_LOOKBACK_DAYS = 90  # [C] local policy, as reviews_due's default

LTC_CLINICS: dict[ClinicType, tuple[LtcCondition, ...]] = {
    ClinicType.LTC_DIABETES: (LtcCondition.DIABETES,),
    ClinicType.LTC_HYPERTENSION: (LtcCondition.HYPERTENSION,),
    ClinicType.LTC_RESPIRATORY: (LtcCondition.ASTHMA, LtcCondition.COPD),
    ClinicType.LTC_EPILEPSY: (LtcCondition.EPILEPSY,),
}
CONDITION_NAMES = {
    LtcCondition.DIABETES: "Diabetes",
    LtcCondition.HYPERTENSION: "Hypertension",
    LtcCondition.ASTHMA: "Asthma",
    LtcCondition.COPD: "COPD",
    LtcCondition.EPILEPSY: "Epilepsy",
}


@dataclass(frozen=True, slots=True)
class Candidate:
    patient_id: str
    location: str
    reason: str
    ltc_condition: str | None


def wing_filter(targets: Sequence[str]) -> ColumnElement[bool]:
    """Locations in any target: a wing ('A') or a wing-landing prefix ('A-2')."""
    clauses: list[ColumnElement[bool]] = []
    for target in targets:
        if "-" in target:
            clauses.append(Location.path == target)
            clauses.append(Location.path.startswith(target + "-", autoescape=True))
        else:
            clauses.append(Location.wing == target)
    return or_(*clauses)


def _roll(
    session: Session, establishment_id: str, targets: Sequence[str]
) -> list[tuple[str, str, date, date | None]]:
    query = (
        select(Patient.id, Location.path, Patient.date_of_birth, Patient.reception_date)
        .join(Location, Patient.location_id == Location.id)
        .where(
            Patient.establishment_id == establishment_id,
            Patient.on_roll.is_(True),
            wing_filter(targets),
        )
    )
    return [(pid, path, dob, rec) for pid, path, dob, rec in session.execute(query)]


def _ltc(
    session: Session, roll: Iterable[tuple[str, str, date, date | None]], clinic: ClinicType
) -> list[Candidate]:
    codes = LTC_CLINICS[clinic]
    where = {pid: path for pid, path, _, _ in roll}
    held: dict[str, set[str]] = {}
    for pid, code in session.execute(
        select(Condition.patient_id, Condition.code).where(
            Condition.active.is_(True),
            Condition.code.in_([c.value for c in codes]),
            Condition.patient_id.in_(list(where)),
        )
    ):
        held.setdefault(pid, set()).add(code)
    out: list[Candidate] = []
    for pid, found in held.items():
        conditions = [c for c in codes if c.value in found]
        reason = " and ".join(CONDITION_NAMES[c] for c in conditions) + " review"
        # COPD's review is the fuller one (oxygen target, MRC grade), so it leads when both.
        out.append(Candidate(pid, where[pid], reason, conditions[-1].value))
    return out


def _older(roll: Iterable[tuple[str, str, date, date | None]], on: date) -> list[Candidate]:
    return [
        Candidate(pid, path, "Older prisoner review", None)
        for pid, path, dob, _ in roll
        if is_older_prisoner(dob, on)
    ]


def second_stage_done_on(session: Session, patient_ids: Iterable[str]) -> dict[str, list[date]]:
    """Days of each patient's standing second-stage assessments."""
    done: dict[str, list[date]] = {}
    for row in standing_encounters(session, patient_ids=list(patient_ids), kind=SECOND_STAGE_KIND):
        done.setdefault(row.patient_id, []).append(local_day(row.started_at))
    return done


def completed_since(days: Iterable[date], reception: date) -> date | None:
    """The first assessment on or after this reception (one from an earlier stay does not
    count)."""
    after = [d for d in days if d >= reception]
    return min(after) if after else None


def _second_stage(
    session: Session, roll: Sequence[tuple[str, str, date, date | None]], on: date
) -> list[Candidate]:
    oldest = on - timedelta(days=SECOND_STAGE_LOOKBACK_DAYS)
    received = [
        (pid, path, rec) for pid, path, _, rec in roll if rec is not None and oldest <= rec <= on
    ]
    done = second_stage_done_on(session, [pid for pid, _, _ in received])
    out: list[Candidate] = []
    for pid, path, reception in received:
        completed = completed_since(done.get(pid, []), reception)
        status = second_stage_status(reception, completed, on)
        if status is SecondStageStatus.DONE:
            continue
        due = second_stage_due(reception)
        word = "overdue since" if status is SecondStageStatus.OVERDUE else "due by"
        out.append(Candidate(pid, path, f"Second-stage assessment ({word} {due:%d %b})", None))
    return out


def candidates(
    session: Session,
    establishment_id: str,
    targets: Sequence[str],
    clinic: ClinicType,
    on: date,
) -> list[Candidate]:
    """The automatic list for a new session, in location order."""
    if clinic in LTC_CLINICS:
        found = _ltc(session, _roll(session, establishment_id, targets), clinic)
    elif clinic is ClinicType.OLDER_PRISONER:
        found = _older(_roll(session, establishment_id, targets), on)
    elif clinic is ClinicType.SECOND_STAGE_ASSESSMENT:
        found = _second_stage(session, _roll(session, establishment_id, targets), on)
    else:
        return []
    return sorted(found, key=lambda c: (location_key(c.location), c.patient_id))
