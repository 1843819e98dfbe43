"""Worklists (architecture.md §6): Today, overdue reviews, and closing the tasks rules raise.

The face other code uses; the modules inside are this feature's own."""

from hjdesk.services.task_status import (
    KNOWN_STATUSES,
    is_closed,
    not_closed,
    unknown_status_note,
)
from hjdesk.services.worklists.reviews_due import (
    CARE_PROCESS_CODES,
    CONDITION_NAMES,
    LTC_REVIEW,
    OLDER_PRISONER_REVIEW,
    DueRow,
    fiftieth_birthday,
    overdue_reviews,
    standing_where,
    voided_encounters,
)
from hjdesk.services.worklists.tasks import complete_task, withdraw_tasks
from hjdesk.services.worklists.today import (
    HIGH,
    LONG_OVERDUE_SECOND_STAGE,
    MEDIUM,
    TodayItem,
    TodayLists,
    today_worklists,
)

__all__ = [
    "CARE_PROCESS_CODES",
    "CONDITION_NAMES",
    "HIGH",
    "KNOWN_STATUSES",
    "LONG_OVERDUE_SECOND_STAGE",
    "LTC_REVIEW",
    "MEDIUM",
    "OLDER_PRISONER_REVIEW",
    "DueRow",
    "TodayItem",
    "TodayLists",
    "complete_task",
    "fiftieth_birthday",
    "is_closed",
    "not_closed",
    "overdue_reviews",
    "standing_where",
    "today_worklists",
    "unknown_status_note",
    "voided_encounters",
    "withdraw_tasks",
]
