"""How SQLite reads the tasks still open when a feature checks for one before raising another,
withdraws an entry's tasks or moves an arrival mirror's (hazard H-40): through an index, never a
scan of every task ever closed. `not_closed()` is three ranges around DONE and WITHDRAWN so
that `ix_tasks_status` stays usable; where a feature narrows by patient first, SQLite takes
`ix_tasks_patient_id` instead. Each query is captured as the feature runs it, in a session rolled
back at the end: nothing is kept."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from hjdesk.services.acct.arrivals import _repoint_tasks
from hjdesk.services.acct.health_input import raise_ha_alert_work
from hjdesk.services.care_plans.plans import _referral_task
from hjdesk.services.clinics.outcomes import _open_review_exists
from hjdesk.services.common import utc_now
from hjdesk.services.worklists import withdraw_tasks
from hjdesk.storage.models import AcctCase, CarePlan, Encounter, Patient
from hjdesk.storage.vault import OpenVault


@contextmanager
def _plans_of_task_reads(demo: OpenVault) -> Iterator[tuple[Session, list[list[str]]]]:
    """A session rolled back at the end, and the query plans of the SELECTs on tasks it ran."""
    seen: list[tuple[str, Any]] = []

    def keep(*args: Any) -> None:
        sql = str(args[2])
        if sql.lstrip().startswith("SELECT") and "FROM tasks" in sql:
            seen.append((sql, args[3]))

    plans: list[list[str]] = []
    with demo.session() as session:
        event.listen(demo.engine, "before_cursor_execute", keep)
        try:
            yield session, plans
        finally:
            event.remove(demo.engine, "before_cursor_execute", keep)
            session.rollback()
        conn = session.connection()
        for sql, params in seen:
            plans.append(
                [str(r[3]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)]
            )


def _withdraw(session: Session, demo: OpenVault) -> None:
    ids = list(session.scalars(select(Encounter.id).order_by(Encounter.id).limit(20)))
    withdraw_tasks(demo, session, ids, why="plan check", when=utc_now())


def _referral(session: Session, demo: OpenVault) -> None:
    plan = session.scalars(select(CarePlan).order_by(CarePlan.id).limit(1)).one()
    plan.data = {**(plan.data or {}), "social_care_needs": "Help with washing"}
    plan.plan_type = "SOCIAL_CARE"
    _referral_task(session, plan, utc_now())


def _refusal(session: Session, demo: OpenVault) -> None:
    pid = session.scalars(select(Patient.id).order_by(Patient.id).limit(1)).one()
    _open_review_exists(session, pid, "LTC_DIABETES")


def _repoint(session: Session, demo: OpenVault) -> None:
    first, second = session.scalars(select(AcctCase).order_by(AcctCase.id).limit(2)).all()
    _repoint_tasks(session, demo.device_id, first, second)


def _ha_alert(session: Session, demo: OpenVault) -> None:
    pid = session.scalars(select(Patient.id).order_by(Patient.id).limit(1)).one()
    raise_ha_alert_work(session, [pid], utc_now())


READS: dict[str, Callable[[Session, OpenVault], None]] = {
    "withdraw an entry's tasks": _withdraw,
    "social care referral": _referral,
    "refusal review": _refusal,
    "re-point a mirror's task": _repoint,
    "HA alert task": _ha_alert,
}


@pytest.mark.parametrize("name", list(READS))
def test_task_reads_use_an_index(demo: OpenVault, name: str) -> None:
    with _plans_of_task_reads(demo) as (session, plans):
        READS[name](session, demo)
    assert plans, name
    for plan in plans:
        tasks = [step for step in plan if " tasks " in f"{step} "]
        assert tasks, plan
        assert all(step.startswith("SEARCH tasks USING INDEX") for step in tasks), plan
