"""A task whose status this version does not know stays on Today (hazard H-40).

A newer laptop may write a task status this version has never heard of; it arrives by sync. Only
DONE and WITHDRAWN close a task, so such a task is shown as needing attention, with its status
as stored, by the full computation and the kept lists alike, and a nurse can close it. The status
is written the way a pull writes it (`sync.local_apply.apply_changes` on a pulled record), never
as a hand-made row.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from hjdesk.services.worklists import unknown_status_note
from hjdesk.services.worklists.tasks import complete_task
from hjdesk.services.worklists.today import HIGH, TodayItem, today_worklists
from hjdesk.storage.models import Patient, Task
from hjdesk.storage.serialise import row_payload
from hjdesk.storage.vault import OpenVault
from tests.services.task_pull import pull_task_status


def _open_task_on_the_roll(vault: OpenVault) -> dict[str, Any]:
    with vault.session() as session:
        task = session.scalars(
            select(Task)
            .join(Patient, Patient.id == Task.patient_id)
            .where(Task.status == "OPEN", Patient.on_roll.is_(True))
            .order_by(Task.id)
            .limit(1)
        ).one()
        return row_payload(task)


def _pull_status(vault: OpenVault, task: dict[str, Any], status: str) -> None:
    """Another (newer) laptop's revision of the task, with `status`, stored as a pull does."""
    pull_task_status(vault, task["id"], status)


def _on_today(vault: OpenVault, task_id: str, *, kept: bool) -> TodayItem | None:
    found = [i for i in today_worklists(vault, kept=kept).tasks if i.source_id == task_id]
    assert len(found) <= 1
    return found[0] if found else None


@pytest.mark.parametrize("status", ["SNOOZED", "IN_HAND", "A"])
def test_a_pulled_task_with_an_unknown_status_stays_on_today_saying_so(
    demo: OpenVault, status: str
) -> None:
    """Kept lists filled before the pull, then asked again after it: both they and a full
    computation list the task, HIGH, with its title and its status as stored."""
    task = _open_task_on_the_roll(demo)
    before = _on_today(demo, task["id"], kept=True)
    assert before is not None
    assert before.what == task["title"]

    _pull_status(demo, task, status)

    kept = _on_today(demo, task["id"], kept=True)
    full = _on_today(demo, task["id"], kept=False)
    assert kept is not None
    assert kept == full
    assert kept.what == f"{task['title']} ({unknown_status_note(status)})"
    assert f"status '{status}' not known to this version: check the record" in kept.what
    assert kept.severity == HIGH
    assert today_worklists(demo, kept=True) == today_worklists(demo, kept=False)


@pytest.mark.parametrize("status", ["DONE", "WITHDRAWN"])
def test_a_task_another_laptop_closed_leaves_today(demo: OpenVault, status: str) -> None:
    task = _open_task_on_the_roll(demo)
    _pull_status(demo, task, status)
    assert _on_today(demo, task["id"], kept=True) is None
    assert _on_today(demo, task["id"], kept=False) is None


def test_a_task_with_an_unknown_status_can_be_closed_and_the_note_keeps_it(
    demo: OpenVault,
) -> None:
    task = _open_task_on_the_roll(demo)
    _pull_status(demo, task, "SNOOZED")
    complete_task(demo, task["id"], outcome="Checked the record: assessment booked")
    with demo.session() as session:
        stored = session.get(Task, task["id"])
        assert stored is not None
        assert stored.status == "DONE"
        assert "(its status was 'SNOOZED'): Checked the record" in stored.detail
    assert _on_today(demo, task["id"], kept=True) is None
    assert _on_today(demo, task["id"], kept=False) is None


def test_the_transfer_summary_lists_it_too(demo: OpenVault) -> None:
    """The summary's outstanding referrals read tasks the same way: not dropped there either."""
    from hjdesk.services.release import release_summary

    task = _open_task_on_the_roll(demo)
    _pull_status(demo, task, "SNOOZED")
    summary = release_summary(demo, task["patient_id"])
    (listed,) = [r for r in summary.referrals if r.task_id == task["id"]]
    assert listed.title == f"{task['title']} ({unknown_status_note('SNOOZED')})"
