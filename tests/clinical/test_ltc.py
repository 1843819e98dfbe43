"""Tests for hjdesk.clinical.ltc (domain.md §7 long-term condition reviews)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from types import MappingProxyType

import pytest

from hjdesk.clinical.ltc import (
    DEFAULT_LTC_POLICY,
    AsthmaReview,
    BpSetting,
    BpTarget,
    CareProcessState,
    DiabetesCareProcess,
    FootRisk,
    Hba1cBand,
    Hba1cTarget,
    LtcCondition,
    LtcPolicy,
    asthma_review_complete,
    asthma_review_missing,
    bp_at_target,
    bp_target,
    diabetes_care_processes_status,
    hba1c_assessment,
    hba1c_target,
    is_critical_medicine,
    needs_lying_standing_bp,
    news2_scale_for_oxygen_target,
    next_foot_review,
    next_ltc_review_due,
    postural_drop_needs_medication_review,
    validate_mrc_grade,
)

P = DiabetesCareProcess
ST = CareProcessState
TODAY = date(2024, 6, 15)

NINE = [
    "HBA1C",
    "BLOOD_PRESSURE",
    "CHOLESTEROL",
    "SERUM_CREATININE",
    "URINE_ALBUMIN_CREATININE_RATIO",
    "FOOT_EXAMINATION",
    "BMI",
    "SMOKING_STATUS",
    "RETINAL_SCREENING",
]


@pytest.mark.parametrize(
    ("enum_type", "names"),
    [
        (DiabetesCareProcess, NINE),
        (FootRisk, ["LOW", "MODERATE", "HIGH", "ACTIVE"]),
        (LtcCondition, ["DIABETES", "HYPERTENSION", "ASTHMA", "COPD", "EPILEPSY"]),
        (CareProcessState, ["UP_TO_DATE", "DUE", "OVERDUE", "NOT_RECORDED"]),
        (Hba1cBand, ["AT_OR_BELOW_TARGET", "ABOVE_TARGET", "CONSIDER_INTENSIFYING"]),
        (BpSetting, ["CLINIC", "HOME", "AMBULATORY"]),
    ],
)
def test_enum_values(enum_type: type, names: list[str]) -> None:
    assert [m.value for m in enum_type] == names


# --- diabetes care processes ----------------------------------------------------------------


def test_all_nine_processes_reported_in_order() -> None:
    statuses = diabetes_care_processes_status({}, TODAY)
    assert [s.process.value for s in statuses] == NINE
    assert all(s.state is ST.NOT_RECORDED for s in statuses)
    assert all(s.due_on is None and s.last_done is None for s in statuses)
    assert all(s.needs_doing for s in statuses)


def test_explicit_none_is_not_recorded() -> None:
    (hba1c, *_) = diabetes_care_processes_status({P.HBA1C: None}, TODAY)
    assert hba1c.state is ST.NOT_RECORDED


@pytest.mark.parametrize(
    ("last_done", "state"),
    [
        (date(2023, 6, 14), ST.OVERDUE),  # anniversary yesterday
        (date(2023, 6, 15), ST.DUE),  # anniversary today
        (date(2023, 7, 15), ST.DUE),  # due in exactly 30 days
        (date(2023, 7, 16), ST.UP_TO_DATE),  # due in 31 days
        (date(2024, 6, 15), ST.UP_TO_DATE),  # done today
        (date(2022, 1, 1), ST.OVERDUE),
    ],
)
def test_care_process_edges(last_done: date, state: CareProcessState) -> None:
    statuses = diabetes_care_processes_status({P.RETINAL_SCREENING: last_done}, TODAY)
    retinal = statuses[-1]
    assert retinal.process is P.RETINAL_SCREENING
    assert retinal.state is state
    assert retinal.last_done == last_done
    assert retinal.needs_doing is (state is not ST.UP_TO_DATE)


def test_care_process_due_date_is_twelve_calendar_months() -> None:
    statuses = diabetes_care_processes_status({P.BMI: date(2024, 2, 29)}, date(2024, 3, 1))
    bmi = next(s for s in statuses if s.process is P.BMI)
    assert bmi.due_on == date(2025, 2, 28)


def test_mixed_processes() -> None:
    last = {P.HBA1C: date(2024, 5, 1), P.BLOOD_PRESSURE: date(2023, 1, 1), P.BMI: None}
    states = {s.process: s.state for s in diabetes_care_processes_status(last, TODAY)}
    assert states[P.HBA1C] is ST.UP_TO_DATE
    assert states[P.BLOOD_PRESSURE] is ST.OVERDUE
    assert states[P.BMI] is ST.NOT_RECORDED
    assert states[P.CHOLESTEROL] is ST.NOT_RECORDED


def test_care_process_in_the_future_is_an_error() -> None:
    with pytest.raises(ValueError, match="future"):
        diabetes_care_processes_status({P.HBA1C: date(2024, 6, 16)}, TODAY)


def test_care_process_policy() -> None:
    policy = LtcPolicy(care_process_interval_months=6, care_process_due_soon_days=0)
    (hba1c, *_) = diabetes_care_processes_status({P.HBA1C: date(2024, 1, 15)}, TODAY, policy)
    assert hba1c.due_on == date(2024, 7, 15)
    assert hba1c.state is ST.UP_TO_DATE


# --- HbA1c ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hypo_drug", "frail", "target"),
    [
        (False, False, Hba1cTarget(48, False)),
        (True, False, Hba1cTarget(53, False)),
        (False, True, Hba1cTarget(48, True)),
        (True, True, Hba1cTarget(53, True)),
    ],
)
def test_hba1c_target(hypo_drug: bool, frail: bool, target: Hba1cTarget) -> None:
    assert hba1c_target(hypo_drug, frail) == target


@pytest.mark.parametrize(
    ("value", "hypo_drug", "band"),
    [
        (47, False, Hba1cBand.AT_OR_BELOW_TARGET),
        (48, False, Hba1cBand.AT_OR_BELOW_TARGET),
        (49, False, Hba1cBand.ABOVE_TARGET),
        (48.5, False, Hba1cBand.ABOVE_TARGET),
        (53, True, Hba1cBand.AT_OR_BELOW_TARGET),
        (54, True, Hba1cBand.ABOVE_TARGET),
        (53, False, Hba1cBand.ABOVE_TARGET),
        (57, False, Hba1cBand.ABOVE_TARGET),
        (57.9, True, Hba1cBand.ABOVE_TARGET),
        (58, False, Hba1cBand.CONSIDER_INTENSIFYING),
        (58, True, Hba1cBand.CONSIDER_INTENSIFYING),
        (90, True, Hba1cBand.CONSIDER_INTENSIFYING),
        (10, False, Hba1cBand.AT_OR_BELOW_TARGET),
        (250, False, Hba1cBand.CONSIDER_INTENSIFYING),
    ],
)
def test_hba1c_assessment_bands(value: float, hypo_drug: bool, band: Hba1cBand) -> None:
    result = hba1c_assessment(value, hypo_drug, frail=False)
    assert result.band is band
    assert result.value_mmol_mol == value
    assert not result.target.relaxed_for_frailty


def test_hba1c_assessment_flags_frailty() -> None:
    result = hba1c_assessment(60, on_hypoglycaemic_drug=True, frail=True)
    assert result.target == Hba1cTarget(53, True)
    assert result.band is Hba1cBand.CONSIDER_INTENSIFYING


@pytest.mark.parametrize("value", [9.9, 0, -5, 250.1, 7.5 - 0.5, True])
def test_impossible_hba1c(value: float) -> None:
    with pytest.raises(ValueError, match="not possible"):
        hba1c_assessment(value, False, False)


# --- foot risk ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("risk", "last", "due"),
    [
        (FootRisk.LOW, date(2024, 3, 15), date(2025, 3, 15)),
        (FootRisk.LOW, date(2024, 2, 29), date(2025, 2, 28)),
        (FootRisk.MODERATE, date(2024, 3, 15), date(2024, 6, 15)),
        (FootRisk.MODERATE, date(2024, 11, 30), date(2025, 2, 28)),
        (FootRisk.HIGH, date(2024, 3, 15), date(2024, 4, 15)),
        (FootRisk.HIGH, date(2024, 1, 31), date(2024, 2, 29)),
        (FootRisk.HIGH, date(2024, 12, 15), date(2025, 1, 15)),
    ],
)
def test_next_foot_review(risk: FootRisk, last: date, due: date) -> None:
    assert next_foot_review(risk, last) == due


@pytest.mark.parametrize(
    ("assessed", "refer_by"),
    [
        (date(2024, 6, 10), date(2024, 6, 11)),  # Monday → Tuesday
        (date(2024, 6, 13), date(2024, 6, 14)),  # Thursday → Friday
        (date(2024, 6, 14), date(2024, 6, 17)),  # Friday → Monday
        (date(2024, 6, 15), date(2024, 6, 17)),  # Saturday → Monday
        (date(2024, 6, 16), date(2024, 6, 17)),  # Sunday → Monday
    ],
)
def test_active_foot_refer_next_working_day(assessed: date, refer_by: date) -> None:
    assert next_foot_review(FootRisk.ACTIVE, assessed) == refer_by


def test_active_foot_skips_listed_holidays() -> None:
    policy = LtcPolicy(non_working_days=frozenset({date(2024, 5, 27)}))  # spring bank holiday
    assert next_foot_review(FootRisk.ACTIVE, date(2024, 5, 24), policy) == date(2024, 5, 28)


def test_foot_intervals_configurable() -> None:
    months = {FootRisk.LOW: 12, FootRisk.MODERATE: 6, FootRisk.HIGH: 2}
    policy = LtcPolicy(foot_review_months=MappingProxyType(months))
    assert next_foot_review(FootRisk.MODERATE, date(2024, 1, 10), policy) == date(2024, 7, 10)
    assert next_foot_review(FootRisk.HIGH, date(2024, 1, 10), policy) == date(2024, 3, 10)


@pytest.mark.parametrize(
    "months",
    [
        {FootRisk.LOW: 12, FootRisk.MODERATE: 3},
        {FootRisk.LOW: 12, FootRisk.MODERATE: 3, FootRisk.HIGH: 0},
    ],
)
def test_foot_interval_policy_must_be_complete(months: dict[FootRisk, int]) -> None:
    with pytest.raises(ValueError, match="foot review interval"):
        LtcPolicy(foot_review_months=months)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"care_process_interval_months": 0},
        {"care_process_due_soon_days": -1},
        {"review_interval_months": {LtcCondition.DIABETES: 12}},
    ],
)
def test_bad_ltc_policy(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="interval"):
        LtcPolicy(**kwargs)  # type: ignore[arg-type]


# --- hypertension ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "setting", "target"),
    [
        (79, BpSetting.CLINIC, BpTarget(140, 90)),
        (80, BpSetting.CLINIC, BpTarget(150, 90)),
        (79, BpSetting.HOME, BpTarget(135, 85)),
        (80, BpSetting.HOME, BpTarget(145, 85)),
        (79, BpSetting.AMBULATORY, BpTarget(135, 85)),
        (80, BpSetting.AMBULATORY, BpTarget(145, 85)),
        (18, BpSetting.CLINIC, BpTarget(140, 90)),
        (95, BpSetting.HOME, BpTarget(145, 85)),
    ],
)
def test_bp_target(age: int, setting: BpSetting, target: BpTarget) -> None:
    assert bp_target(age, setting) == target


@pytest.mark.parametrize(
    ("systolic", "diastolic", "age", "setting", "at_target"),
    [
        (139, 89, 79, BpSetting.CLINIC, True),
        (140, 89, 79, BpSetting.CLINIC, False),
        (139, 90, 79, BpSetting.CLINIC, False),
        (149, 89, 80, BpSetting.CLINIC, True),
        (150, 89, 80, BpSetting.CLINIC, False),
        (149, 90, 80, BpSetting.CLINIC, False),
        (134, 84, 79, BpSetting.HOME, True),
        (135, 84, 79, BpSetting.HOME, False),
        (134, 85, 79, BpSetting.HOME, False),
        (144, 84, 80, BpSetting.HOME, True),
        (145, 84, 80, BpSetting.HOME, False),
        (144, 85, 80, BpSetting.AMBULATORY, False),
    ],
)
def test_bp_at_target_edges(
    systolic: int, diastolic: int, age: int, setting: BpSetting, at_target: bool
) -> None:
    assert bp_at_target(systolic, diastolic, age, setting) is at_target


@pytest.mark.parametrize(
    ("systolic", "diastolic", "age", "fragment"),
    [
        (49, 30, 50, "systolic"),
        (301, 90, 50, "systolic"),
        (120, 19, 50, "diastolic"),
        (250, 201, 50, "diastolic"),
        (80, 80, 50, "higher"),
        (70, 80, 50, "higher"),
        (120, 80, -1, "age"),
        (120, 80, 131, "age"),
        (True, 80, 50, "systolic"),
    ],
)
def test_bp_bad_input(systolic: int, diastolic: int, age: int, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        bp_at_target(systolic, diastolic, age, BpSetting.CLINIC)


def test_bp_target_refuses_bad_setting() -> None:
    with pytest.raises(ValueError, match="OFFICE"):
        bp_target(50, "OFFICE")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lying", "standing", "review"),
    [(140, 121, False), (140, 120, True), (140, 100, True), (120, 130, False), (140, 140, False)],
)
def test_postural_drop(lying: int, standing: int, review: bool) -> None:
    assert postural_drop_needs_medication_review(lying, standing) is review


@pytest.mark.parametrize(("lying", "standing"), [(40, 30), (140, 301), (True, 120)])
def test_postural_drop_bad_input(lying: int, standing: int) -> None:
    with pytest.raises(ValueError, match="not possible"):
        postural_drop_needs_medication_review(lying, standing)


@pytest.mark.parametrize("falls", [True, False])
def test_needs_lying_standing_bp(falls: bool) -> None:
    assert needs_lying_standing_bp(falls) is falls


# --- asthma ---------------------------------------------------------------------------------

FULL_ASTHMA = AsthmaReview(
    reliever_uses_per_week=2,
    exacerbations_last_12_months=0,
    has_written_action_plan=False,
    inhaler_technique_observed_ok=False,
    adherence_good=True,
    smokes=False,
    vapes=True,
)


def test_complete_asthma_review() -> None:
    assert asthma_review_complete(FULL_ASTHMA)
    assert asthma_review_missing(FULL_ASTHMA) == []


@pytest.mark.parametrize(
    ("field_name", "fragment"),
    [
        ("reliever_uses_per_week", "reliever"),
        ("exacerbations_last_12_months", "attacks"),
        ("has_written_action_plan", "action plan"),
        ("inhaler_technique_observed_ok", "inhaler"),
        ("adherence_good", "adherence"),
        ("smokes", "smoking"),
        ("vapes", "vaping"),
    ],
)
def test_each_missing_asthma_item(field_name: str, fragment: str) -> None:
    review = replace(FULL_ASTHMA, **{field_name: None})  # type: ignore[arg-type]
    missing = asthma_review_missing(review)
    assert len(missing) == 1
    assert fragment in missing[0]
    assert not asthma_review_complete(review)


def test_empty_asthma_review_misses_everything() -> None:
    assert len(asthma_review_missing(AsthmaReview())) == 7


@pytest.mark.parametrize("field_name", ["reliever_uses_per_week", "exacerbations_last_12_months"])
def test_negative_asthma_counts(field_name: str) -> None:
    with pytest.raises(ValueError, match="negative"):
        replace(FULL_ASTHMA, **{field_name: -1})  # type: ignore[arg-type]


# --- COPD -----------------------------------------------------------------------------------


@pytest.mark.parametrize("grade", [1, 2, 3, 4, 5])
def test_valid_mrc_grades(grade: int) -> None:
    assert validate_mrc_grade(grade) == grade


@pytest.mark.parametrize("grade", [0, 6, -1, 2.5, True, "3"])
def test_invalid_mrc_grades(grade: object) -> None:
    with pytest.raises(ValueError, match="MRC"):
        validate_mrc_grade(grade)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("low", "high", "scale"),
    [(88, 92, 2), (94, 98, 1), (92, 96, 1), (87, 92, 1), (88, 93, 1), (88, 91, 1)],
)
def test_news2_scale_for_oxygen_target(low: int, high: int, scale: int) -> None:
    assert news2_scale_for_oxygen_target(low, high) == scale


@pytest.mark.parametrize(
    ("low", "high", "fragment"),
    [(92, 88, "below"), (90, 90, "below"), (69, 92, "not possible"), (88, 101, "not possible")],
)
def test_news2_scale_bad_targets(low: int, high: int, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        news2_scale_for_oxygen_target(low, high)


# --- critical medicines and review intervals ------------------------------------------------


@pytest.mark.parametrize(
    ("medicine_class", "critical"),
    [
        ("ANTI_SEIZURE", True),
        ("anti-seizure", True),
        ("Anti seizure", True),
        ("INSULIN", True),
        ("insulin", True),
        ("Parkinson's", True),
        ("PARKINSONS", True),
        ("STATIN", False),
        ("", False),
        ("  ", False),
        (None, False),
    ],
)
def test_is_critical_medicine(medicine_class: str | None, critical: bool) -> None:
    assert is_critical_medicine(medicine_class) is critical


def test_flagged_medicine_is_critical_whatever_its_class() -> None:
    assert is_critical_medicine("STATIN", flagged_critical=True)
    assert is_critical_medicine(None, flagged_critical=True)


def test_critical_classes_are_configurable() -> None:
    policy = LtcPolicy(critical_medicine_classes=frozenset({"Anticoagulant"}))
    assert is_critical_medicine("ANTICOAGULANT", policy=policy)
    assert not is_critical_medicine("INSULIN", policy=policy)


def test_default_critical_classes() -> None:
    assert DEFAULT_LTC_POLICY.critical_medicine_classes == {"ANTI_SEIZURE", "INSULIN", "PARKINSONS"}


@pytest.mark.parametrize("condition", list(LtcCondition))
def test_next_ltc_review_yearly_by_default(condition: LtcCondition) -> None:
    assert next_ltc_review_due(date(2024, 2, 29), condition) == date(2025, 2, 28)
    assert next_ltc_review_due(date(2024, 6, 15), condition) == date(2025, 6, 15)


def test_next_ltc_review_interval_configurable() -> None:
    months = dict.fromkeys(LtcCondition, 12) | {LtcCondition.COPD: 6}
    policy = LtcPolicy(review_interval_months=MappingProxyType(months))
    assert next_ltc_review_due(date(2024, 8, 31), LtcCondition.COPD, policy) == date(2025, 2, 28)
    assert next_ltc_review_due(date(2024, 8, 31), LtcCondition.ASTHMA, policy) == date(2025, 8, 31)
