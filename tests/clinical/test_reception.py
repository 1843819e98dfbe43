"""Tests for hjdesk.clinical.reception (domain.md §7-8)."""

from __future__ import annotations

from datetime import date

import pytest

from hjdesk.clinical.reception import (
    DEFAULT_RECEPTION_POLICY,
    ReceptionPolicy,
    RegisteredSex,
    SecondStageStatus,
    aaa_screening_due,
    age_on,
    is_older_prisoner,
    older_prisoner_review_due,
    second_stage_due,
    second_stage_on_time,
    second_stage_status,
)

RECEIVED = date(2024, 3, 4)
DUE = date(2024, 3, 11)


def test_second_stage_due_is_reception_plus_seven() -> None:
    assert second_stage_due(RECEIVED) == DUE
    assert second_stage_due(date(2024, 2, 26)) == date(2024, 3, 4)  # across 29 February
    assert second_stage_due(date(2024, 12, 28)) == date(2025, 1, 4)


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (RECEIVED, SecondStageStatus.DUE),
        (date(2024, 3, 10), SecondStageStatus.DUE),
        (DUE, SecondStageStatus.DUE),
        (date(2024, 3, 12), SecondStageStatus.OVERDUE),
        (date(2024, 6, 1), SecondStageStatus.OVERDUE),
    ],
)
def test_second_stage_status_edges(today: date, status: SecondStageStatus) -> None:
    assert second_stage_status(RECEIVED, None, today) is status


@pytest.mark.parametrize("completed", [RECEIVED, DUE, date(2024, 3, 20)])
def test_completed_second_stage_is_done(completed: date) -> None:
    assert second_stage_status(RECEIVED, completed, date(2024, 4, 1)) is SecondStageStatus.DONE


def test_second_stage_status_errors() -> None:
    with pytest.raises(ValueError, match="before the reception date"):
        second_stage_status(RECEIVED, None, date(2024, 3, 3))
    with pytest.raises(ValueError, match="before reception"):
        second_stage_status(RECEIVED, date(2024, 3, 3), DUE)


@pytest.mark.parametrize(
    ("completed", "on_time"),
    [(RECEIVED, True), (DUE, True), (date(2024, 3, 12), False)],
)
def test_second_stage_on_time(completed: date, on_time: bool) -> None:
    assert second_stage_on_time(RECEIVED, completed) is on_time


def test_second_stage_on_time_refuses_completion_before_reception() -> None:
    with pytest.raises(ValueError, match="before reception"):
        second_stage_on_time(RECEIVED, date(2024, 3, 1))


def test_second_stage_window_configurable() -> None:
    policy = ReceptionPolicy(second_stage_within_days=5)
    assert second_stage_due(RECEIVED, policy) == date(2024, 3, 9)
    assert second_stage_status(RECEIVED, None, date(2024, 3, 10), policy) is (
        SecondStageStatus.OVERDUE
    )


@pytest.mark.parametrize(
    "kwargs", [{"second_stage_within_days": 0}, {"older_prisoner_review_months": 0}]
)
def test_bad_reception_policy(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="positive"):
        ReceptionPolicy(**kwargs)


# --- AAA screening --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dob", "sex", "year", "due"),
    [
        (date(1959, 7, 1), RegisteredSex.MALE, 2024, True),
        (date(1959, 1, 1), RegisteredSex.MALE, 2024, True),
        (date(1959, 12, 31), RegisteredSex.MALE, 2024, True),
        (date(1959, 7, 1), RegisteredSex.MALE, 2023, False),  # turns 64
        (date(1959, 7, 1), RegisteredSex.MALE, 2025, False),  # turns 66
        (date(1959, 7, 1), RegisteredSex.FEMALE, 2024, False),
        (date(1959, 7, 1), RegisteredSex.UNKNOWN, 2024, False),
        (date(1960, 2, 29), RegisteredSex.MALE, 2025, True),
    ],
)
def test_aaa_screening_due(dob: date, sex: RegisteredSex, year: int, due: bool) -> None:
    assert aaa_screening_due(dob, sex, year) is due


def test_aaa_screening_year_before_birth() -> None:
    with pytest.raises(ValueError, match="before the date of birth"):
        aaa_screening_due(date(1990, 1, 1), RegisteredSex.MALE, 1989)


