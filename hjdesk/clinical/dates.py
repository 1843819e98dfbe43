"""Calendar arithmetic shared by the workflow rules: calendar months, working days, aware times.

Review intervals in domain.md are given in calendar months ("every 12 months", "3-6 months"), so
they are added as months, not as fixed numbers of days. A day that does not exist in the target
month (31 January + 1 month, 29 February + 12 months) falls back to the last day of that month,
which keeps a review due on or before the anniversary rather than after it.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta, tzinfo

_SATURDAY = 5


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months (negative to go back), clamped to the month's end."""
    index = day.year * 12 + (day.month - 1) + months
    year, month_index = divmod(index, 12)
    if not date.min.year <= year <= date.max.year:
        raise ValueError(f"{months} months from {day.isoformat()} is outside the calendar")
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day.day, last_day))


def add_months_or_end(day: date, months: int) -> date:
    """`add_months`, but the calendar's first or last day where the result would fall outside
    it: for due dates read from stored records, where a review dated in year 9999 (only a
    record pulled from a device in hostile hands holds one) must give a due date, not stop the
    patient's record and the overdue report."""
    try:
        return add_months(day, months)
    except ValueError:
        return date.max if months > 0 else date.min


def is_working_day(day: date, holidays: Collection[date] = frozenset()) -> bool:
    """Monday to Friday and not a listed public holiday."""
    return day.weekday() < _SATURDAY and day not in holidays


def next_working_day(day: date, holidays: Collection[date] = frozenset()) -> date:
    """The first working day strictly after `day`."""
    candidate = day + timedelta(days=1)
    while not is_working_day(candidate, holidays):
        candidate += timedelta(days=1)
    return candidate


def require_aware(value: datetime, what: str) -> datetime:
    """`value` in UTC; a naive time is refused because it cannot be placed on the timeline."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must carry a time zone (UTC); got a time without one")
    return value.astimezone(UTC)


def in_zone(moment: datetime, zone: tzinfo) -> datetime:
    """`moment` on `zone`'s wall clock; in UTC where that clock cannot show it.

    Only the first hours of year 1 (London's clock was then 75 seconds behind UTC, in year 0,
    which `datetime` does not have) and the last of year 9999 cannot be shown: no service writes
    them, but a record pulled from a device in hostile hands may hold them (the payload rules
    take any ISO time), and `astimezone` raises OverflowError for them, which would stop every
    screen and printout that shows the record (or, for a task, the Today page)."""
    try:
        return moment.astimezone(zone)
    except OverflowError:
        return moment.astimezone(UTC)
