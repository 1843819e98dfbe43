"""Tests for hjdesk.clinical.attendance (domain.md §5)."""

from __future__ import annotations

from datetime import date

import pytest

from hjdesk.clinical.attendance import (
    DEFAULT_ATTENDANCE_POLICY,
    PRISON_OUTCOMES,
    AppointmentRow,
    AttendancePolicy,
    Attribution,
    AttributionCounts,
    ClinicType,
    Outcome,
    OutcomeDetails,
    RegimePeriod,
    SessionStatus,
    attendance_summary,
    attribution,
    check_session_transition,
    consecutive_refusals,
    consecutive_refusals_reached,
    counts_as_patient_non_attendance,
    exception_figures,
    is_dna,
    is_seen,
    opens_encounter,
    prompts_release_summary,
    requires_rebook,
    validate_outcome,
)

OC = Outcome
A = Attribution

# The domain.md §5 table, written out independently of the module.
TABLE: dict[str, str] = {
    "ATTENDED": "SEEN",
    "SEEN_AT_CELL_DOOR": "SEEN",
    "SEEN_ELSEWHERE": "SEEN",
    "REFUSED": "PATIENT",
    "DNA_PATIENT_CHOSE": "PATIENT",
    "NOT_UNLOCKED": "PRISON",
    "NO_OFFICER_ESCORT": "PRISON",
    "REGIME_RESTRICTED": "PRISON",
    "LOCKDOWN_INCIDENT": "PRISON",
    "AT_COURT": "LOCATION",
    "TRANSFERRED": "LOCATION",
    "RELEASED": "LOCATION",
    "IN_HOSPITAL": "LOCATION",
    "IN_SEGREGATION": "LOCATION",
    "LEGAL_OR_SOCIAL_VISIT": "LOCATION",
    "AT_WORK_EDUCATION": "LOCATION",
    "DECEASED": "LOCATION",
    "CANCELLED_BY_HEALTHCARE": "HEALTHCARE",
    "SESSION_OVERRAN": "HEALTHCARE",
}

REBOOK: dict[str, bool] = {
    "ATTENDED": False,
    "SEEN_AT_CELL_DOOR": False,
    "SEEN_ELSEWHERE": False,
    "REFUSED": False,
    "DNA_PATIENT_CHOSE": False,
    "NOT_UNLOCKED": True,
    "NO_OFFICER_ESCORT": True,
    "REGIME_RESTRICTED": True,
    "LOCKDOWN_INCIDENT": True,
    "AT_COURT": True,
    "TRANSFERRED": False,
    "RELEASED": False,
    "IN_HOSPITAL": True,
    "IN_SEGREGATION": True,
    "LEGAL_OR_SOCIAL_VISIT": True,
    "AT_WORK_EDUCATION": True,
    "DECEASED": False,
    "CANCELLED_BY_HEALTHCARE": True,
    "SESSION_OVERRAN": True,
}

COMPLETE_REFUSAL = OutcomeDetails(
    risks_explained=True, capacity_concern=False, witness_name="Officer Patel"
)


def test_outcome_members_match_the_table_exactly() -> None:
    assert {o.value for o in Outcome} == set(TABLE)
    assert len(Outcome) == 19


@pytest.mark.parametrize(("outcome", "expected"), sorted(TABLE.items()))
def test_attribution_of_every_outcome(outcome: str, expected: str) -> None:
    assert attribution(Outcome(outcome)) is Attribution(expected)


def test_attribution_accepts_the_stored_string() -> None:
    assert attribution("NOT_UNLOCKED") is A.PRISON  # type: ignore[arg-type]


