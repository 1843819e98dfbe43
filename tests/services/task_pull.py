"""A task's status as another, newer laptop wrote it, stored the way a pull stores it (H-40).

A newer version may give a task a status this version has never heard of; it reaches this laptop
only by a pull. So tests write it through `sync.local_apply.apply_changes` on a pulled record,
never as a hand-made row: the revision, the payload rules and the worklist bookkeeping are the
ones a real pull goes through.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from hjdesk.storage.models import OutboxOp, Task
from hjdesk.storage.serialise import row_payload
from hjdesk.storage.vault import OpenVault
from hjdesk.sync.cycle import _record_reply, remote_session
from hjdesk.sync.local_apply import PageResult, apply_changes
from hjdesk.sync.protocol import Change, DeviceState, PushReply

NEWER_LAPTOP = "0192f000-0000-7000-8000-00000000beef"


def mark_pushed(vault: OpenVault) -> None:
    """Everything queued so far is on the hub, as a push's reply records it (a pull holds back
    a record this laptop has not sent yet)."""
    with vault.session() as session:
        last = session.scalar(select(func.max(OutboxOp.seq)))
    if last is None:
        return
    device = DeviceState(
        device_id=vault.device_id, establishment="MDI", revoked=False, wipe=False, acked_seq=last
    )
    _record_reply(vault, PushReply(acked_seq=last, applied=0, duplicates=0, conflicts=[],
                                   device=device))  # fmt: skip


def _apply(vault: OpenVault, payload: dict[str, Any]) -> None:
    change = Change(seq=1, kind="task", record_id=payload["id"], rev=payload["rev"],
                    patient_id=payload["patient_id"], payload=payload)  # fmt: skip
    result = PageResult()
    with remote_session(vault) as session:
        apply_changes(session, [change], result)
    assert (result.applied, result.quarantined) == (1, 0)


def stored_task(vault: OpenVault, task_id: str) -> Task:
    with vault.session() as session:
        task = session.get(Task, task_id)
        assert task is not None
        session.expunge(task)
        return task


def pull_task_status(vault: OpenVault, task_id: str, status: str) -> dict[str, Any]:
    """Another laptop's next revision of the task, with `status`, stored as a pull does; the
    payload."""
    mark_pushed(vault)
    with vault.session() as session:
        task = session.get(Task, task_id)
        assert task is not None
        before = row_payload(task)
    payload = {**before, "status": status, "rev": before["rev"] + 1}
    _apply(vault, payload)
    assert stored_task(vault, task_id).status == status
    return payload


def pull_new_task(
    vault: OpenVault,
    *,
    patient_id: str,
    kind: str,
    title: str,
    status: str,
    source_id: str | None,
    at: datetime,
) -> dict[str, Any]:
    """A task another laptop raised, arriving by a pull with `status`; the payload."""
    raised = Task(
        id=str(uuid.uuid4()), rev=1, hlc="", origin_device=NEWER_LAPTOP, author_id=None,
        updated_at=at, patient_id=patient_id, kind=kind, title=title, detail="", due_at=at,
        status=status, source_id=source_id,
    )  # fmt: skip
    payload = row_payload(raised)
    _apply(vault, payload)
    assert stored_task(vault, payload["id"]).status == status
    return payload
