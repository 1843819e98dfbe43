"""Tests for hjdesk.clinical.dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from hjdesk.clinical.dates import add_months, is_working_day, next_working_day, require_aware


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 15), 1, date(2024, 2, 15)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 1, 10), -1, date(2023, 12, 10)),
        (date(2024, 5, 31), 0, date(2024, 5, 31)),
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(("start", "months"), [(date(9999, 12, 1), 1), (date(1, 1, 1), -1)])
def test_add_months_off_the_calendar(start: date, months: int) -> None:
    with pytest.raises(ValueError, match="outside the calendar"):
        add_months(start, months)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2024, 6, 14), True),  # Friday
        (date(2024, 6, 15), False),  # Saturday
        (date(2024, 6, 16), False),  # Sunday
        (date(2024, 6, 17), True),  # Monday
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_holidays_are_not_working_days() -> None:
    christmas = date(2024, 12, 25)
    assert not is_working_day(christmas, {christmas})
    holidays = {christmas, date(2024, 12, 26)}
    assert next_working_day(date(2024, 12, 24), holidays) == date(2024, 12, 27)


def test_require_aware_converts_to_utc() -> None:
    local = datetime(2024, 6, 10, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    result = require_aware(local, "x")
    assert result == datetime(2024, 6, 10, 9, 0, tzinfo=UTC)
    assert result.tzinfo is UTC


def test_require_aware_refuses_naive() -> None:
    with pytest.raises(ValueError, match="The start must carry a time zone"):
        require_aware(datetime(2024, 6, 10, 10, 0), "The start")
