"""Tests for hjdesk.clinical.release (domain.md §9)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from hjdesk.clinical.acct import AcctStatus
from hjdesk.clinical.release import (
    DEFAULT_RELEASE_POLICY,
    AcctSummaryStatus,
    GpRegistrationStatus,
    MovementType,
    ReconnectStatus,
    ReleasePlanInput,
    ReleasePolicy,
    SummarySection,
    acct_summary_status,
    medicine_supply_ok,
    reconnect_window_open,
    release_plan_problems,
    release_planning_should_start,
)

M = MovementType
RELEASE_DAY = date(2024, 6, 15)

COMPLETE_RELEASE = ReleasePlanInput(
    movement_type=M.RELEASE,
    expected_date=RELEASE_DAY,
    destination="Approved premises, Leeds",
    community_gp="Park Lane Surgery",
    gp_registration=GpRegistrationStatus.REGISTERED,
    reconnect_status=ReconnectStatus.REFERRED,
    days_of_medicine_supplied=14,
)


def escorted(movement: MovementType) -> ReleasePlanInput:
    return ReleasePlanInput(
        movement_type=movement, expected_date=RELEASE_DAY, destination="HMP Leeds", per_done=True
    )


@pytest.mark.parametrize(
    ("enum_type", "names"),
    [
        (MovementType, ["RELEASE", "TRANSFER", "COURT", "HOSPITAL", "REMOVAL"]),
        (AcctSummaryStatus, ["OPEN", "POST_CLOSURE", "NONE"]),
    ],
)
def test_enum_values(enum_type: type, names: list[str]) -> None:
    assert [m.value for m in enum_type] == names


@pytest.mark.parametrize("enum_type", [GpRegistrationStatus, ReconnectStatus, SummarySection])
def test_our_enums_use_their_names(enum_type: type) -> None:
    assert all(m.name == m.value for m in enum_type)


def test_summary_lists_acct_and_reconnect() -> None:
    assert SummarySection.ACCT in SummarySection
    assert next(iter(SummarySection)) is SummarySection.IDENTIFIERS
    assert len(SummarySection) == 13


@pytest.mark.parametrize(
    ("status", "summary"),
    [
        (AcctStatus.OPEN, AcctSummaryStatus.OPEN),
        (AcctStatus.POST_CLOSURE, AcctSummaryStatus.POST_CLOSURE),
        (AcctStatus.CLOSED, AcctSummaryStatus.NONE),
        (None, AcctSummaryStatus.NONE),
    ],
)
def test_acct_summary_status(status: AcctStatus | None, summary: AcctSummaryStatus) -> None:
    assert acct_summary_status(status) is summary


# --- timing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "today", "start"),
    [
        (RELEASE_DAY, date(2024, 5, 14), False),
        (RELEASE_DAY, date(2024, 5, 15), True),
        (RELEASE_DAY, date(2024, 5, 16), True),
        (RELEASE_DAY, RELEASE_DAY, True),
        (RELEASE_DAY, date(2024, 6, 20), True),
        (RELEASE_DAY, date(2024, 1, 1), False),
        (date(2024, 3, 31), date(2024, 2, 28), False),
        (date(2024, 3, 31), date(2024, 2, 29), True),  # 31 March - 1 month → 29 February
        (date(2024, 1, 10), date(2023, 12, 10), True),
        (date(2024, 1, 10), date(2023, 12, 9), False),
    ],
)
def test_release_planning_should_start(expected: date, today: date, start: bool) -> None:
    assert release_planning_should_start(expected, today) is start


def test_release_planning_lead_time_configurable() -> None:
    policy = ReleasePolicy(planning_starts_months_before=3)
    assert release_planning_should_start(RELEASE_DAY, date(2024, 3, 15), policy)
    assert not release_planning_should_start(RELEASE_DAY, date(2024, 3, 14), policy)


@pytest.mark.parametrize(
    ("days_before", "open_"),
    [(85, False), (84, True), (83, True), (0, True), (-3, True)],
)
def test_reconnect_window_twelve_weeks(days_before: int, open_: bool) -> None:
    today = RELEASE_DAY - timedelta(days=days_before)
    assert reconnect_window_open(RELEASE_DAY, today) is open_


def test_default_release_policy() -> None:
    assert DEFAULT_RELEASE_POLICY.reconnect_window == timedelta(weeks=12)
    assert DEFAULT_RELEASE_POLICY.minimum_supply_days == 7
    assert DEFAULT_RELEASE_POLICY.planning_starts_months_before == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"planning_starts_months_before": 0},
        {"minimum_supply_days": 0},
        {"reconnect_window": timedelta(0)},
    ],
)
def test_bad_release_policy(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must"):
        ReleasePolicy(**kwargs)  # type: ignore[arg-type]


# --- medicines ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "fp10", "ok"),
    [
        (0, False, False),
        (6, False, False),
        (7, False, True),
        (28, False, True),
        (0, True, True),
        (6, True, True),
    ],
)
def test_medicine_supply_ok(days: int, fp10: bool, ok: bool) -> None:
    assert medicine_supply_ok(days, fp10) is ok


@pytest.mark.parametrize("days", [-1, True, 7.5])
def test_medicine_supply_bad_days(days: int) -> None:
    with pytest.raises(ValueError, match="Days of medicine"):
        medicine_supply_ok(days, False)


# --- plan completeness ----------------------------------------------------------------------


def test_complete_release_plan() -> None:
    assert release_plan_problems(COMPLETE_RELEASE) == []


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"expected_date": None}, "expected date"),
        ({"destination": None}, "where the patient is going"),
        ({"destination": " "}, "where the patient is going"),
        ({"community_gp": None}, "community GP"),
        ({"community_gp": ""}, "community GP"),
        ({"gp_registration": None}, "registered"),
        ({"gp_registration": GpRegistrationStatus.NOT_REGISTERED}, "start the registration"),
        ({"reconnect_status": None}, "RECONNECT"),
        ({"days_of_medicine_supplied": None}, "medicines supplied"),
        ({"days_of_medicine_supplied": 6}, "at least 7 days"),
        ({"days_of_medicine_supplied": 0}, "at least 7 days"),
    ],
)
def test_each_release_problem(change: dict[str, object], fragment: str) -> None:
    problems = release_plan_problems(replace(COMPLETE_RELEASE, **change))  # type: ignore[arg-type]
    assert len(problems) == 1
    assert fragment in problems[0]


@pytest.mark.parametrize("days", [None, 0, 6])
def test_fp10_satisfies_the_supply(days: int | None) -> None:
    plan = replace(COMPLETE_RELEASE, days_of_medicine_supplied=days, fp10_given=True)
    assert release_plan_problems(plan) == []


def test_application_sent_counts_as_recorded_registration() -> None:
    plan = replace(COMPLETE_RELEASE, gp_registration=GpRegistrationStatus.APPLICATION_SENT)
    assert release_plan_problems(plan) == []


@pytest.mark.parametrize("status", list(ReconnectStatus))
def test_any_reconnect_status_is_recorded(status: ReconnectStatus) -> None:
    assert release_plan_problems(replace(COMPLETE_RELEASE, reconnect_status=status)) == []


def test_no_fixed_abode_release_needs_no_destination() -> None:
    plan = replace(COMPLETE_RELEASE, destination=None, no_fixed_abode=True)
    assert release_plan_problems(plan) == []


def test_release_does_not_need_a_per() -> None:
    assert not COMPLETE_RELEASE.per_done
    assert release_plan_problems(COMPLETE_RELEASE) == []


def test_empty_release_plan_lists_everything() -> None:
    problems = release_plan_problems(ReleasePlanInput(movement_type=M.RELEASE))
    assert len(problems) == 6


@pytest.mark.parametrize("movement", [m for m in MovementType if m is not M.RELEASE])
def test_complete_escorted_move(movement: MovementType) -> None:
    assert release_plan_problems(escorted(movement)) == []


@pytest.mark.parametrize("movement", [m for m in MovementType if m is not M.RELEASE])
def test_escorted_move_needs_per(movement: MovementType) -> None:
    problems = release_plan_problems(replace(escorted(movement), per_done=False))
    assert problems == ["Complete the health information on the Person Escort Record (PER)."]


@pytest.mark.parametrize("movement", [m for m in MovementType if m is not M.RELEASE])
def test_escorted_move_needs_destination_even_if_nfa(movement: MovementType) -> None:
    plan = replace(escorted(movement), destination=None, no_fixed_abode=True)
    assert release_plan_problems(plan) == ["Record where the patient is going."]


def test_checks_per_movement_are_configurable() -> None:
    policy = ReleasePolicy(
        community_checks_for=frozenset({M.RELEASE, M.REMOVAL}),
        per_required_for=frozenset(MovementType),
    )
    removal = release_plan_problems(escorted(M.REMOVAL), policy)
    assert any("community GP" in p for p in removal)
    release = release_plan_problems(COMPLETE_RELEASE, policy)
    assert release == ["Complete the health information on the Person Escort Record (PER)."]


def test_negative_supply_in_plan_is_an_error() -> None:
    with pytest.raises(ValueError, match="Days of medicine"):
        release_plan_problems(replace(COMPLETE_RELEASE, days_of_medicine_supplied=-2))
