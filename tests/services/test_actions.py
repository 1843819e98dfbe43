"""The user-action helper every service write goes through (services/actions.py): a refused role
touches nothing, problems and stale revisions save nothing, a failure rolls everything back, and a
success leaves exactly one audit link naming the action, the user and the time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from hjdesk.services import acct
from hjdesk.services.actions import StaleRevision, user_action
from hjdesk.storage.errors import InvalidInput, PermissionDenied
from hjdesk.storage.models import AcctCase, AuditEvent, Task
from hjdesk.storage.vault import OpenVault
from tests.services.clinic_world import World

KIND = "ACTION_HELPER_TEST"


def _audit_tail(v: OpenVault) -> tuple[int, str]:
    with v.session() as session:
        last = session.execute(
            select(AuditEvent.seq, AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1)
        ).one()
    return last[0], last[1]


def _test_tasks(v: OpenVault) -> int:
    with v.session() as session:
        return int(session.scalar(select(func.count()).where(Task.kind == KIND)) or 0)


def _task(patient_id: str) -> Task:
    return Task(patient_id=patient_id, kind=KIND, title="Helper test", status="OPEN")


def test_a_refused_role_is_stopped_before_the_block_runs(world: World) -> None:
    hca = world.as_user("hca")
    before = _audit_tail(hca)
    entered: list[bool] = []

    def attempt() -> None:
        with user_action(hca, "activate_care_plan"):
            entered.append(True)

    with pytest.raises(PermissionDenied, match=r"^Your role \(HCA\) cannot activate care plans\.$"):
        attempt()
    assert entered == []
    assert _audit_tail(hca) == before
    hca.lock()


def test_problems_save_nothing_and_leave_no_audit_link(world: World) -> None:
    v, patient = world.vault, world.ids["diabetic"]
    before = _audit_tail(v)

    def attempt() -> None:
        with user_action(v, "complete_task") as act:
            act.session.add(_task(patient))
            act.problems.append("Say what was done.")
            act.problems.append("Give the date.")
            act.audit(patient_id=patient)

    with pytest.raises(InvalidInput) as raised:
        attempt()
    assert raised.value.message == "Say what was done. Give the date."
    assert _test_tasks(v) == 0
    assert _audit_tail(v) == before


def test_check_raises_the_problems_at_once(world: World) -> None:
    reached: list[bool] = []

    def attempt() -> None:
        with user_action(world.vault, "complete_task") as act:
            act.problems.append("Give the date.")
            act.check()
            reached.append(True)

    with pytest.raises(InvalidInput, match=r"^Give the date\.$"):
        attempt()
    assert reached == []


def test_a_stale_revision_is_refused_and_nothing_is_written(world: World) -> None:
    v, patient = world.vault, world.ids["epilepsy"]
    now = datetime.now(UTC)
    case = acct.open_case(
        v, patient, opened_at=now - timedelta(hours=1), concern_summary="Low mood", risk_level="LOW"
    )
    opened_rev = case.rev
    acct.update_case(v, case.id, base_rev=opened_rev, case_manager="SO Patel")
    before = _audit_tail(v)

    def attempt() -> None:
        with user_action(v, "acct_updated") as act:
            act.session.add(_task(patient))
            act.get(AcctCase, case.id, "ACCT", base_rev=opened_rev)

    with pytest.raises(StaleRevision) as raised:
        attempt()
    # One check, one message: both ways screens and tests have described it still match.
    assert "changed by someone else" in raised.value.message
    assert "changed elsewhere" in raised.value.message
    assert isinstance(raised.value, InvalidInput)
    assert _test_tasks(v) == 0
    assert _audit_tail(v) == before
    with user_action(v, "acct_updated") as act:  # the current revision is accepted
        assert act.get(AcctCase, case.id, "ACCT", base_rev=opened_rev + 1).id == case.id


def test_a_missing_record_is_named_not_shown(world: World) -> None:
    def attempt() -> None:
        with user_action(world.vault, "acct_updated") as act:
            act.get(AcctCase, "no-such-id", "ACCT")

    with pytest.raises(InvalidInput, match=r"^That ACCT is not in this vault\.$"):
        attempt()


def test_an_exception_mid_action_rolls_back_the_rows_and_the_audit_link(world: World) -> None:
    v, patient = world.vault, world.ids["asthma"]
    before = _audit_tail(v)

    def attempt() -> None:
        with user_action(v, "complete_task") as act:
            act.session.add(_task(patient))
            act.audit(patient_id=patient, detail={"n": 1})
            raise RuntimeError("disk pulled")

    with pytest.raises(RuntimeError, match="disk pulled"):
        attempt()
    assert _test_tasks(v) == 0
    assert _audit_tail(v) == before


def test_success_commits_with_one_audit_link_naming_action_actor_and_time(world: World) -> None:
    v, patient = world.vault, world.ids["asthma"]
    seq_before, _ = _audit_tail(v)
    injected = datetime(2025, 3, 12, 9, 30, tzinfo=UTC)
    start = datetime.now(UTC)
    with user_action(v, "complete_task", now=injected) as act:
        assert act.now == injected  # the action's one time, as the caller gave it
        assert act.actor == v.actor
        act.session.add(_task(patient))
        act.audit(patient_id=patient, detail={"why": "test"})
    assert _test_tasks(v) == 1
    with v.session() as session:
        new = list(session.scalars(select(AuditEvent).where(AuditEvent.seq > seq_before)))
    assert len(new) == 1
    (event,) = new
    assert event.action == "complete_task"
    assert (event.actor_username, event.actor_role) == ("nurse", "RN")
    assert event.actor_id == v.actor.staff_id
    assert event.patient_id == patient
    # The chain keeps real time (a back-dated action never moves the chain backwards).
    assert start <= event.at <= datetime.now(UTC)


def test_one_action_may_leave_a_named_kind(world: World) -> None:
    v = world.vault
    with user_action(v, "view_caseload") as act:
        act.audit(kind="view_clinic_session", detail={"session_id": "x"})
    assert _audit_tail(v)[1] == "view_clinic_session"


def test_an_unknown_action_name_is_a_bug_not_a_refusal(world: World) -> None:
    with pytest.raises(KeyError), user_action(world.vault, "no_such_action"):
        pass
