"""Closing the tasks the rules raise (a falls assessment done, the first ACCT review time found).

A task is never deleted: it is marked DONE with what was done, by whom and when, so the audit
trail and the hub keep the whole story.
"""

from __future__ import annotations

from hjdesk.services.common import get_or_error, utc_now
from hjdesk.services.permissions import CLINICAL_WRITERS, require_role
from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import Task
from hjdesk.storage.vault import OpenVault

OPEN, DONE = "OPEN", "DONE"


def complete_task(vault: OpenVault, task_id: str, *, outcome: str) -> None:
    """Mark an open task done, saying what was done (required: "done" alone helps nobody)."""
    require_role(vault.actor, CLINICAL_WRITERS, "close clinical tasks")
    note = outcome.strip()
    if not note:
        raise InvalidInput("Say what was done before closing the task.")
    with vault.transaction() as session:
        task = get_or_error(session, Task, task_id, "task")
        if task.status != OPEN:
            raise InvalidInput("That task is already closed.")
        stamp = utc_now().strftime("%Y-%m-%d %H:%M UTC")
        done = f"Done {stamp} by {vault.actor.username}: {note}"
        task.detail = f"{task.detail}\n{done}" if task.detail else done
        task.status = DONE
        vault.audit(
            "complete_task",
            patient_id=task.patient_id,
            detail={"task_id": task.id, "kind": task.kind},
            session=session,
        )