# --- ages -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dob", "on", "age"),
    [
        (date(1974, 6, 15), date(2024, 6, 14), 49),
        (date(1974, 6, 15), date(2024, 6, 15), 50),
        (date(1974, 6, 15), date(2024, 6, 16), 50),
        (date(1974, 12, 31), date(2024, 12, 30), 49),
        (date(1974, 12, 31), date(2024, 12, 31), 50),
        (date(1974, 1, 1), date(2023, 12, 31), 49),
        (date(1972, 2, 29), date(2022, 2, 28), 49),  # common year: not yet
        (date(1972, 2, 29), date(2022, 3, 1), 50),  # common year: 1 March
        (date(1976, 2, 29), date(2024, 2, 28), 47),
        (date(1976, 2, 29), date(2024, 2, 29), 48),  # leap year: on the day
        (date(2000, 1, 1), date(2000, 1, 1), 0),
    ],
)
def test_age_on(dob: date, on: date, age: int) -> None:
    assert age_on(dob, on) == age


def test_age_before_birth_is_an_error() -> None:
    with pytest.raises(ValueError, match="before the date of birth"):
        age_on(date(2000, 1, 2), date(2000, 1, 1))


@pytest.mark.parametrize(
    ("dob", "on", "older"),
    [
        (date(1974, 6, 15), date(2024, 6, 14), False),
        (date(1974, 6, 15), date(2024, 6, 15), True),
        (date(1974, 6, 15), date(2024, 6, 16), True),
        (date(1972, 2, 29), date(2022, 2, 28), False),
        (date(1972, 2, 29), date(2022, 3, 1), True),
    ],
)
def test_is_older_prisoner(dob: date, on: date, older: bool) -> None:
    assert DEFAULT_RECEPTION_POLICY.older_prisoner_age == 50
    assert is_older_prisoner(dob, on) is older


def test_older_prisoner_age_configurable() -> None:
    policy = ReceptionPolicy(older_prisoner_age=55)
    assert not is_older_prisoner(date(1970, 1, 1), date(2024, 12, 31), policy)
    assert is_older_prisoner(date(1969, 1, 1), date(2024, 1, 1), policy)


# --- older prisoner review ------------------------------------------------------------------

DOB = date(1970, 5, 20)  # turns 50 on 20 May 2020
TODAY = date(2024, 6, 15)


def test_under_fifty_has_no_review() -> None:
    assert older_prisoner_review_due(DOB, None, None, date(2020, 5, 19)) is None


def test_fifty_today_and_not_flagged_is_due_today() -> None:
    assert older_prisoner_review_due(DOB, None, None, date(2020, 5, 20)) == date(2020, 5, 20)


def test_first_review_due_on_first_flag() -> None:
    assert older_prisoner_review_due(DOB, date(2024, 2, 1), None, TODAY) == date(2024, 2, 1)


@pytest.mark.parametrize(
    ("last_review", "due"),
    [
        (date(2023, 6, 15), date(2024, 6, 15)),
        (date(2024, 2, 29), date(2025, 2, 28)),
        (date(2024, 6, 15), date(2025, 6, 15)),
    ],
)
def test_review_yearly_after_last(last_review: date, due: date) -> None:
    assert older_prisoner_review_due(DOB, date(2021, 1, 1), last_review, TODAY) == due


def test_review_interval_configurable() -> None:
    policy = ReceptionPolicy(older_prisoner_review_months=6)
    due = older_prisoner_review_due(DOB, None, date(2024, 1, 31), TODAY, policy)
    assert due == date(2024, 7, 31)


@pytest.mark.parametrize(
    ("first_flagged", "last_review", "fragment"),
    [
        (date(2024, 6, 16), None, "first flagged"),
        (None, date(2024, 6, 16), "last review"),
        (date(1960, 1, 1), None, "first flagged"),
        (None, date(1960, 1, 1), "last review"),
    ],
)
def test_review_date_errors(
    first_flagged: date | None, last_review: date | None, fragment: str
) -> None:
    with pytest.raises(ValueError, match=fragment):
        older_prisoner_review_due(DOB, first_flagged, last_review, TODAY)