def test_unknown_outcome_is_refused() -> None:
    with pytest.raises(ValueError, match="NOT_AN_OUTCOME"):
        attribution("NOT_AN_OUTCOME")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("enum_type", "names"),
    [
        (Attribution, ["SEEN", "PATIENT", "PRISON", "LOCATION", "HEALTHCARE"]),
        (RegimePeriod, ["AM", "PM", "ED"]),
        (SessionStatus, ["PLANNED", "IN_PROGRESS", "CLOSED"]),
        (
            ClinicType,
            [
                "SECOND_STAGE_ASSESSMENT",
                "LTC_DIABETES",
                "LTC_HYPERTENSION",
                "LTC_RESPIRATORY",
                "LTC_EPILEPSY",
                "OLDER_PRISONER",
                "MH_IN_REACH",
                "IMMS_SCREENING",
                "SMOKING_CESSATION",
                "NEURODIVERSITY",
                "GENERAL_NURSE",
            ],
        ),
    ],
)
def test_enum_values_are_the_domain_names(enum_type: type, names: list[str]) -> None:
    assert [m.value for m in enum_type] == names
    assert all(m.name == m.value for m in enum_type)


@pytest.mark.parametrize("outcome", list(Outcome))
def test_only_dna_patient_chose_is_dna(outcome: Outcome) -> None:
    assert is_dna(outcome) is (outcome is OC.DNA_PATIENT_CHOSE)


@pytest.mark.parametrize("outcome", PRISON_OUTCOMES)
def test_prison_outcomes_are_never_dna_or_patient_non_attendance(outcome: Outcome) -> None:
    assert not is_dna(outcome)
    assert not counts_as_patient_non_attendance(outcome)


def test_prison_outcomes_constant() -> None:
    assert set(PRISON_OUTCOMES) == {o for o in OC if TABLE[o.value] == "PRISON"}


@pytest.mark.parametrize("outcome", list(Outcome))
def test_patient_non_attendance_is_refused_and_dna_only(outcome: Outcome) -> None:
    expected = outcome in (OC.REFUSED, OC.DNA_PATIENT_CHOSE)
    assert counts_as_patient_non_attendance(outcome) is expected


@pytest.mark.parametrize("outcome", list(Outcome))
def test_seen_outcomes_open_an_encounter(outcome: Outcome) -> None:
    expected = TABLE[outcome.value] == "SEEN"
    assert opens_encounter(outcome) is expected
    assert is_seen(outcome) is expected


@pytest.mark.parametrize("outcome", list(Outcome))
def test_transferred_and_released_prompt_the_summary(outcome: Outcome) -> None:
    assert prompts_release_summary(outcome) is (outcome in (OC.TRANSFERRED, OC.RELEASED))


@pytest.mark.parametrize(("outcome", "expected"), sorted(REBOOK.items()))
def test_requires_rebook(outcome: str, expected: bool) -> None:
    assert requires_rebook(Outcome(outcome)) is expected


@pytest.mark.parametrize("outcome", PRISON_OUTCOMES)
def test_every_prison_outcome_sets_rebook(outcome: Outcome) -> None:
    assert requires_rebook(outcome)


# --- validate_outcome -----------------------------------------------------------------------


def test_complete_refusal_has_no_problems() -> None:
    assert validate_outcome(OC.REFUSED, COMPLETE_REFUSAL) == []


@pytest.mark.parametrize("risks", [True, False])
@pytest.mark.parametrize("capacity", [True, False])
def test_refusal_yes_and_no_both_count_as_answered(risks: bool, capacity: bool) -> None:
    details = OutcomeDetails(risks_explained=risks, capacity_concern=capacity, witness_name="W")
    assert validate_outcome(OC.REFUSED, details) == []


@pytest.mark.parametrize(
    ("details", "fragment"),
    [
        (OutcomeDetails(capacity_concern=False, witness_name="W"), "risks"),
        (OutcomeDetails(risks_explained=True, witness_name="W"), "capacity"),
        (OutcomeDetails(risks_explained=True, capacity_concern=False), "witness"),
        (
            OutcomeDetails(risks_explained=True, capacity_concern=False, witness_name="   "),
            "witness",
        ),
        (OutcomeDetails(risks_explained=True, capacity_concern=False, witness_name=""), "witness"),
    ],
)
def test_refusal_missing_one_item(details: OutcomeDetails, fragment: str) -> None:
    problems = validate_outcome(OC.REFUSED, details)
    assert len(problems) == 1
    assert fragment in problems[0]


def test_refusal_with_nothing_lists_all_three() -> None:
    assert len(validate_outcome(OC.REFUSED, OutcomeDetails())) == 3


def test_refusal_does_not_need_a_reason() -> None:
    assert validate_outcome(OC.REFUSED, COMPLETE_REFUSAL) == []


