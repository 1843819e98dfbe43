"""Closing the tasks the rules raise (a falls assessment done, the first ACCT review time found).

A task is never deleted: it is marked DONE with what was done, by whom and when, so the audit
trail and the hub keep the whole story. A task raised by an entry later withdrawn (marked entered
in error, or corrected so that it no longer raises it) is marked WITHDRAWN with the reason, so it
leaves every worklist and the transfer summary but stays in the record.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.services.actions import user_action
from hjdesk.services.common import clinic_time
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import Task
from hjdesk.storage.vault import OpenVault

OPEN, DONE, WITHDRAWN = "OPEN", "DONE", "WITHDRAWN"


def _stamp(moment: datetime) -> str:
    """When a task was closed, as the note a nurse reads says it: London's clock, named (BST or
    GMT), like every time HJDesk shows (H-30). The note is stored text and syncs as written."""
    return clinic_time(moment).strftime("%Y-%m-%d %H:%M %Z")


def complete_task(vault: OpenVault, task_id: str, *, outcome: str) -> None:
    """Mark an open task done, saying what was done (required: "done" alone helps nobody)."""
    with user_action(vault, "complete_task") as act:
        note = outcome.strip()
        if not note:
            raise InvalidInput("Say what was done before closing the task.")
        task = act.get(Task, task_id, "task")
        if task.status != OPEN:
            raise InvalidInput("That task is already closed.")
        done = f"Done {_stamp(act.now)} by {act.actor.username}: {note}"
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
