"""`hjdesk audit verify`: exit 0 on an intact chain, exit 1 naming the first bad event."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from hjdesk.storage.models import AuditEvent
from tests.conftest import PASSWORD

ENV = {"HJDESK_USER": "admin", "HJDESK_PASSWORD": PASSWORD}


@pytest.fixture
def chain(admin_vault):
    """Events 1-7 (vault_created, unlock, five test events), left unlocked for tampering."""
    for n in range(5):
        admin_vault.audit("test_event", detail={"n": n})
    return admin_vault


def _tamper(opened, *statements: tuple[str, tuple]) -> None:
    with opened.engine.connect() as conn:
        for sql, params in statements:
            conn.exec_driver_sql(sql, params)
        conn.commit()
    opened.lock()


def _verify(cli, opened):
    return cli("audit", "verify", "--home", opened.home.root, env=ENV)


def _event_id(opened, seq: int) -> str:
    with opened.session() as session:
        return session.scalar(select(AuditEvent.id).where(AuditEvent.seq == seq))


def _bad_seq(line: str) -> int:
    match = re.fullmatch(
        r"hjdesk: audit chain broken at event (\d+) \(id [0-9a-f-]{36}\): .+\.", line
    )
    assert match, line
    return int(match.group(1))


def test_intact_chain_exits_0(cli, chain):
    chain.lock()
    result = _verify(cli, chain)
    assert result.code == 0, result.err
    assert result.err == ""
    # 7 events, plus the CLI's own unlock.
    assert result.out == "Audit chain intact: 8 events.\n"
    again = _verify(cli, chain)  # the check itself was audited, and still verifies
    assert again.out == "Audit chain intact: 10 events.\n"


def test_altered_detail_is_named(cli, chain):
    bad_id = _event_id(chain, 4)
    _tamper(chain, ("UPDATE audit_events SET detail = ? WHERE seq = 4", ('{"n": 99}',)))
    result = _verify(cli, chain)
    assert result.code == 1
    line = result.one_line_error
    assert _bad_seq(line) == 4
    assert bad_id in line
    assert "altered" in line
    assert result.out == ""


def test_altered_action_is_named(cli, chain):
    _tamper(chain, ("UPDATE audit_events SET action = 'harmless' WHERE seq = 6", ()))
    result = _verify(cli, chain)
    assert result.code == 1
    assert _bad_seq(result.one_line_error) == 6


def test_altered_last_event_is_named(cli, chain):
    """The newest event, which the CLI's own unlock then links to, is still caught."""
    _tamper(chain, ("UPDATE audit_events SET actor_username = 'nobody' WHERE seq = 7", ()))
    result = _verify(cli, chain)
    assert result.code == 1
    assert _bad_seq(result.one_line_error) == 7


def test_removed_event_is_named(cli, chain):
    _tamper(chain, ("DELETE FROM audit_events WHERE seq = 4", ()))
    result = _verify(cli, chain)
    assert result.code == 1
    line = result.one_line_error
    assert _bad_seq(line) == 5  # the first event whose predecessor is gone
    assert "missing" in line


def test_reordered_events_are_named(cli, chain):
    _tamper(
        chain,
        ("UPDATE audit_events SET seq = -1 WHERE seq = 3", ()),
        ("UPDATE audit_events SET seq = 3 WHERE seq = 5", ()),
        ("UPDATE audit_events SET seq = 5 WHERE seq = -1", ()),
    )
    result = _verify(cli, chain)
    assert result.code == 1
    line = result.one_line_error
    assert _bad_seq(line) == 3
    assert "reordered" in line


def test_a_broken_chain_is_not_marked_verified(cli, chain):
    _tamper(chain, ("UPDATE audit_events SET detail = '{}' WHERE seq = 3", ()))
    assert _verify(cli, chain).code == 1
    from hjdesk.storage.vault import Vault

    opened = Vault(chain.home).unlock("admin", PASSWORD)
    try:
        with opened.session() as session:
            actions = session.scalars(select(AuditEvent.action)).all()
        assert "audit_verified" not in actions
    finally:
        opened.lock()