@pytest.mark.parametrize("outcome", PRISON_OUTCOMES)
@pytest.mark.parametrize("reason", [None, "", "  \t"])
def test_prison_outcome_needs_a_reason(outcome: Outcome, reason: str | None) -> None:
    problems = validate_outcome(outcome, OutcomeDetails(reason=reason))
    assert len(problems) == 1
    assert "reason" in problems[0]


@pytest.mark.parametrize("outcome", PRISON_OUTCOMES)
def test_prison_outcome_with_reason_is_complete(outcome: Outcome) -> None:
    assert validate_outcome(outcome, OutcomeDetails(reason="Staff shortage on B wing")) == []


@pytest.mark.parametrize(
    "outcome", [o for o in Outcome if o is not OC.REFUSED and TABLE[o.value] != "PRISON"]
)
def test_other_outcomes_need_nothing(outcome: Outcome) -> None:
    assert validate_outcome(outcome, OutcomeDetails()) == []


# --- consecutive refusals -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "run"),
    [
        ([], 0),
        ([OC.REFUSED], 1),
        ([OC.REFUSED, OC.REFUSED], 2),
        ([OC.REFUSED, OC.REFUSED, OC.REFUSED], 3),
        ([OC.REFUSED, OC.REFUSED, OC.ATTENDED, OC.REFUSED], 2),
        ([OC.ATTENDED, OC.REFUSED, OC.REFUSED, OC.REFUSED], 0),
        ([OC.REFUSED, OC.SEEN_AT_CELL_DOOR, OC.REFUSED, OC.REFUSED], 1),
        ([OC.REFUSED, OC.SEEN_ELSEWHERE, OC.REFUSED], 1),
        ([OC.REFUSED, OC.NOT_UNLOCKED, OC.REFUSED, OC.LOCKDOWN_INCIDENT, OC.REFUSED], 3),
        ([OC.REFUSED, OC.AT_COURT, OC.REFUSED, OC.SESSION_OVERRAN, OC.REFUSED], 3),
        ([OC.REFUSED, OC.DNA_PATIENT_CHOSE, OC.REFUSED], 2),
        ([OC.DNA_PATIENT_CHOSE, OC.DNA_PATIENT_CHOSE, OC.DNA_PATIENT_CHOSE], 0),
    ],
)
def test_consecutive_refusals(history: list[Outcome], run: int) -> None:
    assert consecutive_refusals(history) == run
    assert consecutive_refusals_reached(history) is (run >= 3)


@pytest.mark.parametrize(
    ("threshold", "run", "reached"), [(2, 1, False), (2, 2, True), (5, 4, False)]
)
def test_refusal_threshold_is_configurable(threshold: int, run: int, reached: bool) -> None:
    policy = AttendancePolicy(refusal_review_threshold=threshold)
    assert consecutive_refusals_reached([OC.REFUSED] * run, policy) is reached


def test_default_refusal_threshold_is_three() -> None:
    assert DEFAULT_ATTENDANCE_POLICY.refusal_review_threshold == 3


def test_consecutive_refusals_accepts_a_generator() -> None:
    assert consecutive_refusals_reached(o for o in [OC.REFUSED] * 3)


