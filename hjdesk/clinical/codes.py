"""The clinical codes HJDesk sends to other NHS systems, in one table, each with its source.

Only codes we could check in a published artefact are here (domain.md §11: take codes from the UK
SNOMED CT release or LOINC, never invent one). Where no code could be confirmed (the 6CIT and AQ-10
totals, the NEWS2 oxygen-saturation scale 2 sub-score) the exporter sends the concept as text
only, which a receiving system shows as written rather than mis-reads as something else.

Pure: no I/O. The FHIR builder (hjdesk.interop) reads this table; docs/fhir.md lists it.
"""

from __future__ import annotations

from dataclasses import dataclass

from hjdesk.clinical.news2 import NEWS2_TOTAL_SNOMED

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"

# Identifier systems and UK Core code systems (HL7 UK / NHS England published URLs).
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
NHS_NUMBER_VERIFICATION_EXTENSION = (
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
)
NHS_NUMBER_VERIFICATION_SYSTEM = (
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
)
LIST_EMPTY_REASON_SYSTEM = "https://fhir.hl7.org.uk/CodeSystem/UKCore-ListEmptyReasonCode"
OBSERVATION_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
# No national identifier system exists for NOMIS prison numbers or establishment codes: these are
# HJDesk's own, under a reserved domain (RFC 2606) so no one mistakes them for a national one.
PRISON_NUMBER_SYSTEM = "https://hjdesk.invalid/Id/prison-number"
ESTABLISHMENT_CODE_SYSTEM = "https://hjdesk.invalid/Id/establishment-code"
HJDESK_RECORD_SYSTEM = "https://hjdesk.invalid/Id/record"
# A member of staff by their estate-wide HJDesk staff id (estate_ids.staff_id), and the tag that
# marks a Practitioner named only by the hub's name card (hazard H-37): a member of staff of
# another establishment, whose name and role this laptop holds from that card, not from a staff
# record of its own.
STAFF_ID_SYSTEM = "https://hjdesk.invalid/Id/staff"
NAME_SOURCE_SYSTEM = "https://hjdesk.invalid/CodeSystem/name-source"

UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-"


def uk_core_profile(resource_type: str) -> str:
    """`Patient` → the UK Core Patient profile URL."""
    return UK_CORE + resource_type


@dataclass(frozen=True, slots=True)
class Code:
    """One concept: system, code, display and where we checked it."""

    system: str
    code: str
    display: str
    source: str


def _sct(code: str, display: str, source: str) -> Code:
    return Code(SNOMED, code, display, source)


def _loinc(code: str, display: str) -> Code:
    return Code(LOINC, code, display, f"LOINC {code} {display}")


_RCP_NEWS2 = "SNOMED CT UK edition, as used in the NHS Wales Emergency Department FHIR IG examples"

