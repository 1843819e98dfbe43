"""Finding demo patients for the FHIR tests (by query, so a change to the demo seed cannot silently
empty a test) and reading a saved bundle back with the FHIR library."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, literal, select, union_all

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
    """The demo patient with rows in the most record tables, then the most questionnaire kinds
    (ties broken by id)."""
    kinds = union_all(
        *(
            select(t.patient_id.label("pid"), literal(t.__tablename__).label("kind")).distinct()
            for t in RECORD_TABLES
        ),
        select(
            QuestionnaireResult.patient_id.label("pid"),
            QuestionnaireResult.instrument.label("kind"),
        ).distinct(),
        select(CarePlan.patient_id.label("pid"), CarePlan.plan_type.label("kind"))
        .where(CarePlan.plan_type.in_(SUMMARY_PLANS), CarePlan.status.in_(LIVE))
        .distinct(),
        select(Measurement.patient_id.label("pid"), Measurement.code.label("kind"))
        .where(Measurement.code == "HBA1C")
        .distinct(),
    ).subquery()
    with vault.session() as session:
        found = session.execute(
            select(kinds.c.pid, func.count())
            .group_by(kinds.c.pid)
            .order_by(func.count().desc(), kinds.c.pid)
            .limit(1)
        ).first()
    assert found, "the demo has patients with records"
    return str(found[0])


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