@pytest.mark.parametrize("threshold", [0, -1])
def test_refusal_threshold_must_be_positive(threshold: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        AttendancePolicy(refusal_review_threshold=threshold)


# --- sessions -------------------------------------------------------------------------------

S = SessionStatus
_SESSION_OK = {(S.PLANNED, S.IN_PROGRESS), (S.IN_PROGRESS, S.CLOSED), (S.PLANNED, S.CLOSED)}


@pytest.mark.parametrize("current", list(SessionStatus))
@pytest.mark.parametrize("new", list(SessionStatus))
def test_session_transitions(current: SessionStatus, new: SessionStatus) -> None:
    if (current, new) in _SESSION_OK:
        check_session_transition(current, new)
    else:
        with pytest.raises(ValueError, match="cannot go from"):
            check_session_transition(current, new)


# --- summaries and the exception report -----------------------------------------------------


def test_attendance_summary_counts_by_attribution() -> None:
    outcomes = [OC.ATTENDED, OC.SEEN_AT_CELL_DOOR, OC.REFUSED, OC.NOT_UNLOCKED, OC.NOT_UNLOCKED]
    outcomes += [OC.NO_OFFICER_ESCORT, OC.AT_COURT, OC.SESSION_OVERRAN, OC.DNA_PATIENT_CHOSE]
    counts = attendance_summary(outcomes)
    assert counts == AttributionCounts(seen=2, patient=2, prison=3, location=1, healthcare=1)
    assert counts.total == 9
    assert counts.count(A.PRISON) == 3
    assert counts.count(A.SEEN) == 2
    assert counts.count(A.PATIENT) == 2
    assert counts.count(A.LOCATION) == 1
    assert counts.count(A.HEALTHCARE) == 1


def test_attendance_summary_of_nothing_is_zero() -> None:
    counts = attendance_summary([])
    assert counts.total == 0
    assert all(counts.count(who) == 0 for who in Attribution)


@pytest.mark.parametrize("outcome", list(Outcome))
def test_attendance_summary_places_each_outcome(outcome: Outcome) -> None:
    counts = attendance_summary([outcome])
    assert counts.count(Attribution(TABLE[outcome.value])) == 1
    assert counts.total == 1


def test_exception_figures_empty() -> None:
    assert exception_figures([]) == []


def test_exception_figures_group_by_wing_and_iso_week() -> None:
    rows = [
        AppointmentRow("B", date(2024, 3, 4), OC.NOT_UNLOCKED),  # Monday, week 10
        AppointmentRow("B", date(2024, 3, 10), OC.NO_OFFICER_ESCORT),  # Sunday, week 10
        AppointmentRow("B", date(2024, 3, 11), OC.NOT_UNLOCKED),  # Monday, week 11
        AppointmentRow("A", date(2024, 3, 5), OC.ATTENDED),
        AppointmentRow("A", date(2024, 3, 5), OC.REFUSED),
        AppointmentRow("A", date(2024, 3, 6), OC.LOCKDOWN_INCIDENT),
    ]
    figures = exception_figures(rows)
    assert [(f.wing, f.iso_year, f.iso_week) for f in figures] == [
        ("A", 2024, 10),
        ("B", 2024, 10),
        ("B", 2024, 11),
    ]
    a10, b10, b11 = figures
    assert a10.week_start == date(2024, 3, 4)
    assert b11.week_start == date(2024, 3, 11)
    assert a10.by_attribution == AttributionCounts(seen=1, patient=1, prison=1)
    assert a10.prison_non_attendance == 1
    assert b10.prison_non_attendance == 2
    assert b10.prison_by_outcome[OC.NOT_UNLOCKED] == 1
    assert b10.prison_by_outcome[OC.NO_OFFICER_ESCORT] == 1
    assert b10.prison_by_outcome[OC.REGIME_RESTRICTED] == 0
    assert b10.prison_by_outcome[OC.LOCKDOWN_INCIDENT] == 0
    assert set(b11.prison_by_outcome) == set(PRISON_OUTCOMES)


def test_exception_figures_use_iso_year_at_new_year() -> None:
    rows = [
        AppointmentRow("C", date(2024, 12, 29), OC.NOT_UNLOCKED),  # Sunday: 2024 week 52
        AppointmentRow("C", date(2024, 12, 30), OC.NOT_UNLOCKED),  # Monday: 2025 week 1
        AppointmentRow("C", date(2025, 1, 5), OC.REGIME_RESTRICTED),  # Sunday: 2025 week 1
    ]
    figures = exception_figures(rows)
    assert [(f.iso_year, f.iso_week, f.prison_non_attendance) for f in figures] == [
        (2024, 52, 1),
        (2025, 1, 2),
    ]
    assert figures[1].week_start == date(2024, 12, 30)


def test_exception_figures_do_not_count_other_attributions_as_prison() -> None:
    rows = [AppointmentRow("D", date(2024, 5, 1), o) for o in Outcome]
    (figure,) = exception_figures(rows)
    assert figure.prison_non_attendance == 4
    assert figure.by_attribution.total == 19
    assert sum(figure.prison_by_outcome.values()) == 4
