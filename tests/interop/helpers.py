"""Finding demo patients for the FHIR tests (by query, so a change to the demo seed cannot silently
empty a test) and reading a saved bundle back with the FHIR library."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, literal, select, union_all

from hjdesk.services.care_plans.plans import activate_plan, create_plan, update_plan
from hjdesk.services.common import local_today
from hjdesk.services.encounters.forms import (
    EncounterInput,
    MeasurementInput,
    QuestionnairesInput,
)
from hjdesk.services.encounters.signing import sign_encounter
from hjdesk.services.release.record import INSTRUMENTS, CodedEntries, coded_entries
from hjdesk.services.release.summary_parts import LIVE
from hjdesk.storage.models import (
    AcctCase,
    Allergy,
    Appointment,
    CarePlan,
    Condition,
    Encounter,
    Measurement,
    Medicine,
    Observation,
    Patient,
    QuestionnaireResult,
    ReleasePlan,
    ScreeningEvent,
    Task,
)
from hjdesk.storage.vault import OpenVault
from tests.services.test_encounters import CALM

# Tables of the patient's record; the richest patient has rows in the most of them.
RECORD_TABLES = (
    AcctCase,
    Allergy,
    Condition,
    Medicine,
    Observation,
    QuestionnaireResult,
    ReleasePlan,
    ScreeningEvent,
)
# Everything that would put anything in a summary.
ALL_TABLES = (*RECORD_TABLES, CarePlan, Appointment, Encounter, Measurement, Task)
# The plans the summary prints (the active ones of these types: release_summary).
SUMMARY_PLANS = ("MENTAL_HEALTH", "SOCIAL_CARE", "NEURODIVERSITY_ADJUSTMENTS", "END_OF_LIFE")


def richest_patient(vault: OpenVault) -> str:
    """The demo patient with the most kinds of record (a row in a record table, a live plan the
    summary prints, an HbA1c), then the most instruments the document carries, ties broken by
    id; among those, the first with a live plan the summary prints and whose coded entries (the
    export's own choice) hold vital signs, an HbA1c and two instruments, one a PHQ-9, so the
    document tests see every kind of resource on any day of the demo's calendar.

    The demo is built relative to today, so what a patient holds changes with the calendar. A
    ranking by table rows alone picked, on some days, a patient whose plan had closed, or whose
    only questionnaire was a CFS (which travels as the summary prints it); on some days no
    patient holds everything, and the first candidate is given what it lacks (`_top_up`)."""
    carried = (
        QuestionnaireResult.signed_at.is_not(None),
        QuestionnaireResult.instrument.in_(INSTRUMENTS),
    )
    categories = union_all(
        *(
            select(t.patient_id.label("pid"), literal(t.__tablename__).label("kind")).distinct()
            for t in RECORD_TABLES
        ),
        select(CarePlan.patient_id.label("pid"), literal("summary plan").label("kind"))
        .where(CarePlan.plan_type.in_(SUMMARY_PLANS), CarePlan.status.in_(LIVE))
        .distinct(),
        select(Measurement.patient_id.label("pid"), literal("HBA1C").label("kind"))
        .where(Measurement.code == "HBA1C")
        .distinct(),
    ).subquery()
    instruments = (
        select(
            QuestionnaireResult.patient_id.label("pid"),
            func.count(QuestionnaireResult.instrument.distinct()).label("n"),
        )
        .where(*carried)
        .group_by(QuestionnaireResult.patient_id)
        .subquery()
    )
    ranked = select(categories.c.pid, func.count().label("n")).group_by(categories.c.pid).subquery()
    with vault.session() as session:
        candidates = session.scalars(
            select(ranked.c.pid)
            .outerjoin(instruments, instruments.c.pid == ranked.c.pid)
            .order_by(ranked.c.n.desc(), func.coalesce(instruments.c.n, 0).desc(), ranked.c.pid)
            .limit(50)
        ).all()
        planned = set(
            session.scalars(
                select(CarePlan.patient_id).where(
                    CarePlan.plan_type.in_(SUMMARY_PLANS), CarePlan.status.in_(LIVE)
                )
            )
        )
        for pid in candidates:
            if pid in planned and _carries_everything(coded_entries(session, pid, [])):
                return str(pid)
    # The demo's calendar left no patient with all of it today: give the first candidate what it
    # lacks through the services, as a nurse on the wing would record it.
    assert candidates, "the demo has patients with records"
    pid = str(candidates[0])
    _top_up(vault, pid, planned=pid in planned)
    return pid


def _carries_everything(coded: CodedEntries) -> bool:
    instruments = {q.values.instrument for q in coded.questionnaires}
    return (
        coded.vitals is not None
        and coded.hba1c is not None
        and "PHQ9" in instruments
        and len(instruments) >= 2
    )


def _top_up(vault: OpenVault, patient_id: str, *, planned: bool) -> None:
    """A signed clinic visit with vital signs, a PHQ-9, a GAD-7 and an HbA1c, and (without one)
    a live social care plan, each through its service."""
    sign_encounter(
        vault,
        EncounterInput(
            patient_id=patient_id,
            kind="CLINIC_VISIT",
            started_at=datetime.now(UTC) - timedelta(hours=1),
            narrative="Seen on the wing.",
            vitals=CALM,
            questionnaires=QuestionnairesInput(phq9=(1, 1, 0, 0, 1, 0, 0, 0, 0), gad7=(1,) * 7),
            measurements=(MeasurementInput("HBA1C", 52.0),),
        ),
    )
    if not planned:
        plan = create_plan(vault, patient_id, "SOCIAL_CARE")
        plan = update_plan(
            vault,
            plan.id,
            base_rev=plan.rev,
            review_due=local_today() + timedelta(days=60),
            patient_involvement="AGREED",
        )
        activate_plan(vault, plan.id)


def empty_patient(vault: OpenVault) -> str:
    """A demo patient with nothing at all recorded (on the roll, no clinical rows, no alerts)."""
    used = union_all(*(select(t.patient_id) for t in ALL_TABLES)).subquery()
    with vault.session() as session:
        candidates = session.scalars(
            select(Patient)
            .where(Patient.id.not_in(select(used.c[0]).where(used.c[0].is_not(None))))
            .order_by(Patient.id)
        )
        for patient in candidates:
            if not any(a.active for a in patient.alerts):
                return patient.id
    raise AssertionError("the demo has a patient with nothing recorded")


def read_back(data: bytes) -> Bundle:
    return Bundle.model_validate_json(data)


def resources(bundle: Bundle) -> Iterator[Any]:
    for entry in bundle.entry or []:
        yield entry.resource


def of_type(bundle: Bundle, name: str) -> list[Any]:
    return [r for r in resources(bundle) if r.get_resource_type() == name]


def references(node: Any) -> Iterator[str]:
    """Every `reference` string anywhere in a resource's JSON."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def as_json(resource: Any) -> Any:
    return json.loads(resource.model_dump_json())


def unresolved_references(bundle: Bundle) -> list[str]:
    """Every `reference` in the bundle that names neither an entry's fullUrl nor a resource
    contained in the resource that holds it (a receiver could not follow it)."""
    full_urls = {e.fullUrl for e in bundle.entry or []}
    missing: list[str] = []
    for entry in bundle.entry or []:
        body = as_json(entry.resource)
        contained = {f"#{c['id']}" for c in body.get("contained", [])}
        missing += [r for r in references(body) if r not in full_urls and r not in contained]
    return missing
