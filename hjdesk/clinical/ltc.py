"""Long-term condition review rules: diabetes, hypertension, asthma, COPD, epilepsy.

Sources: domain.md §7; NICE QS209 (the 9 diabetes care processes every 12 months); NICE NG28
(HbA1c targets 48/53 mmol/mol, consider intensifying at 58, relax for frailty); NICE NG19 (diabetic
foot risk and review intervals); NICE NG136 (blood pressure targets; lying/standing BP); NICE NG245
(asthma review); NICE NG217 and HSSIB (anti-seizure medicines are critical and must travel).
Review intervals, the COPD content and the critical-medicine list are local policy
(domain.md §7 [C]).

Decisions (ours, where the sources give a range):
- Foot review: MODERATE is due in 3 months and HIGH in 1 month (the short end of NG19's ranges, the
  safe choice); ACTIVE is due the next working day (weekends and listed holidays skipped).
- A diabetes care process is DUE from 30 days before its anniversary (so a nurse does it while the
  patient is in front of them), OVERDUE after it, and NOT_RECORDED if there is no date.
- HbA1c for a frail patient is still assessed against the standard target, with
  `relaxed_for_frailty` set: NG28 asks for an individual target, which only a clinician can agree.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType

from hjdesk.clinical.dates import add_months, add_months_or_end, next_working_day

HBA1C_TARGET_STANDARD = 48  # NG28: lifestyle or drugs that do not cause hypoglycaemia
HBA1C_TARGET_HYPO_RISK = 53  # NG28: on a drug that can cause hypoglycaemia
HBA1C_INTENSIFY_AT = 58  # NG28: consider intensifying treatment at or above
HBA1C_PLAUSIBLE = (10, 250)  # mmol/mol; outside this a value is a typing or unit error
POSTURAL_DROP_REVIEW_AT = 20  # NG136: systolic drop on standing that needs a medication review
ELDERLY_BP_AGE = 80  # NG136: targets relax at 80 and over
SCALE_2_OXYGEN_TARGET = (88, 92)  # RCP NEWS2: the only target that uses SpO2 scale 2


class LtcCondition(enum.StrEnum):
    DIABETES = "DIABETES"
    HYPERTENSION = "HYPERTENSION"
    ASTHMA = "ASTHMA"
    COPD = "COPD"
    EPILEPSY = "EPILEPSY"


class DiabetesCareProcess(enum.StrEnum):
    """The 9 care processes (NICE QS209)."""

    HBA1C = "HBA1C"
    BLOOD_PRESSURE = "BLOOD_PRESSURE"
    CHOLESTEROL = "CHOLESTEROL"
    SERUM_CREATININE = "SERUM_CREATININE"
    URINE_ALBUMIN_CREATININE_RATIO = "URINE_ALBUMIN_CREATININE_RATIO"
    FOOT_EXAMINATION = "FOOT_EXAMINATION"
    BMI = "BMI"
    SMOKING_STATUS = "SMOKING_STATUS"
    RETINAL_SCREENING = "RETINAL_SCREENING"


class CareProcessState(enum.StrEnum):
    UP_TO_DATE = "UP_TO_DATE"
    DUE = "DUE"
    OVERDUE = "OVERDUE"
    NOT_RECORDED = "NOT_RECORDED"


class Hba1cBand(enum.StrEnum):
    AT_OR_BELOW_TARGET = "AT_OR_BELOW_TARGET"
    ABOVE_TARGET = "ABOVE_TARGET"
    CONSIDER_INTENSIFYING = "CONSIDER_INTENSIFYING"


class FootRisk(enum.StrEnum):
    LOW = "LOW"
    MODERATE = "MODERATE"
    HIGH = "HIGH"
    ACTIVE = "ACTIVE"


class BpSetting(enum.StrEnum):
    """Where the reading was taken; home and ambulatory share targets (NG136)."""

    CLINIC = "CLINIC"
    HOME = "HOME"
    AMBULATORY = "AMBULATORY"


def _default_foot_months() -> Mapping[FootRisk, int]:
    return MappingProxyType({FootRisk.LOW: 12, FootRisk.MODERATE: 3, FootRisk.HIGH: 1})


def _default_review_months() -> Mapping[LtcCondition, int]:
    return MappingProxyType(dict.fromkeys(LtcCondition, 12))


def _normalise_class(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", text.upper().replace("'", "")).strip("_")


@dataclass(frozen=True, slots=True)
class LtcPolicy:
    """Local LTC policy (domain.md §7 [C]) with the NICE defaults."""

    care_process_interval_months: int = 12
    care_process_due_soon_days: int = 30
    foot_review_months: Mapping[FootRisk, int] = field(
        default_factory=_default_foot_months, hash=False
    )
    review_interval_months: Mapping[LtcCondition, int] = field(
        default_factory=_default_review_months, hash=False
    )
    critical_medicine_classes: frozenset[str] = frozenset({"ANTI_SEIZURE", "INSULIN", "PARKINSONS"})
    non_working_days: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if self.care_process_interval_months < 1 or self.care_process_due_soon_days < 0:
            raise ValueError("Care process intervals must be positive")
        for risk in (FootRisk.LOW, FootRisk.MODERATE, FootRisk.HIGH):
            if self.foot_review_months.get(risk, 0) < 1:
                raise ValueError(f"Give a foot review interval of at least 1 month for {risk}")
        for condition in LtcCondition:
            if self.review_interval_months.get(condition, 0) < 1:
                raise ValueError(f"Give a review interval of at least 1 month for {condition}")


DEFAULT_LTC_POLICY = LtcPolicy()


# --- Diabetes -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CareProcessStatus:
    process: DiabetesCareProcess
    last_done: date | None
    due_on: date | None
    state: CareProcessState

    @property
    def needs_doing(self) -> bool:
        return self.state is not CareProcessState.UP_TO_DATE


def diabetes_care_processes_status(
    last_done: Mapping[DiabetesCareProcess, date | None],
    today: date,
    policy: LtcPolicy = DEFAULT_LTC_POLICY,
) -> list[CareProcessStatus]:
    """All 9 care processes, in QS209 order, each with its due date and state on `today`."""
    result: list[CareProcessStatus] = []
    for process in DiabetesCareProcess:
        done = last_done.get(process)
        if done is None:
            result.append(CareProcessStatus(process, None, None, CareProcessState.NOT_RECORDED))
            continue
        if done > today:
            raise ValueError(f"The date {process} was last done is in the future")
        due = add_months(done, policy.care_process_interval_months)
        if today > due:
            state = CareProcessState.OVERDUE
        elif today >= due - timedelta(days=policy.care_process_due_soon_days):
            state = CareProcessState.DUE
        else:
            state = CareProcessState.UP_TO_DATE
        result.append(CareProcessStatus(process, done, due, state))
    return result


@dataclass(frozen=True, slots=True)
class Hba1cTarget:
    target_mmol_mol: int
    relaxed_for_frailty: bool


@dataclass(frozen=True, slots=True)
class Hba1cAssessment:
    value_mmol_mol: float
    target: Hba1cTarget
    band: Hba1cBand


def hba1c_target(on_hypoglycaemic_drug: bool, frail: bool) -> Hba1cTarget:
    """NG28 target; for frailty NG28 asks for a relaxed, individual target (flagged)."""
    target = HBA1C_TARGET_HYPO_RISK if on_hypoglycaemic_drug else HBA1C_TARGET_STANDARD
    return Hba1cTarget(target, relaxed_for_frailty=frail)


def hba1c_assessment(
    value_mmol_mol: float, on_hypoglycaemic_drug: bool, frail: bool
) -> Hba1cAssessment:
    low, high = HBA1C_PLAUSIBLE
    if isinstance(value_mmol_mol, bool) or not low <= value_mmol_mol <= high:
        raise ValueError(
            f"An HbA1c of {value_mmol_mol!r} mmol/mol is not possible: check the value and "
            "that it is in mmol/mol, not %"
        )
    target = hba1c_target(on_hypoglycaemic_drug, frail)
    if value_mmol_mol >= HBA1C_INTENSIFY_AT:
        band = Hba1cBand.CONSIDER_INTENSIFYING
    elif value_mmol_mol > target.target_mmol_mol:
        band = Hba1cBand.ABOVE_TARGET
    else:
        band = Hba1cBand.AT_OR_BELOW_TARGET
    return Hba1cAssessment(value_mmol_mol, target, band)


def next_foot_review(
    risk: FootRisk, last_review: date, policy: LtcPolicy = DEFAULT_LTC_POLICY
) -> date:
    """When the next foot review (or, for ACTIVE, the foot-service referral) is due (NG19).

    The calendar's last day where the due date would fall after it: only a review pulled from a
    device in hostile hands is dated so late, and its correction must say why it is refused,
    not stop."""
    risk = FootRisk(risk)
    if risk is FootRisk.ACTIVE:
        try:
            return next_working_day(last_review, policy.non_working_days)
        except OverflowError:  # no working day left in the calendar
            return date.max
    return add_months_or_end(last_review, policy.foot_review_months[risk])


# --- Hypertension ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BpTarget:
    """Readings must be strictly below both numbers."""

    systolic_below: int
    diastolic_below: int


def _check_age(age: int) -> int:
    if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 130:
        raise ValueError(f"An age of {age!r} is not possible")
    return age


def _check_bp(systolic: int, diastolic: int) -> None:
    for name, value, low, high in (
        ("systolic", systolic, 50, 300),
        ("diastolic", diastolic, 20, 200),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"A {name} pressure of {value!r} mmHg is not possible")
    if systolic <= diastolic:
        raise ValueError("The systolic pressure must be higher than the diastolic")


def bp_target(age: int, setting: BpSetting) -> BpTarget:
    """NG136 target for the reading's setting and the patient's age."""
    elderly = _check_age(age) >= ELDERLY_BP_AGE
    if BpSetting(setting) is BpSetting.CLINIC:
        return BpTarget(150, 90) if elderly else BpTarget(140, 90)
    return BpTarget(145, 85) if elderly else BpTarget(135, 85)


def bp_at_target(systolic: int, diastolic: int, age: int, setting: BpSetting) -> bool:
    _check_bp(systolic, diastolic)
    target = bp_target(age, setting)
    return systolic < target.systolic_below and diastolic < target.diastolic_below


def needs_lying_standing_bp(falls_or_dizziness: bool) -> bool:
    """NG136: measure lying and standing BP in anyone with falls or postural dizziness."""
    return bool(falls_or_dizziness)


def postural_drop_needs_medication_review(lying_systolic: int, standing_systolic: int) -> bool:
    """A systolic drop of 20 mmHg or more on standing calls for a medication review."""
    for name, value in (("lying", lying_systolic), ("standing", standing_systolic)):
        if isinstance(value, bool) or not isinstance(value, int) or not 50 <= value <= 300:
            raise ValueError(f"A {name} systolic pressure of {value!r} mmHg is not possible")
    return lying_systolic - standing_systolic >= POSTURAL_DROP_REVIEW_AT


# --- Asthma and COPD ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AsthmaReview:
    """NG245 review items; None means not recorded. Technique must be watched, not asked."""

    reliever_uses_per_week: int | None = None
    exacerbations_last_12_months: int | None = None
    has_written_action_plan: bool | None = None
    inhaler_technique_observed_ok: bool | None = None
    adherence_good: bool | None = None
    smokes: bool | None = None
    vapes: bool | None = None

    def __post_init__(self) -> None:
        for value in (self.reliever_uses_per_week, self.exacerbations_last_12_months):
            if value is not None and value < 0:
                raise ValueError("Counts in an asthma review cannot be negative")


_ASTHMA_ITEMS: tuple[tuple[str, str], ...] = (
    ("reliever_uses_per_week", "Record how often the reliever is used."),
    ("exacerbations_last_12_months", "Record asthma attacks in the last 12 months."),
    ("has_written_action_plan", "Record whether there is a written asthma action plan."),
    ("inhaler_technique_observed_ok", "Watch the patient use their inhaler and record it."),
    ("adherence_good", "Record adherence to preventer treatment."),
    ("smokes", "Record smoking status."),
    ("vapes", "Record vaping."),
)


def asthma_review_missing(review: AsthmaReview) -> list[str]:
    return [message for name, message in _ASTHMA_ITEMS if getattr(review, name) is None]


def asthma_review_complete(review: AsthmaReview) -> bool:
    return not asthma_review_missing(review)


def validate_mrc_grade(grade: int) -> int:
    """MRC dyspnoea scale grade, 1 (breathless only on strenuous exercise) to 5 (housebound)."""
    if isinstance(grade, bool) or not isinstance(grade, int) or not 1 <= grade <= 5:
        raise ValueError(f"The MRC dyspnoea grade must be a whole number 1 to 5, got {grade!r}")
    return grade


def news2_scale_for_oxygen_target(target_low: int, target_high: int) -> int:
    """The NEWS2 SpO2 scale for a prescribed target: 2 only for 88-92%, otherwise 1."""
    for value in (target_low, target_high):
        if isinstance(value, bool) or not isinstance(value, int) or not 70 <= value <= 100:
            raise ValueError(f"An oxygen saturation target of {value!r}% is not possible")
    if target_low >= target_high:
        raise ValueError("The lower oxygen target must be below the upper one")
    return 2 if (target_low, target_high) == SCALE_2_OXYGEN_TARGET else 1


# --- Medicines and review intervals ---------------------------------------------------------


def is_critical_medicine(
    medicine_class: str | None,
    *,
    flagged_critical: bool = False,
    policy: LtcPolicy = DEFAULT_LTC_POLICY,
) -> bool:
    """A medicine that must travel with the patient: flagged, or of a critical class.

    Class names compare without case or punctuation, so "Parkinson's" matches PARKINSONS.
    """
    if flagged_critical:
        return True
    if medicine_class is None or not medicine_class.strip():
        return False
    critical = {_normalise_class(c) for c in policy.critical_medicine_classes}
    return _normalise_class(medicine_class) in critical


def next_ltc_review_due(
    last_review: date, condition: LtcCondition, policy: LtcPolicy = DEFAULT_LTC_POLICY
) -> date:
    return add_months_or_end(last_review, policy.review_interval_months[LtcCondition(condition)])
