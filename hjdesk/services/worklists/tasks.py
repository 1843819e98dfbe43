"""Closing the tasks the rules raise (a falls assessment done, the first ACCT review time found).

A task is never deleted: it is marked DONE with what was done, by whom and when, so the audit
trail and the hub keep the whole story. A task raised by an entry later withdrawn (marked entered
in error, or corrected so that it no longer raises it) is marked WITHDRAWN with the reason, so it
leaves every worklist and the transfer summary but stays in the record.

A status this version does not know (one a newer laptop wrote, arrived by sync) is not taken to
mean closed: only DONE and WITHDRAWN close a task. Today shows such a task as needing attention,
with its status as stored, and it can be closed here like an open one (hazard H-40).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from hjdesk.services.actions import user_action
from hjdesk.services.common import clinic_time
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import Task
from hjdesk.storage.vault import OpenVault

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


def _stamp(moment: datetime) -> str:
    """When a task was closed, as the note a nurse reads says it: London's clock, named (BST or
    GMT), like every time HJDesk shows (H-30). The note is stored text and syncs as written."""
    return clinic_time(moment).strftime("%Y-%m-%d %H:%M %Z")


def complete_task(vault: OpenVault, task_id: str, *, outcome: str) -> None:
    """Mark an open task done, saying what was done (required: "done" alone helps nobody). A
    task with a status this version does not know counts as open; the note keeps that status."""
    with user_action(vault, "complete_task") as act:
        note = outcome.strip()
        if not note:
            raise InvalidInput("Say what was done before closing the task.")
        task = act.get(Task, task_id, "task")
        if is_closed(task.status):
            raise InvalidInput("That task is already closed.")
        was = "" if task.status == OPEN else f" (its status was '{task.status}')"
        done = f"Done {_stamp(act.now)} by {act.actor.username}{was}: {note}"
        task.detail = f"{task.detail}\n{done}" if task.detail else done
        task.status = DONE
        act.audit(patient_id=task.patient_id, detail={"task_id": task.id, "kind": task.kind})


def withdraw_tasks(
    vault: OpenVault,
    session: Session,
    source_ids: Collection[str],
    *,
    why: str,
    when: datetime,
    keep_kinds: Collection[str] = (),
) -> list[str]:
    """Mark WITHDRAWN the open tasks raised by these entries (all but `keep_kinds`), inside the
    caller's transaction, each audited; returns their ids."""
    if not source_ids:
        return []
    rows = session.scalars(
        select(Task).where(Task.source_id.in_(list(source_ids)), Task.status == OPEN)
    ).all()
    withdrawn = []
    stamp = _stamp(when)
    for task in rows:
        if task.kind in keep_kinds:
            continue
        note = f"Withdrawn {stamp} by {vault.actor.username}: {why}"
        task.detail = f"{task.detail}\n{note}" if task.detail else note
        task.status = WITHDRAWN
        withdrawn.append(task.id)
        vault.audit(
            "task_withdrawn",
            patient_id=task.patient_id,
            detail={"task_id": task.id, "kind": task.kind, "source_id": task.source_id},
            session=session,
        )
    return withdrawn