CODES: dict[str, Code] = {
    # NEWS2 (RCP 2017): the total and one sub-score per parameter.
    "NEWS2_TOTAL": _sct(
        NEWS2_TOTAL_SNOMED,
        "Royal College of Physicians NEWS2 (National Early Warning Score 2) total score",
        "domain.md §11; " + _RCP_NEWS2,
    ),
    "NEWS2_RESP_RATE": _sct("1104301000000104", "NEWS2 - respiration rate score", _RCP_NEWS2),
    "NEWS2_SPO2_SCALE1": _sct(
        "1104311000000102", "NEWS2 - oxygen saturation scale 1 score", _RCP_NEWS2
    ),
    "NEWS2_AIR_OR_OXYGEN": _sct("1104331000000105", "NEWS2 - air or oxygen score", _RCP_NEWS2),
    "NEWS2_SYSTOLIC_BP": _sct(
        "1104341000000101", "NEWS2 - systolic blood pressure score", _RCP_NEWS2
    ),
    "NEWS2_PULSE": _sct("1104351000000103", "NEWS2 - pulse score", _RCP_NEWS2),
    "NEWS2_CONSCIOUSNESS": _sct("1104361000000100", "NEWS2 - consciousness score", _RCP_NEWS2),
    "NEWS2_TEMPERATURE": _sct("1104371000000107", "NEWS2 - temperature score", _RCP_NEWS2),
    "ACVPU": _sct(
        "1104441000000107",
        "ACVPU (Alert Confusion Voice Pain Unresponsive) scale score",
        _RCP_NEWS2,
    ),
    "BREATHING_ROOM_AIR": _sct("722742002", "Breathing room air", _RCP_NEWS2),
    # Scores (domain.md §11, checked in public FHIR artefacts).
    "PHQ9_TOTAL": _sct(
        "720433000", "Patient Health Questionnaire Nine Item score", "domain.md §11"
    ),
    "GAD7_TOTAL": _sct("445455005", "Generalized Anxiety Disorder 7 item score", "domain.md §11"),
    "CFS_LEVEL": _sct(
        "763264000",
        "Canadian Study of Health and Aging Clinical Frailty Scale score",
        "domain.md §11",
    ),
    # Long-term conditions (SNOMED CT international release, disorder concepts).
    "DIABETES": _sct("73211009", "Diabetes mellitus", "SNOMED CT 73211009 |Diabetes mellitus|"),
    "HYPERTENSION": _sct(
        "38341003", "Hypertensive disorder", "SNOMED CT 38341003 |Hypertensive disorder|"
    ),
    "ASTHMA": _sct("195967001", "Asthma", "SNOMED CT 195967001 |Asthma|"),
    "COPD": _sct(
        "13645005",
        "Chronic obstructive lung disease",
        "SNOMED CT 13645005 |Chronic obstructive lung disease|",
    ),
    "EPILEPSY": _sct("84757009", "Epilepsy", "SNOMED CT 84757009 |Epilepsy|"),
    # Vital signs (LOINC, as the FHIR R4 vital-signs profiles require).
    "VITAL_SIGNS_PANEL": _loinc(
        "85353-1",
        "Vital signs, weight, height, head circumference, oxygen saturation and BMI panel",
    ),
    "RESP_RATE": _loinc("9279-1", "Respiratory rate"),
    "HEART_RATE": _loinc("8867-4", "Heart rate"),
    "SPO2": _loinc("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
    "SPO2_VITAL": _loinc("2708-6", "Oxygen saturation in Arterial blood"),
    "BODY_TEMPERATURE": _loinc("8310-5", "Body temperature"),
    "BP_PANEL": _loinc("85354-9", "Blood pressure panel with all children optional"),
    "BP_SYSTOLIC": _loinc("8480-6", "Systolic blood pressure"),
    "BP_DIASTOLIC": _loinc("8462-4", "Diastolic blood pressure"),
    "HBA1C": _loinc("59261-8", "Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol"),
    # Questionnaire totals (LOINC panels' total-score codes).
    "PHQ9_TOTAL_LOINC": _loinc(
        "44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"
    ),
    "GAD7_TOTAL_LOINC": _loinc(
        "70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]"
    ),
    # The document itself.
    "TRANSFER_SUMMARY": _loinc("18761-7", "Transfer summary note"),
}

# Concepts with no code we could confirm: sent as text (docs/fhir.md says so).
TEXT_ONLY = {
    "NEWS2_SPO2_SCALE2": "NEWS2 - oxygen saturation scale 2 score",
    "SIX_CIT_TOTAL": "6CIT (Six-item Cognitive Impairment Test) total score",
    "AQ10_TOTAL": "AQ-10 (Autism Spectrum Quotient, 10 items) total score",
    "ON_OXYGEN": "Receiving supplemental oxygen",
    "FOOT_RISK": "Diabetic foot risk",
}

# NEWS2 sub-score keys (as hjdesk.clinical.news2 stores them) → their code key above.
NEWS2_COMPONENTS = {
    "resp_rate": "NEWS2_RESP_RATE",
    "spo2": "NEWS2_SPO2_SCALE1",
    "air_or_oxygen": "NEWS2_AIR_OR_OXYGEN",
    "systolic_bp": "NEWS2_SYSTOLIC_BP",
    "pulse": "NEWS2_PULSE",
    "consciousness": "NEWS2_CONSCIOUSNESS",
    "temperature": "NEWS2_TEMPERATURE",
}

# NHS number verification status (UK Core, England). An NHS number from the prison roll has not
# been traced against PDS by HJDesk: "02 Number present but not traced".
NHS_NUMBER_PRESENT_NOT_TRACED = Code(
    NHS_NUMBER_VERIFICATION_SYSTEM,
    "02",
    "Number present but not traced",
    "UK Core CodeSystem UKCore-NHSNumberVerificationStatusEngland",
)
NO_CONTENT_RECORDED = Code(
    LIST_EMPTY_REASON_SYSTEM,
    "no-content-recorded",
    "No Content Recorded",
    "UK Core CodeSystem UKCore-ListEmptyReasonCode",
)

# HJDesk's own code (no published one says where a name came from): the Practitioner's name and
# role are those of the hub's name card, whose establishment is the identifier's assigner.
HUB_NAME_CARD = Code(
    NAME_SOURCE_SYSTEM,
    "hub-name-card",
    "Named from the hub's name card of another establishment's staff",
    "HJDesk (docs/fhir.md, 'Who wrote it'); hazard H-37",
)


def code(key: str) -> Code:
    return CODES[key]
