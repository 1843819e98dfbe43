"""Observations and QuestionnaireResponses: the latest vital signs (LOINC, vital-signs category),
the NEWS2 total (SNOMED CT) with a component per parameter score and derivedFrom the vital signs,
HbA1c, the Clinical Frailty Scale level, and PHQ-9 / GAD-7 / 6CIT / AQ-10 each as a
QuestionnaireResponse with its total also as an Observation.

Every Observation names the UK Core Observation profile; the vital signs also name the base FHIR
vital-signs profile they meet, so a receiver that checks either can.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.observation import Observation, ObservationComponent
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse,
    QuestionnaireResponseItem,
    QuestionnaireResponseItemAnswer,
)
from fhir.resources.R4B.reference import Reference

from hjdesk.clinical.codes import NEWS2_COMPONENTS, OBSERVATION_CATEGORY_SYSTEM
from hjdesk.clinical.questionnaires import GAD7_ITEMS, PHQ9_ITEMS, SIX_CIT_TOPICS
from hjdesk.interop.fhir_common import (
    as_fhir_date,
    concept,
    derived_id,
    meta,
    narrative,
    quantity,
    ref,
    score,
    system_concept,
    text_concept,
    utc,
)
from hjdesk.reports.text import moment, words
from hjdesk.services.release import FrailtyItem, MeasuredResult, ScoredQuestionnaire, VitalSigns

BASE = "http://hl7.org/fhir/StructureDefinition/"
CONSCIOUSNESS = {"A": "Alert", "C": "New confusion", "V": "Voice", "P": "Pain", "U": "Unresponsive"}
INSTRUMENT_TITLES = {"PHQ9": "PHQ-9", "GAD7": "GAD-7", "SIX_CIT": "6CIT", "AQ10": "AQ-10"}
TOTAL_CODES = {
    "PHQ9": ("PHQ9_TOTAL", "PHQ9_TOTAL_LOINC"),
    "GAD7": ("GAD7_TOTAL", "GAD7_TOTAL_LOINC"),
    "SIX_CIT": ("SIX_CIT_TOTAL",),
    "AQ10": ("AQ10_TOTAL",),
}


@dataclass(frozen=True, slots=True)
class Subject:
    """What every clinical resource points at: the patient, and who recorded it."""

    patient_id: str
    performer_id: str | None


def _category(code: str, display: str) -> list[CodeableConcept]:
    return [system_concept(OBSERVATION_CATEGORY_SYSTEM, code, display)]


def _observation(
    resource_id: str,
    subject: Subject,
    code: CodeableConcept,
    when: datetime | date,
    *,
    category: tuple[str, str],
    lines: list[str],
    encounter_id: str | None = None,
    vital_profile: str | None = None,
    **values: object,
) -> Observation:
    performer = subject.performer_id
    return Observation(
        id=resource_id,
        meta=meta("Observation", *([BASE + vital_profile] if vital_profile else [])),
        text=narrative(lines),
        status="final",
        category=_category(*category),
        code=code,
        subject=ref(subject.patient_id),
        encounter=ref(encounter_id) if encounter_id else None,
        effectiveDateTime=utc(when) if isinstance(when, datetime) else as_fhir_date(when),
        performer=[ref(performer)] if performer else None,
        **values,  # type: ignore[arg-type]  # value[x], component, derivedFrom… validated here
    )


VITAL = ("vital-signs", "Vital Signs")
SURVEY = ("survey", "Survey")
LAB = ("laboratory", "Laboratory")


def vital_signs(v: VitalSigns, subject: Subject) -> list[Observation]:
    """One Observation per vital sign, then the NEWS2 total derived from them (last)."""
    o = v.values
    when, enc = o.taken_at, v.encounter_id

    def one(
        what: str, code: CodeableConcept, line: str, profile: str | None, **values: object
    ) -> Observation:
        return _observation(
            derived_id(v.record_id, what),
            subject,
            code,
            when,
            category=VITAL,
            lines=[line],
            encounter_id=enc,
            vital_profile=profile,
            **values,
        )

    bp_parts = [
        ObservationComponent(
            code=concept("BP_SYSTOLIC"), valueQuantity=quantity(o.systolic_bp, "mmHg", "mm[Hg]")
        )
    ]
    if o.diastolic_bp is not None:
        bp_parts.append(
            ObservationComponent(
                code=concept("BP_DIASTOLIC"),
                valueQuantity=quantity(o.diastolic_bp, "mmHg", "mm[Hg]"),
            )
        )
    dia = f"/{o.diastolic_bp}" if o.diastolic_bp is not None else ""
    vitals = [
        one(
            "resp_rate",
            concept("RESP_RATE"),
            f"Respiration rate {o.resp_rate}/min",
            "resprate",
            valueQuantity=quantity(o.resp_rate, "breaths/minute", "/min"),
        ),
        one(
            "spo2",
            concept("SPO2", "SPO2_VITAL"),
            f"SpO2 {o.spo2}% (scale {o.spo2_scale})",
            "oxygensat",
            valueQuantity=quantity(o.spo2, "%", "%"),
        ),
        one(
            "air_or_oxygen",
            concept("ON_OXYGEN") if o.on_oxygen else concept("BREATHING_ROOM_AIR"),
            "On oxygen" if o.on_oxygen else "On air",
            None,
            valueBoolean=True,
        ),
        one(
            "systolic_bp",
            concept("BP_PANEL"),
            f"Blood pressure {o.systolic_bp}{dia} mmHg",
            "bp",
            component=bp_parts,
        ),
        one(
            "pulse",
            concept("HEART_RATE"),
            f"Pulse {o.pulse}/min",
            "heartrate",
            valueQuantity=quantity(o.pulse, "beats/minute", "/min"),
        ),
        one(
            "consciousness",
            concept("ACVPU"),
            f"Consciousness (ACVPU): {CONSCIOUSNESS.get(o.consciousness, o.consciousness)}",
            None,
            valueCodeableConcept=text_concept(CONSCIOUSNESS.get(o.consciousness, o.consciousness)),
        ),
        one(
            "temperature",
            concept("BODY_TEMPERATURE"),
            f"Temperature {o.temperature:g} °C",
            "bodytemp",
            valueQuantity=quantity(o.temperature, "°C", "Cel"),
        ),
    ]
    return [*vitals, news2(v, subject, vitals)]


def news2(v: VitalSigns, subject: Subject, vitals: list[Observation]) -> Observation:
    o = v.values
    parts = []
    for key, value in o.subscores.items():
        code_key = NEWS2_COMPONENTS.get(key)
        if key == "spo2" and o.spo2_scale == 2:
            code_key = "NEWS2_SPO2_SCALE2"
        if code_key is None:
            continue
        parts.append(ObservationComponent(code=concept(code_key), valueQuantity=score(value)))
    risk = words(o.news2_risk)
    red = " (a single parameter scored 3)" if o.red_score else ""
    return _observation(
        v.record_id,
        subject,
        concept("NEWS2_TOTAL"),
        o.taken_at,
        category=SURVEY,
        lines=[f"NEWS2 total {o.news2_total}: risk {risk.lower()}{red}"],
        encounter_id=v.encounter_id,
        valueQuantity=score(o.news2_total),
        interpretation=[text_concept(f"Clinical risk: {risk}{red}")],
        component=parts,
        derivedFrom=[ref(str(x.id)) for x in vitals],
    )


def hba1c(m: MeasuredResult, subject: Subject) -> Observation:
    value = m.value if m.value is not None else 0.0
    return _observation(
        m.record_id,
        subject,
        concept("HBA1C"),
        m.taken_at,
        category=LAB,
        lines=[f"HbA1c {value:g} {m.unit} ({moment(m.taken_at)})"],
        encounter_id=m.encounter_id,
        valueQuantity=quantity(value, m.unit or "mmol/mol", "mmol/mol"),
    )


def frailty(f: FrailtyItem, subject: Subject, patient_id: str) -> Observation:
    return _observation(
        derived_id(patient_id, "cfs", f.assessed_on.isoformat()),
        subject,
        concept("CFS_LEVEL"),
        f.assessed_on,  # the day only: the summary keeps no time for it
        category=SURVEY,
        lines=[f"Clinical Frailty Scale level {f.cfs_level}: {f.cfs_name}"],
        valueQuantity=score(f.cfs_level),
        interpretation=[text_concept(f.cfs_name)],
        note=[Annotation(text=f"Recorded from: {words(f.source)}")],
    )


_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


def _items(q: ScoredQuestionnaire) -> list[QuestionnaireResponseItem]:
    answers = q.values.answers

    def item(link: str, text: str, value: object) -> QuestionnaireResponseItem:
        # Only a finite number a FHIR integer holds (32 bits, signed) is an answer: a vault may
        # hold a NaN pulled before the hub refused them, or any number a device in hostile
        # hands pushed, and int() of a NaN, or an integer past the range, would stop the whole
        # document.
        answer = (
            [QuestionnaireResponseItemAnswer(valueInteger=int(value))]
            if isinstance(value, int | float)
            and math.isfinite(value)
            and _INT32_MIN <= value <= _INT32_MAX
            else None
        )
        return QuestionnaireResponseItem(linkId=link, text=text, answer=answer)

    name = q.values.instrument
    if name in ("PHQ9", "GAD7") and isinstance(answers, list):
        texts = PHQ9_ITEMS if name == "PHQ9" else GAD7_ITEMS
        return [item(str(n), t, a) for n, (t, a) in enumerate(zip(texts, answers, strict=False), 1)]
    if name == "SIX_CIT" and isinstance(answers, Mapping):
        # By topic and weighted score only: the published form is not reproduced (domain.md §4).
        subs = answers.get("subscores", {})
        if not isinstance(subs, Mapping):  # not as the encounter service stores them
            return []
        return [item(str(k), SIX_CIT_TOPICS.get(k, words(str(k))), v) for k, v in subs.items()]
    if name == "AQ10" and isinstance(answers, list):
        return [item(str(n), f"Item {n}", a) for n, a in enumerate(answers, 1)]
    return []


def questionnaire(
    q: ScoredQuestionnaire, subject: Subject
) -> tuple[QuestionnaireResponse, Observation]:
    """The answers as a QuestionnaireResponse, and the total as an Observation derived from it."""
    title = INSTRUMENT_TITLES.get(q.values.instrument, q.values.instrument)
    band = q.values.band
    flag = " (flagged)" if q.values.flagged else ""
    line = f"{title} total {q.values.total}: {words(band).lower()}{flag} ({moment(q.taken_at)})"
    performer = subject.performer_id
    response = QuestionnaireResponse(
        id=derived_id(q.record_id, "answers"),
        meta=meta("QuestionnaireResponse"),
        text=narrative([line]),
        status="completed",
        subject=ref(subject.patient_id),
        encounter=ref(q.encounter_id),
        authored=utc(q.taken_at),
        author=ref(performer) if performer else None,
        item=_items(q) or None,
    )
    total = _observation(
        q.record_id,
        subject,
        concept(*TOTAL_CODES.get(q.values.instrument, ()), text=f"{title} total score"),
        q.taken_at,
        category=SURVEY,
        lines=[line],
        encounter_id=q.encounter_id,
        valueQuantity=score(q.values.total),
        interpretation=[text_concept(words(band) + flag)],
        derivedFrom=[Reference(reference=f"urn:uuid:{response.id}")],
    )
    return response, total
