"""Closing a task: says what was done, is audited, leaves Today, and cannot be done twice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hjdesk.services.worklists.tasks import complete_task
from hjdesk.services.worklists.today import today_worklists
from hjdesk.storage.errors import InvalidInput, PermissionDenied
from hjdesk.storage.models import AuditEvent, OutboxOp, Task
from hjdesk.storage.vault import Vault
from tests.conftest import PASSWORD


def _open_task(vault) -> Task:
    with vault.session() as session:
        return session.scalars(select(Task).where(Task.status == "OPEN").limit(1)).one()


def test_completing_a_task_records_what_was_done_and_leaves_today(demo):
    task = _open_task(demo)
    assert task.id in {i.source_id for i in today_worklists(demo).tasks}
    complete_task(demo, task.id, outcome="Falls assessment booked with the physio")
    with demo.session() as session:
        stored = session.get(Task, task.id)
        assert stored.status == "DONE"
        assert "by nurse: Falls assessment booked with the physio" in stored.detail
        audit = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "complete_task")
        ).all()
        assert len(audit) == 1
        ops = session.scalars(select(OutboxOp).where(OutboxOp.record_id == task.id)).all()
        assert [op.kind for op in ops][-1] == "task"
        assert '"DONE"' in ops[-1].payload
    assert task.id not in {i.source_id for i in today_worklists(demo).tasks}


def test_a_task_needs_a_note_and_closes_once(demo):
    task = _open_task(demo)
    with pytest.raises(InvalidInput, match="Say what was done"):
        complete_task(demo, task.id, outcome="  ")
    complete_task(demo, task.id, outcome="done properly")
    with pytest.raises(InvalidInput, match="already closed"):
        complete_task(demo, task.id, outcome="again")
    with pytest.raises(InvalidInput, match="not in this vault"):
        complete_task(demo, "no-such-task", outcome="x")


def test_admin_staff_cannot_close_clinical_tasks(demo_home):
    admin = Vault(demo_home).unlock("admin", PASSWORD)
    try:
        task = _open_task(admin)
        with pytest.raises(PermissionDenied):
            complete_task(admin, task.id, outcome="x")
    finally:
        admin.lock()
