"""The summary's other entries as UK Core resources: Encounter, Condition, MedicationStatement,
AllergyIntolerance, CarePlan (its goals contained in it), Flag, and the DocumentReference that
carries the printed PDF itself.

Medicines and allergies are held in HJDesk as text (no dm+d or SNOMED code is recorded), so they
travel as text: a receiving system shows them as written and a clinician codes them on arrival.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from fhir.resources.R4B.allergyintolerance import (
    AllergyIntolerance,
    AllergyIntoleranceReaction,
)
from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.attachment import Attachment
from fhir.resources.R4B.careplan import CarePlan, CarePlanActivity, CarePlanActivityDetail
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.documentreference import DocumentReference, DocumentReferenceContent
from fhir.resources.R4B.dosage import Dosage
from fhir.resources.R4B.encounter import Encounter, EncounterParticipant
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.goal import Goal
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource

from hjdesk.interop.fhir_common import (
    as_fhir_date,
    concept,
    derived_id,
    meta,
    narrative,
    ref,
    system_concept,
    text_concept,
    utc,
)
from hjdesk.reports.text import day, moment, words
from hjdesk.services.release import (
    AllergyItem,
    ConditionItem,
    EncounterRef,
    MedicineItem,
    PlanBrief,
)

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
BASE_GOAL = "http://hl7.org/fhir/StructureDefinition/Goal"


def encounter(
    e: EncounterRef, patient_id: str, organization_id: str, signer: str | None
) -> Encounter:
    """`signer`: the Practitioner who signed it, when the document holds one."""
    period = Period(start=utc(e.started_at), end=utc(e.ended_at) if e.ended_at else None)
    # Seen on a wing, at a cell door or in the healthcare unit: never an inpatient stay.
    # ("class" is a Python keyword: the model takes it by its FHIR name.)
    kind: dict[str, Any] = {"class": Coding(system=ACT_CODE, code="AMB", display="ambulatory")}
    return Encounter(
        id=e.id,
        meta=meta("Encounter"),
        text=narrative([f"{words(e.kind)} on {moment(e.started_at)}", e.place]),
        status="finished",
        type=[text_concept(words(e.kind))],
        subject=ref(patient_id),
        participant=[EncounterParticipant(individual=ref(signer))] if signer else None,
        period=period,
        serviceProvider=ref(organization_id),
        **kind,
    )


def condition(c: ConditionItem, patient_id: str) -> Condition:
    last = f"; last review {day(c.last_review)}" if c.last_review else "; no review recorded"
    return Condition(
        id=derived_id(patient_id, "condition", c.code),
        meta=meta("Condition"),
        text=narrative([f"{c.name} (since {day(c.onset, 'date not recorded')}){last}"]),
        clinicalStatus=system_concept(CLINICAL, "active", "Active"),
        category=[system_concept(CONDITION_CATEGORY, "problem-list-item", "Problem List Item")],
        code=concept(c.code, text=c.name),
        subject=ref(patient_id),
        onsetDateTime=as_fhir_date(c.onset),
    )


def medication(m: MedicineItem, patient_id: str) -> MedicationStatement:
    critical = "Critical medicine: it must travel with the patient, with the time of the next dose."
    return MedicationStatement(
        id=m.id,
        meta=meta("MedicationStatement"),
        text=narrative([f"{m.name} {m.dose}".strip(), critical if m.critical else ""]),
        status="active",
        medicationCodeableConcept=text_concept(m.name),
        subject=ref(patient_id),
        dosage=[Dosage(text=m.dose)] if m.dose else None,
        note=[Annotation(text=critical)] if m.critical else None,
    )


def allergy(a: AllergyItem, patient_id: str, index: int) -> AllergyIntolerance:
    return AllergyIntolerance(
        id=derived_id(patient_id, "allergy", str(index), a.substance),
        meta=meta("AllergyIntolerance"),
        text=narrative([f"{a.substance}: {a.reaction or 'reaction not recorded'}"]),
        clinicalStatus=system_concept(ALLERGY_CLINICAL, "active", "Active"),
        code=text_concept(a.substance),
        patient=ref(patient_id),
        reaction=[AllergyIntoleranceReaction(manifestation=[text_concept(a.reaction)])]
        if a.reaction
        else None,
    )


def care_plan(plan: PlanBrief, patient_id: str, owner_id: str | None) -> CarePlan:
    goals: list[Resource] = [
        Goal(
            id=f"goal-{n}",
            meta=Meta(profile=list[str | None]([BASE_GOAL])),
            lifecycleStatus="active",
            description=text_concept(text),
            subject=ref(patient_id),
        )
        for n, text in enumerate(plan.goals, 1)
    ]
    activities = [
        CarePlanActivity(detail=CarePlanActivityDetail(status="unknown", description=text))
        for text in plan.interventions
    ]
    lines = [
        f"{plan.title} ({words(plan.display_status.value).lower()})",
        f"Owner {plan.owner_name or 'not recorded'}; review due {day(plan.review_due, '–')}",
        *(f"Goal: {g}" for g in plan.goals),
        *(f"Intervention: {i}" for i in plan.interventions),
    ]
    if plan.risk_management_plan:
        lines.append(f"Risk-management plan: {plan.risk_management_plan}")
    return CarePlan(
        id=plan.plan_id,
        meta=meta("CarePlan"),
        text=narrative(lines),
        contained=goals or None,
        status="active",
        intent="plan",
        category=[text_concept(words(plan.plan_type))],
        title=plan.title,
        description=plan.risk_management_plan or None,
        subject=ref(patient_id),
        period=Period(start=as_fhir_date(plan.start_date)) if plan.start_date else None,
        author=ref(owner_id, plan.owner_name) if owner_id else None,
        goal=[Reference(reference=f"#{g.id}") for g in goals] or None,
        activity=activities or None,
    )


def flag(key: str, text: str, category: str, patient_id: str, author_id: str | None = None) -> Flag:
    return Flag(
        id=derived_id(patient_id, "flag", key),
        meta=meta("Flag"),
        text=narrative([text]),
        status="active",
        category=[system_concept(FLAG_CATEGORY, category, category.replace("-", " ").title())],
        code=text_concept(text),
        subject=ref(patient_id),
    )


def pdf_reference(
    document_id: str,
    pdf: bytes,
    title: str,
    patient_id: str,
    author_id: str | None,
    created: datetime,
    preliminary: bool,
) -> DocumentReference:
    return DocumentReference(
        id=derived_id(document_id, "pdf"),
        meta=meta("DocumentReference"),
        text=narrative([f"{title} as printed (PDF)"]),
        status="current",
        docStatus="preliminary" if preliminary else "final",
        type=concept("TRANSFER_SUMMARY"),
        subject=ref(patient_id),
        date=utc(created),
        author=[ref(author_id)] if author_id else None,
        description=title,
        content=[
            DocumentReferenceContent(
                attachment=Attachment(
                    contentType="application/pdf",
                    data=base64.b64encode(pdf),
                    title=f"{title}.pdf",
                    creation=utc(created),
                )
            )
        ],
    )
