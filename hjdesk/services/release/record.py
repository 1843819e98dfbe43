"""The coded entries behind the transfer/release summary, for the FHIR copy (hjdesk.interop).

The printed summary (release_summary) says what a reader needs; a receiving system also needs the
entries themselves, with their record ids, times and who signed them: the latest vital signs and
NEWS2, the latest questionnaire of each instrument, the HbA1c the summary prints, the encounters
they came from, and the staff who wrote them. Read in the caller's session, so the summary and
these entries are one consistent read.

Only entries that still stand are read (signed, not amended, not entered in error): the same rule
as the printed summary, so an entry struck out on the record never travels in the copy either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.services.encounters import (  # the record's own mapping of these rows
    ObservationView,
    QuestionnaireView,
    observation_view,
    questionnaire_view,
    standing_encounters,
)
from hjdesk.services.staff_names import staff_names
from hjdesk.storage.models import (
    CarePlan,
    Encounter,
    Measurement,
    Observation,
    QuestionnaireResult,
)

# The instruments the copy carries, in the order the record lists them.
INSTRUMENTS = ("PHQ9", "GAD7", "SIX_CIT", "AQ10")  # the CFS travels as the summary prints it


@dataclass(frozen=True, slots=True)
class StaffRef:
    """A member of staff an entry names: a staff row of this laptop, or (`from_card`) another
    establishment's member of staff named by the hub's name card (H-37), whose `name` and `role`
    are the card's and `establishment` the code of the establishment the card says they work
    at."""

    id: str
    name: str
    role: str
    from_card: bool = False
    establishment: str = ""


@dataclass(frozen=True, slots=True)
class EncounterRef:
    id: str
    kind: str
    place: str
    started_at: datetime
    ended_at: datetime | None
    signed_by: str | None


@dataclass(frozen=True, slots=True)
class VitalSigns:
    record_id: str
    encounter_id: str
    signed_by: str | None
    values: ObservationView


@dataclass(frozen=True, slots=True)
class ScoredQuestionnaire:
    record_id: str
    encounter_id: str
    signed_by: str | None
    taken_at: datetime
    values: QuestionnaireView


@dataclass(frozen=True, slots=True)
class MeasuredResult:
    record_id: str
    encounter_id: str | None
    signed_by: str | None
    code: str
    value: float | None
    unit: str
    taken_at: datetime


@dataclass(frozen=True, slots=True)
class CodedEntries:
    vitals: VitalSigns | None
    questionnaires: tuple[ScoredQuestionnaire, ...]
    hba1c: MeasuredResult | None
    encounters: tuple[EncounterRef, ...]
    staff: tuple[StaffRef, ...]
    plan_owners: dict[str, str]  # care plan id → owner's staff id


def _vitals(session: Session, patient_id: str, standing: list[str]) -> VitalSigns | None:
    row = session.scalar(
        select(Observation)
        .where(
            Observation.patient_id == patient_id,
            Observation.encounter_id.in_(standing),
            Observation.signed_at.is_not(None),
        )
        .order_by(Observation.taken_at.desc(), Observation.id.desc())
        .limit(1)
    )
    if row is None:
        return None
    return VitalSigns(row.id, row.encounter_id, row.signed_by, observation_view(row))


def _questionnaires(
    session: Session, patient_id: str, standing: list[str]
) -> tuple[ScoredQuestionnaire, ...]:
    rows = session.scalars(
        select(QuestionnaireResult)
        .where(
            QuestionnaireResult.patient_id == patient_id,
            QuestionnaireResult.encounter_id.in_(standing),
            QuestionnaireResult.signed_at.is_not(None),
            QuestionnaireResult.instrument.in_(INSTRUMENTS),
        )
        .order_by(QuestionnaireResult.taken_at.desc(), QuestionnaireResult.id.desc())
    )
    latest: dict[str, QuestionnaireResult] = {}
    for row in rows:
        latest.setdefault(row.instrument, row)
    return tuple(
        ScoredQuestionnaire(r.id, r.encounter_id, r.signed_by, r.taken_at, questionnaire_view(r))
        for name in INSTRUMENTS
        if (r := latest.get(name)) is not None
    )


def _hba1c(session: Session, patient_id: str, standing: list[str]) -> MeasuredResult | None:
    """The latest HbA1c, chosen as the printed summary chooses it (key_results)."""
    row = session.scalar(
        select(Measurement)
        .where(
            Measurement.patient_id == patient_id,
            Measurement.code == "HBA1C",
            Measurement.signed_at.is_not(None),
            Measurement.encounter_id.is_(None) | Measurement.encounter_id.in_(standing),
        )
        .order_by(Measurement.taken_at.desc())
        .limit(1)
    )
    if row is None:
        return None
    return MeasuredResult(
        row.id, row.encounter_id, row.signed_by, row.code, row.value, row.unit, row.taken_at
    )


def coded_entries(
    session: Session, patient_id: str, plan_ids: list[str], extra_staff: tuple[str, ...] = ()
) -> CodedEntries:
    """The patient's coded entries for the FHIR copy; `extra_staff` adds staff to describe (the
    person producing the copy)."""
    standing = [e.id for e in standing_encounters(session, patient_ids=[patient_id])]
    vitals = _vitals(session, patient_id, standing)
    questionnaires = _questionnaires(session, patient_id, standing)
    hba1c = _hba1c(session, patient_id, standing)
    encounter_ids = {q.encounter_id for q in questionnaires}
    if vitals is not None:
        encounter_ids.add(vitals.encounter_id)
    if hba1c is not None and hba1c.encounter_id is not None:
        encounter_ids.add(hba1c.encounter_id)
    encounters = tuple(
        EncounterRef(e.id, e.kind, e.place, e.started_at, e.ended_at, e.signed_by)
        for e in session.scalars(
            select(Encounter)
            .where(Encounter.id.in_(sorted(encounter_ids)))
            .order_by(Encounter.started_at, Encounter.id)
        )
    )
    owners = {
        plan_id: owner
        for plan_id, owner in session.execute(
            select(CarePlan.id, CarePlan.owner_id).where(CarePlan.id.in_(plan_ids))
        )
        if owner
    }
    signers = [e.signed_by for e in encounters]
    signers += [vitals.signed_by if vitals else None, hba1c.signed_by if hba1c else None]
    signers += [q.signed_by for q in questionnaires]
    wanted = {s for s in (*signers, *owners.values(), *extra_staff) if s}
    # A staff row's name, else the hub's card (the previous prison's staff, after a transfer);
    # an id with neither is left out, and nothing in the copy refers to it.
    names = staff_names(session, wanted)
    staff = tuple(
        StaffRef(staff_id, n.name, n.role, from_card=not n.held, establishment=n.establishment)
        for staff_id, n in sorted(names.items())
    )
    return CodedEntries(vitals, questionnaires, hba1c, encounters, staff, owners)
