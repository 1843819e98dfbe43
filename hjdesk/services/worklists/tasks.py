"""Closing the tasks the rules raise (a falls assessment done, the first ACCT review time found).

A task is never deleted: it is marked DONE with what was done, by whom and when, so the audit
trail and the hub keep the whole story. A task raised by an entry later withdrawn (marked entered
in error, or corrected so that it no longer raises it) is marked WITHDRAWN with the reason, so it
leaves every worklist and the transfer summary but stays in the record.

A status this version does not know (one a newer laptop wrote, arrived by sync) is not taken to
mean closed: only DONE and WITHDRAWN close a task (`services.task_status`). Today shows such a
task as needing attention, with its status as stored; it can be closed here like an open one, and
withdrawing an entry's tasks withdraws it too, each note keeping the status it had (hazard H-40).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hjdesk.services.actions import user_action
from hjdesk.services.common import clinic_time
from hjdesk.services.task_status import DONE, OPEN, WITHDRAWN, is_closed, not_closed, status_was
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import Task
from hjdesk.storage.vault import OpenVault


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
        done = f"Done {_stamp(act.now)} by {act.actor.username}{status_was(task.status)}: {note}"
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
    """Mark WITHDRAWN the tasks still open raised by these entries (all but `keep_kinds`), inside
    the caller's transaction, each audited; returns their ids. A task with a status this version
    does not know is withdrawn too (the entry that raised it no longer stands, H-40), its note and
    audit saying what status it had."""
    if not source_ids:
        return []
    rows = session.scalars(
        select(Task).where(Task.source_id.in_(list(source_ids)), not_closed())
    ).all()
    withdrawn = []
    stamp = _stamp(when)
    for task in rows:
        if task.kind in keep_kinds:
            continue
        note = f"Withdrawn {stamp} by {vault.actor.username}{status_was(task.status)}: {why}"
        task.detail = f"{task.detail}\n{note}" if task.detail else note
        detail: dict[str, object] = {"task_id": task.id, "kind": task.kind}
        detail["source_id"] = task.source_id
        if task.status != OPEN:
            detail["previous_status"] = task.status
        task.status = WITHDRAWN
        withdrawn.append(task.id)
        vault.audit("task_withdrawn", patient_id=task.patient_id, detail=detail, session=session)
    return withdrawn
