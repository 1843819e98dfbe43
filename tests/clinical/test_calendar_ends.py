"""The clinical date rules at the calendar's ends (hjdesk/clinical, pure).

No service writes a date in year 1 or 9999, but a record pulled from a device in hostile hands may
hold one (the payload rules take any ISO date); each rule that reads a stored date gives an answer
for it instead of an OverflowError or ValueError that would stop a list for everyone. The same
rules on ordinary dates are tested beside their tables (test_reception, test_care_plans, test_ltc).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hjdesk.clinical import identifiers
from hjdesk.clinical.acct import unsynced_warning
from hjdesk.clinical.care_plans import CarePlanStatus, status_on
from hjdesk.clinical.dates import add_months, add_months_or_end, in_zone
from hjdesk.clinical.ltc import FootRisk, LtcCondition, next_foot_review, next_ltc_review_due
from hjdesk.clinical.reception import is_older_prisoner, second_stage_due
from hjdesk.clinical.release import reconnect_window_open

LONDON = ZoneInfo("Europe/London")


def test_add_months_or_end_is_add_months_inside_the_calendar_and_its_end_outside() -> None:
    assert add_months_or_end(date(2024, 1, 31), 1) == add_months(date(2024, 1, 31), 1)
    assert add_months_or_end(date(9999, 6, 1), 12) == date.max
    assert add_months_or_end(date(1, 3, 1), -12) == date.min


def test_in_zone_is_londons_clock_and_utc_where_that_clock_cannot_show_the_time() -> None:
    summer = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    assert in_zone(summer, LONDON) == summer.astimezone(LONDON)
    assert in_zone(summer, LONDON).hour == 0  # 00:30 BST
    first = datetime(1, 1, 1, 0, 0, tzinfo=UTC)
    assert in_zone(first, LONDON) == first
    assert in_zone(first, LONDON).tzinfo is UTC


def test_second_stage_due_is_the_calendars_last_day_in_its_last_week() -> None:
    assert second_stage_due(date(9999, 12, 24)) == date(9999, 12, 31)
    assert second_stage_due(date(9999, 12, 28)) == date.max


def test_nobody_is_an_older_prisoner_before_their_date_of_birth() -> None:
    born = date(9999, 12, 31)
    assert not is_older_prisoner(born, date(2026, 7, 2))
    assert not identifiers.is_older_prisoner(born, date(2026, 7, 2))
    assert is_older_prisoner(date(1976, 7, 2), date(2026, 7, 2))  # 50 today
    assert identifiers.is_older_prisoner(date(1976, 7, 2), date(2026, 7, 2))


def test_a_review_in_the_calendars_first_days_is_due_and_one_at_its_end_gives_a_date() -> None:
    assert status_on(CarePlanStatus.ACTIVE, date(1, 1, 3), date(2026, 7, 2)) is (
        CarePlanStatus.REVIEW_DUE
    )
    assert status_on(CarePlanStatus.ACTIVE, date.max, date(2026, 7, 2)) is CarePlanStatus.ACTIVE
    assert next_ltc_review_due(date(9999, 6, 1), LtcCondition.DIABETES) == date.max
    last = date(2026, 7, 2)
    assert next_ltc_review_due(last, LtcCondition.DIABETES) > last + timedelta(days=28)


def test_the_next_foot_review_from_the_calendars_last_days_is_its_last_day() -> None:
    assert next_foot_review(FootRisk.HIGH, date(9999, 12, 1)) == date.max
    assert next_foot_review(FootRisk.LOW, date(1, 1, 1)) == date(2, 1, 1)
    assert next_foot_review(FootRisk.ACTIVE, date(9999, 12, 30)) == date.max  # a Friday
    assert next_foot_review(FootRisk.ACTIVE, date.max) == date.max  # no working day after it
    assert next_foot_review(FootRisk.ACTIVE, date(2026, 7, 3)) == date(2026, 7, 6)  # Fri → Mon


def test_input_needed_by_the_calendars_first_moment_is_late_and_by_its_last_is_not() -> None:
    now = datetime(2026, 7, 2, 9, 0, tzinfo=UTC)
    assert unsynced_warning(datetime(1, 1, 1, tzinfo=UTC), now, synced=False)
    assert not unsynced_warning(datetime.max.replace(tzinfo=UTC), now, synced=False)
    assert unsynced_warning(now + timedelta(hours=2), now, synced=False)  # the 2-hour window
    assert not unsynced_warning(now + timedelta(hours=2, seconds=1), now, synced=False)


def test_reconnect_is_open_for_a_move_in_the_calendars_first_weeks_and_not_at_its_end() -> None:
    today = date(2026, 7, 2)
    assert reconnect_window_open(date(1, 1, 1), today)
    assert not reconnect_window_open(date.max, today)
    assert reconnect_window_open(today + timedelta(weeks=12), today)  # the window's first day
    assert not reconnect_window_open(today + timedelta(weeks=12, days=1), today)
