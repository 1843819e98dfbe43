"""Appending to the audit chain without a flush per event: whatever else wrote in between (another
handle on the vault, a rolled-back savepoint, several events in one transaction), the next link
follows the real tail and the chain still verifies."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from hjdesk.services.settings.audit_check import verify_chain
from hjdesk.storage import audit
from hjdesk.storage.models import AuditEvent
from hjdesk.storage.vault import Vault
from tests.conftest import PASSWORD


def _events(opened) -> list[AuditEvent]:
    with opened.session() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def _assert_linked(opened) -> None:
    events = _events(opened)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    report = verify_chain(opened)
    assert report.ok, report.reason


def test_events_appended_in_one_transaction_follow_each_other_before_any_flush(admin_vault):
    with admin_vault.transaction() as session:
        first = audit.append(session, admin_vault.actor, "one", device_id=admin_vault.device_id)
        second = audit.append(session, admin_vault.actor, "two", device_id=admin_vault.device_id)
        # Neither is in the vault yet: the second followed the first, still pending.
        assert {first, second} <= set(session.new)
        assert (second.seq, second.prev_hash) == (first.seq + 1, first.hash)
    assert [e.action for e in _events(admin_vault)][-2:] == ["one", "two"]
    _assert_linked(admin_vault)


def test_a_second_handle_appending_between_two_of_ours_moves_the_tail(admin_vault):
    """Another writer (here a second unlock of the same vault, as the CLI would be while the app
    is open) appends between our events: our next event links to its event, not our last."""
    other = Vault(admin_vault.home).unlock("admin", PASSWORD)
    try:
        admin_vault.audit("ours_1")
        other.audit("theirs")
        admin_vault.audit("ours_2")
        other.audit("theirs_2")
        admin_vault.audit("ours_3")
    finally:
        other.lock()
    actions = [e.action for e in _events(admin_vault)]
    assert actions[-5:] == ["ours_1", "theirs", "ours_2", "theirs_2", "ours_3"]
    _assert_linked(admin_vault)


def test_an_event_in_a_rolled_back_savepoint_is_not_linked_to(admin_vault):
    with admin_vault.transaction() as session:
        admin_vault.audit("kept_before", session=session)
        savepoint = session.begin_nested()
        admin_vault.audit("rolled_back", session=session)
        savepoint.rollback()
        admin_vault.audit("kept_after", session=session)
    actions = [e.action for e in _events(admin_vault)]
    assert "rolled_back" not in actions
    assert actions[-2:] == ["kept_before", "kept_after"]
    _assert_linked(admin_vault)


def _two_events_then_fail(opened) -> None:
    with opened.transaction() as session:
        opened.audit("abandoned_1", session=session)
        opened.audit("abandoned_2", session=session)
        raise RuntimeError("give up")


def test_an_abandoned_transaction_leaves_the_next_one_on_the_real_tail(admin_vault):
    with pytest.raises(RuntimeError, match="give up"):
        _two_events_then_fail(admin_vault)
    admin_vault.audit("after")
    assert [e.action for e in _events(admin_vault)][-1] == "after"
    assert not {"abandoned_1", "abandoned_2"} & {e.action for e in _events(admin_vault)}
    _assert_linked(admin_vault)


def test_signing_an_entry_appends_it_and_its_audit_event_without_a_flush(demo):
    """The entry, its observation and its audit event are appended (`storage.append`): one
    INSERT each and one for their outbox ops, no flush of new rows, and the chain holds."""
    from benchmarks.writes import _patient_ids, cell_door_entry
    from hjdesk.services.encounters import sign_encounter
    from hjdesk.storage.models.base import utcnow

    patient_id = _patient_ids(demo)[0]
    flushes: list[set[str]] = []
    inserts: list[str] = []

    def seen(session, context, instances) -> None:
        flushes.append({type(obj).__name__ for obj in session.new})

    def executed(conn, cursor, statement, params, context, executemany) -> None:
        if statement.startswith("INSERT INTO"):
            inserts.append(statement.split()[2])

    event.listen(Session, "before_flush", seen)
    event.listen(demo.engine, "before_cursor_execute", executed)
    try:
        view = sign_encounter(demo, cell_door_entry(patient_id, utcnow()))
    finally:
        event.remove(Session, "before_flush", seen)
        event.remove(demo.engine, "before_cursor_execute", executed)
    assert [names for names in flushes if names] == []
    assert inserts == ["encounters", "observations", "audit_events", "outbox"]
    last = _events(demo)[-1]
    assert (last.action, last.patient_id) == ("encounter_signed", patient_id)
    assert view.id in last.detail
    _assert_linked(demo)
