"""What an encounter form hands to the service (the input dataclasses and the encounter kinds),
and what checking it yields (`Prepared`, built by encounter_rules).

`EncounterInput.data` holds the form-specific answers (JSON). Keys the service checks, in
addition to storing them:

- "falls": {"fallen_last_year", "injury", "fear_of_falling", "gait_or_balance_concern"}: yes/no
  each (clinical.falls); any yes raises a FALLS_ASSESSMENT task.
- "social_care_needs" / "social_care_referral": yes/no; needs without a referral raise a
  SOCIAL_CARE_REFERRAL task.
- "asthma": the clinical.ltc.AsthmaReview fields; unrecorded items come back as warnings.
- "mrc_grade": COPD MRC dyspnoea grade 1-5. "oxygen_target": [low, high] prescribed SpO2 target.
- "on_hypoglycaemic_drug": yes/no, for the HbA1c target (NICE NG28).
- "lying_systolic" / "standing_systolic": mmHg, for the postural drop (NICE NG136).
Anything else (risk formulation, crisis plan, sharing decisions, ACCT involvement, continence,
vision, hearing, mobility and equipment, PEEP check, polypharmacy review, end-of-life
identification, diabetes care processes, epilepsy seizures/SUDEP/critical medicines, second-stage
answers…) is stored as given.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from hjdesk.clinical.ltc import HBA1C_PLAUSIBLE, FootRisk
from hjdesk.clinical.news2 import News2Result


class EncounterKind(enum.StrEnum):
    CLINIC_VISIT = "CLINIC_VISIT"
    CELL_DOOR = "CELL_DOOR"
    MH_SESSION = "MH_SESSION"
    OLDER_PRISONER_REVIEW = "OLDER_PRISONER_REVIEW"
    LTC_REVIEW = "LTC_REVIEW"
    SECOND_STAGE_ASSESSMENT = "SECOND_STAGE_ASSESSMENT"
    GENERAL = "GENERAL"


# HCAs record observations and measurements at a visit; reviews, assessments and questionnaires
# are signed by registered clinicians (our decision: an HCA is not a registered professional).
HCA_KINDS = frozenset({EncounterKind.CLINIC_VISIT, EncounterKind.CELL_DOOR, EncounterKind.GENERAL})


@dataclass(frozen=True, slots=True)
class VitalsInput:
    """One set of observations for NEWS2. Scale 2 needs the prescriber and the date prescribed."""

    resp_rate: int
    spo2: int
    on_oxygen: bool
    systolic_bp: int
    pulse: int
    consciousness: str
    temperature: float
    diastolic_bp: int | None = None
    spo2_scale: int = 1
    scale2_prescriber: str | None = None
    scale2_prescribed_on: date | None = None
    pregnant: bool = False
    taken_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SixCitInput:
    year_wrong: bool
    month_wrong: bool
    time_wrong: bool
    count_errors: int
    months_errors: int
    address_errors: int


@dataclass(frozen=True, slots=True)
class Aq10Input:
    """AQ-10 item scores (0/1, keyed); an override of the score's verdict needs a reason."""

    items: tuple[int, ...]
    override: bool | None = None
    override_reason: str | None = None


@dataclass(frozen=True, slots=True)
class QuestionnairesInput:
    phq9: tuple[int, ...] | None = None
    gad7: tuple[int, ...] | None = None
    six_cit: SixCitInput | None = None
    aq10: Aq10Input | None = None
    cfs_level: int | None = None


@dataclass(frozen=True, slots=True)
class MeasurementInput:
    """A result: a number, or a code for FOOT_RISK / SMOKING_STATUS / RETINAL_SCREENING."""

    code: str
    value: float | str
    unit: str = ""


@dataclass(frozen=True, slots=True)
class EscalationInput:
    """What was done about a red flag and to whom; `at` defaults to the signing time."""

    action: str
    escalated_to: str
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class EncounterInput:
    patient_id: str
    kind: EncounterKind | str
    started_at: datetime
    narrative: str
    ended_at: datetime | None = None
    place: str = ""
    appointment_id: str | None = None
    consent_recorded: bool = False
    capacity_concern: bool = False
    ltc_condition: str | None = None
    vitals: VitalsInput | None = None
    questionnaires: QuestionnairesInput | None = None
    measurements: tuple[MeasurementInput, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict, hash=False)
    escalation: EscalationInput | None = None
    draft_id: str | None = None


@dataclass(frozen=True, slots=True)
class MeasureSpec:
    """How a measurement code is checked: its unit and plausible range, or its allowed codes.

    Ranges only catch typing and unit errors (an HbA1c in % rather than mmol/mol); they are not
    clinical thresholds.
    """

    label: str
    unit: str
    low: float | None = None
    high: float | None = None
    choices: frozenset[str] | None = None

    @property
    def is_text(self) -> bool:
        return self.low is None


MEASUREMENTS: Mapping[str, MeasureSpec] = {
    "HBA1C": MeasureSpec("HbA1c", "mmol/mol", *HBA1C_PLAUSIBLE),
    "BP_SYSTOLIC": MeasureSpec("Systolic BP", "mmHg", 50, 300),
    "BP_DIASTOLIC": MeasureSpec("Diastolic BP", "mmHg", 20, 200),
    "CHOLESTEROL": MeasureSpec("Total cholesterol", "mmol/L", 0.5, 25),
    "CREATININE": MeasureSpec("Serum creatinine", "umol/L", 10, 2500),
    "UACR": MeasureSpec("Urine albumin:creatinine ratio", "mg/mmol", 0, 3000),
    "BMI": MeasureSpec("BMI", "kg/m2", 10, 90),
    "WEIGHT": MeasureSpec("Weight", "kg", 20, 350),
    "HEIGHT": MeasureSpec("Height", "cm", 100, 250),
    "PEAK_FLOW": MeasureSpec("Peak flow", "L/min", 50, 900),
    "FOOT_RISK": MeasureSpec("Foot risk", "", choices=frozenset(r.value for r in FootRisk)),
    "SMOKING_STATUS": MeasureSpec(
        "Smoking status", "", choices=frozenset({"SMOKER", "EX_SMOKER", "NEVER_SMOKED"})
    ),
    "RETINAL_SCREENING": MeasureSpec("Retinal screening", ""),
}


# --- What checking a form yields (built by encounter_rules) ---------------------------------


@dataclass(frozen=True, slots=True)
class Scored:
    """A questionnaire result ready to store."""

    instrument: str
    answers: Any
    total: int
    band: str
    flagged: bool
    override: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class MeasureRow:
    code: str
    value: float | None
    text_value: str | None
    unit: str


@dataclass(frozen=True, slots=True)
class TaskSpec:
    kind: str
    title: str
    detail: str
    due_at: datetime | None = None


@dataclass(slots=True)
class Prepared:
    """Everything the service stores for one signed encounter."""

    kind: EncounterKind
    now: datetime
    age: int
    started_at: datetime
    ltc_condition: str | None = None
    news2: News2Result | None = None
    vitals: VitalsInput | None = None
    pathway: str | None = None
    scores: list[Scored] = field(default_factory=list)
    measurements: list[MeasureRow] = field(default_factory=list)
    red_flags: list[str] = field(default_factory=list)
    escalation: EscalationInput | None = None
    prompts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    tasks: list[TaskSpec] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def derived(self) -> dict[str, Any]:
        return {
            "prompts": self.prompts,
            "warnings": self.warnings,
            "findings": self.findings,
            "pathway": self.pathway,
        }
