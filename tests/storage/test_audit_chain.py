"""The audit chain as stored: links, canonical hashing, and what `verify` reports."""

from __future__ import annotations

import hashlib
import itertools
import json

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hjdesk.services.settings.audit_check import verify_chain
from hjdesk.storage import audit
from hjdesk.storage.models import AuditEvent
from hjdesk.storage.serialise import canonical_json


def _events(opened) -> list[AuditEvent]:
    with opened.session() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def _sql(opened, statement: str, *params) -> None:
    with opened.engine.connect() as conn:
        conn.exec_driver_sql(statement, params if params else ())
        conn.commit()


@pytest.fixture
def chain(admin_vault):
    """vault_created (1), unlock (2), then five more events (3-7)."""
    for n in range(5):
        admin_vault.audit("test_event", detail={"n": n})
    return admin_vault


def test_each_event_links_to_the_one_before(chain):
    events = _events(chain)
    assert [e.seq for e in events] == list(range(1, 8))
    assert events[0].prev_hash == audit.GENESIS == "0" * 64
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    for event in events:
        body = audit.event_body(event)
        expected = hashlib.sha256((event.prev_hash + canonical_json(body)).encode()).hexdigest()
        assert event.hash == expected
    assert events[2].actor_username == "admin"
    assert events[2].actor_role == "ADMIN"
    assert events[2].device_id == chain.device_id
    assert json.loads(events[2].detail) == {"n": 0}


def test_intact_chain_verifies_and_the_check_is_itself_audited(chain):
    report = verify_chain(chain)
    assert (report.ok, report.checked, report.first_bad_seq) == (True, 7, None)
    assert _events(chain)[-1].action == "audit_verified"
    assert verify_chain(chain).checked == 8


def test_empty_chain_is_intact():
    assert audit.verify_events([]).ok


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("detail", '{"n": 99}'),
        ("action", "nothing_to_see"),
        ("actor_username", "someone_else"),
        ("patient_id", "01900000-0000-7000-8000-000000000000"),
        ("at", "2020-01-01 00:00:00.000000"),
    ],
)
def test_an_altered_field_is_named(chain, column, value):
    _sql(chain, f"UPDATE audit_events SET {column} = ? WHERE seq = 4", value)
    report = verify_chain(chain)
    assert (report.ok, report.first_bad_seq, report.checked) == (False, 4, 3)
    assert report.reason == "its content was altered"
    assert report.first_bad_id == _events(chain)[3].id


def test_an_altered_event_with_a_recomputed_hash_breaks_the_next_link(chain):
    event = _events(chain)[3]
    event.detail = '{"n": 42}'
    forged = audit.chain_hash(event.prev_hash, audit.event_body(event))
    _sql(chain, "UPDATE audit_events SET detail = ?, hash = ? WHERE seq = 4", event.detail, forged)
    report = verify_chain(chain)
    assert (report.ok, report.first_bad_seq) == (False, 5)
    assert "removed or reordered" in report.reason


def test_a_removed_event_is_found(chain):
    _sql(chain, "DELETE FROM audit_events WHERE seq = 4")
    report = verify_chain(chain)
    assert (report.ok, report.first_bad_seq) == (False, 5)
    assert report.reason == "events are missing before it"


def test_a_removed_first_event_is_found(chain):
    _sql(chain, "DELETE FROM audit_events WHERE seq = 1")
    report = verify_chain(chain)
    assert (report.ok, report.first_bad_seq) == (False, 2)


def test_reordered_events_are_found(chain):
    _sql(chain, "UPDATE audit_events SET seq = -1 WHERE seq = 3")
    _sql(chain, "UPDATE audit_events SET seq = 3 WHERE seq = 5")
    _sql(chain, "UPDATE audit_events SET seq = 5 WHERE seq = -1")
    report = verify_chain(chain)
    assert (report.ok, report.first_bad_seq) == (False, 3)
    assert "reordered" in report.reason


def test_a_fork_cannot_be_committed(chain):
    """Two events claiming the same predecessor: the unique prev_hash refuses the second."""
    last = _events(chain)[-1]
    with pytest.raises(IntegrityError), chain.session() as session, session.begin():
        session.add(
            AuditEvent(
                seq=last.seq + 1,
                at=last.at,
                actor_id=None,
                actor_username="x",
                actor_role="RN",
                action="fork",
                detail="{}",
                device_id=chain.device_id,
                prev_hash=last.prev_hash,
                hash="f" * 64,
            )
        )


def _audit_then_fail(opened) -> None:
    with opened.transaction() as session:
        opened.audit("will_roll_back", session=session)
        raise RuntimeError("abandon")


def test_a_failed_transaction_leaves_no_audit_event(chain):
    before = len(_events(chain))
    with pytest.raises(RuntimeError, match="abandon"):
        _audit_then_fail(chain)
    assert len(_events(chain)) == before
    assert verify_chain(chain).ok
