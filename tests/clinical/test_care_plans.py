"""Tests for hjdesk.clinical.care_plans (domain.md §7)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from hjdesk.clinical.care_plans import (
    ALLOWED_TRANSITIONS,
    DEFAULT_CARE_PLAN_POLICY,
    CarePlanInput,
    CarePlanPolicy,
    CarePlanStatus,
    CarePlanType,
    ClosedReason,
    GoalStatus,
    InterventionStatus,
    PatientInvolvement,
    ReviewDecision,
    ReviewResult,
    activation_problems,
    apply_review,
    can_activate,
    check_transition,
    is_overdue,
    social_care_referral_needed,
    status_on,
)

S = CarePlanStatus
T = CarePlanType
START = date(2024, 3, 1)
DUE = date(2024, 6, 1)

READY = CarePlanInput(
    plan_type=T.OLDER_PRISONER_FRAILTY,
    owner_id="staff-1",
    start_date=START,
    review_due=DUE,
    patient_involvement=PatientInvolvement.AGREED,
    goal_count=1,
    intervention_count=1,
)
READY_MH = replace(
    READY,
    plan_type=T.MENTAL_HEALTH,
    risk_management_plan="Daily welfare checks; remove ligature risks",
    shared_with=("Safer custody",),
)


@pytest.mark.parametrize(
    ("enum_type", "names"),
    [
        (
            CarePlanType,
            [
                "LTC",
                "OLDER_PRISONER_FRAILTY",
                "SOCIAL_CARE",
                "MENTAL_HEALTH",
                "END_OF_LIFE",
                "NEURODIVERSITY_ADJUSTMENTS",
                "SMOKING",
            ],
        ),
        (CarePlanStatus, ["DRAFT", "ACTIVE", "REVIEW_DUE", "CLOSED"]),
        (PatientInvolvement, ["AGREED", "DECLINED_TO_SIGN", "UNABLE"]),
        (
            ClosedReason,
            [
                "GOALS_MET",
                "TRANSFERRED",
                "RELEASED",
                "DECLINED_BY_PATIENT",
                "SUPERSEDED",
                "DECEASED",
            ],
        ),
        (ReviewDecision, ["CONTINUE", "CLOSE"]),
    ],
)
def test_enum_values_are_the_domain_names(enum_type: type, names: list[str]) -> None:
    assert [m.value for m in enum_type] == names


@pytest.mark.parametrize("enum_type", [GoalStatus, InterventionStatus])
def test_our_status_enums_use_their_names(enum_type: type) -> None:
    assert all(m.name == m.value for m in enum_type)
    assert len(enum_type) >= 3


# --- activation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "plan_type",
    [t for t in CarePlanType if t not in (T.LTC, T.MENTAL_HEALTH)],
)
def test_complete_plan_can_activate(plan_type: CarePlanType) -> None:
    plan = replace(READY, plan_type=plan_type)
    assert activation_problems(plan) == []
    assert can_activate(plan)


@pytest.mark.parametrize("involvement", list(PatientInvolvement))
def test_any_recorded_involvement_is_enough(involvement: PatientInvolvement) -> None:
    assert can_activate(replace(READY, patient_involvement=involvement))


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"goal_count": 0}, "goal"),
        ({"intervention_count": 0}, "intervention"),
        ({"owner_id": None}, "owner"),
        ({"owner_id": "   "}, "owner"),
        ({"review_due": None}, "review date"),
        ({"review_due": START}, "after the start date"),
        ({"review_due": date(2024, 2, 29)}, "after the start date"),
        ({"patient_involvement": None}, "involvement"),
    ],
)
def test_each_missing_item_has_one_message(change: dict[str, object], fragment: str) -> None:
    plan = replace(READY, **change)  # type: ignore[arg-type]
    problems = activation_problems(plan)
    assert len(problems) == 1
    assert fragment in problems[0]
    assert not can_activate(plan)


def test_review_day_after_start_is_enough() -> None:
    assert can_activate(replace(READY, review_due=date(2024, 3, 2)))


def test_review_date_without_start_date_is_accepted() -> None:
    assert can_activate(replace(READY, start_date=None))


def test_empty_draft_lists_every_problem() -> None:
    problems = activation_problems(CarePlanInput(plan_type=T.SMOKING))
    assert len(problems) == 5


def test_ltc_plan_needs_its_condition() -> None:
    plan = replace(READY, plan_type=T.LTC)
    assert activation_problems(plan) == ["Say which long-term condition the plan is for."]
    assert activation_problems(replace(plan, ltc_condition=" ")) != []
    assert can_activate(replace(plan, ltc_condition="Diabetes"))


def test_complete_mental_health_plan_can_activate() -> None:
    assert activation_problems(READY_MH) == []


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"risk_management_plan": None}, "risk-management plan"),
        ({"risk_management_plan": "  "}, "risk-management plan"),
        ({"shared_with": ()}, "shared with"),
        ({"shared_with": ("", " ")}, "shared with"),
    ],
)
def test_mental_health_plan_requirements(change: dict[str, object], fragment: str) -> None:
    problems = activation_problems(replace(READY_MH, **change))  # type: ignore[arg-type]
    assert len(problems) == 1
    assert fragment in problems[0]


def test_end_of_life_plan_may_hold_a_dnacpr_reference() -> None:
    plan = replace(READY, plan_type=T.END_OF_LIFE, dnacpr_form_ref="DNACPR/2024/017")
    assert can_activate(plan)


@pytest.mark.parametrize("plan_type", [t for t in CarePlanType if t is not T.END_OF_LIFE])
def test_only_end_of_life_plans_hold_dnacpr(plan_type: CarePlanType) -> None:
    plan = replace(
        READY_MH, plan_type=plan_type, ltc_condition="Asthma", dnacpr_form_ref="DNACPR/1"
    )
    assert activation_problems(plan) == [
        "A DNACPR form reference belongs on an end-of-life plan only."
    ]


@pytest.mark.parametrize("field_name", ["goal_count", "intervention_count"])
def test_negative_counts_are_refused(field_name: str) -> None:
    with pytest.raises(ValueError, match="negative"):
        replace(READY, **{field_name: -1})  # type: ignore[arg-type]


# --- transitions ----------------------------------------------------------------------------

LEGAL = {
    (S.DRAFT, S.ACTIVE),
    (S.DRAFT, S.CLOSED),
    (S.ACTIVE, S.ACTIVE),
    (S.ACTIVE, S.REVIEW_DUE),
    (S.ACTIVE, S.CLOSED),
    (S.REVIEW_DUE, S.ACTIVE),
    (S.REVIEW_DUE, S.REVIEW_DUE),
    (S.REVIEW_DUE, S.CLOSED),
}


def test_allowed_transitions_constant() -> None:
    assert set(ALLOWED_TRANSITIONS) == LEGAL


@pytest.mark.parametrize("current", list(CarePlanStatus))
@pytest.mark.parametrize("new", list(CarePlanStatus))
def test_every_transition(current: CarePlanStatus, new: CarePlanStatus) -> None:
    if (current, new) in LEGAL:
        check_transition(current, new)
    else:
        with pytest.raises(ValueError, match="cannot"):
            check_transition(current, new)


def test_closed_plan_message_says_write_a_new_plan() -> None:
    with pytest.raises(ValueError, match="write a new plan"):
        check_transition(S.CLOSED, S.ACTIVE)


# --- status on a day ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2024, 5, 17), S.ACTIVE),  # 15 days before
        (date(2024, 5, 18), S.REVIEW_DUE),  # 14 days before
        (date(2024, 5, 19), S.REVIEW_DUE),
        (date(2024, 6, 1), S.REVIEW_DUE),  # due day
        (date(2024, 6, 2), S.REVIEW_DUE),  # overdue, still REVIEW_DUE (OVERDUE is derived)
        (date(2024, 3, 1), S.ACTIVE),
    ],
)
@pytest.mark.parametrize("stored", [S.ACTIVE, S.REVIEW_DUE])
def test_status_on_window_edges(
    today: date, expected: CarePlanStatus, stored: CarePlanStatus
) -> None:
    assert DEFAULT_CARE_PLAN_POLICY.review_due_window_days == 14
    assert status_on(stored, DUE, today) is expected


@pytest.mark.parametrize("stored", [S.DRAFT, S.CLOSED])
def test_status_on_leaves_draft_and_closed(stored: CarePlanStatus) -> None:
    assert status_on(stored, DUE, date(2024, 6, 2)) is stored
    assert status_on(stored, None, date(2024, 6, 2)) is stored


@pytest.mark.parametrize(
    ("today", "expected"), [(date(2024, 5, 24), S.ACTIVE), (date(2024, 5, 25), S.REVIEW_DUE)]
)
def test_status_on_window_is_configurable(today: date, expected: CarePlanStatus) -> None:
    policy = CarePlanPolicy(review_due_window_days=7)
    assert status_on(S.ACTIVE, DUE, today, policy) is expected


def test_zero_window_means_due_on_the_day() -> None:
    policy = CarePlanPolicy(review_due_window_days=0)
    assert status_on(S.ACTIVE, DUE, date(2024, 5, 31), policy) is S.ACTIVE
    assert status_on(S.ACTIVE, DUE, DUE, policy) is S.REVIEW_DUE


def test_negative_window_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        CarePlanPolicy(review_due_window_days=-1)


@pytest.mark.parametrize("stored", [S.ACTIVE, S.REVIEW_DUE])
def test_live_plan_without_review_date_is_an_error(stored: CarePlanStatus) -> None:
    with pytest.raises(ValueError, match="review date"):
        status_on(stored, None, DUE)


# --- overdue --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_review", "today", "overdue"),
    [
        (None, date(2024, 5, 31), False),
        (None, DUE, False),
        (None, date(2024, 6, 2), True),
        (date(2024, 3, 1), date(2024, 6, 2), True),
        (date(2024, 5, 31), date(2024, 6, 2), True),
        (DUE, date(2024, 6, 2), False),
        (date(2024, 6, 2), date(2024, 6, 3), False),
    ],
)
def test_is_overdue(last_review: date | None, today: date, overdue: bool) -> None:
    assert is_overdue(DUE, last_review, today) is overdue


# --- reviews --------------------------------------------------------------------------------

REVIEW_DAY = date(2024, 5, 28)


@pytest.mark.parametrize("current", [S.ACTIVE, S.REVIEW_DUE])
def test_review_continues_with_new_date(current: CarePlanStatus) -> None:
    result = apply_review(
        current, REVIEW_DAY, ReviewDecision.CONTINUE, next_review_due=date(2024, 8, 28)
    )
    assert result == ReviewResult(S.ACTIVE, date(2024, 8, 28))


@pytest.mark.parametrize(
    ("next_due", "expected"),
    [
        (date(2024, 6, 12), S.ACTIVE),  # 15 days on
        (date(2024, 6, 11), S.REVIEW_DUE),  # 14 days on: already in the window
        (date(2024, 5, 29), S.REVIEW_DUE),  # the next day
    ],
)
def test_review_with_short_next_date(next_due: date, expected: CarePlanStatus) -> None:
    result = apply_review(
        S.REVIEW_DUE, REVIEW_DAY, ReviewDecision.CONTINUE, next_review_due=next_due
    )
    assert result.status is expected
    assert result.review_due == next_due


@pytest.mark.parametrize("next_due", [REVIEW_DAY, date(2024, 5, 1)])
def test_next_review_must_be_after_the_review(next_due: date) -> None:
    with pytest.raises(ValueError, match="after this review"):
        apply_review(S.ACTIVE, REVIEW_DAY, ReviewDecision.CONTINUE, next_review_due=next_due)


def test_continuing_needs_a_next_review_date() -> None:
    with pytest.raises(ValueError, match="next review date"):
        apply_review(S.ACTIVE, REVIEW_DAY, ReviewDecision.CONTINUE)


def test_continuing_with_a_closing_reason_is_an_error() -> None:
    with pytest.raises(ValueError, match="continuing"):
        apply_review(
            S.ACTIVE,
            REVIEW_DAY,
            ReviewDecision.CONTINUE,
            next_review_due=DUE,
            closed_reason=ClosedReason.GOALS_MET,
        )


@pytest.mark.parametrize("reason", list(ClosedReason))
@pytest.mark.parametrize("current", [S.ACTIVE, S.REVIEW_DUE])
def test_review_closes_with_reason(reason: ClosedReason, current: CarePlanStatus) -> None:
    result = apply_review(current, REVIEW_DAY, ReviewDecision.CLOSE, closed_reason=reason)
    assert result == ReviewResult(S.CLOSED, None, reason, REVIEW_DAY)


def test_closing_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="reason"):
        apply_review(S.ACTIVE, REVIEW_DAY, ReviewDecision.CLOSE)


def test_closing_with_a_next_review_is_an_error() -> None:
    with pytest.raises(ValueError, match="no next review"):
        apply_review(
            S.ACTIVE,
            REVIEW_DAY,
            ReviewDecision.CLOSE,
            next_review_due=DUE,
            closed_reason=ClosedReason.RELEASED,
        )


@pytest.mark.parametrize("current", [S.DRAFT, S.CLOSED])
@pytest.mark.parametrize("decision", list(ReviewDecision))
def test_only_live_plans_can_be_reviewed(current: CarePlanStatus, decision: ReviewDecision) -> None:
    with pytest.raises(ValueError, match="Only an active care plan"):
        apply_review(
            current,
            REVIEW_DAY,
            decision,
            next_review_due=DUE,
            closed_reason=ClosedReason.GOALS_MET,
        )


# --- social care ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "needed"),
    [
        ({}, False),
        ({"plan_type": T.SOCIAL_CARE}, True),
        ({"plan_type": T.SOCIAL_CARE, "referral_made": True}, False),
        ({"needs_identified": True}, True),
        ({"needs_identified": True, "referral_made": True}, False),
        ({"plan_type": T.OLDER_PRISONER_FRAILTY}, False),
        ({"plan_type": T.OLDER_PRISONER_FRAILTY, "needs_identified": True}, True),
    ],
)
def test_social_care_referral_needed(kwargs: dict[str, object], needed: bool) -> None:
    assert social_care_referral_needed(**kwargs) is needed  # type: ignore[arg-type]


@pytest.mark.parametrize("plan_type", [t for t in CarePlanType if t is not T.SOCIAL_CARE])
def test_other_plan_types_do_not_need_referral(plan_type: CarePlanType) -> None:
    assert not social_care_referral_needed(plan_type=plan_type)
