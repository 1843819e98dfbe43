"""What a task's status means, for every feature that reads or writes tasks (hazard H-40).

A task's status syncs between laptops as text, and a newer version may write one this version has
never heard of (a task put on hold, say). It is not taken to mean closed: only DONE and WITHDRAWN
close a task. Any other status, known or not, is still work: Today and the transfer summary list
it, withdrawing an entry's tasks withdraws it, a check for an existing task before raising
another counts it, and moving a task to the case that continues moves it.

A flat module of the shared kernel (docs/layout.md), importing only `storage`, so the features
that raise tasks (`acct`, `care_plans`, `clinics`) can use it without importing `worklists`,
which imports them.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_

from hjdesk.storage.models import Task

OPEN, DONE, WITHDRAWN = "OPEN", "DONE", "WITHDRAWN"
KNOWN_STATUSES = frozenset({OPEN, DONE, WITHDRAWN})


def is_closed(status: str) -> bool:
    """Closed for good: done or withdrawn. Any other status, known or not, is still work."""
    return status in (DONE, WITHDRAWN)


def not_closed() -> ColumnElement[bool]:
    """SQL for `not is_closed(Task.status)`. As ranges around the two closed words rather than
    NOT IN, so SQLite can still read the few open tasks through `ix_tasks_status` instead of
    every task ever closed (status is never NULL)."""
    return or_(
        Task.status < DONE,
        and_(Task.status > DONE, Task.status < WITHDRAWN),
        Task.status > WITHDRAWN,
    )


def unknown_status_note(status: str) -> str:
    """What Today adds to a task whose status this version does not know."""
    return f"status '{status}' not known to this version: check the record"


def status_was(status: str) -> str:
    """What a note closing or changing a task adds when its status was not plain OPEN, so the
    record keeps the status another laptop gave it: "" for OPEN."""
    return "" if status == OPEN else f" (its status was '{status}')"
