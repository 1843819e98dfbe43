"""Enrolment, tokens and the command line's handling of hub problems."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from hjdesk.storage.models import AuditEvent, Setting
from hjdesk.sync.client import hub_reachable
from hjdesk.sync.hub import schema
from hjdesk.sync.hub.store import hash_secret
from hjdesk.sync.local_state import TOKEN
from tests.sync.helpers import HubProcess, Laptop, run_cli

AUTHENTICATED = [
    ("GET", "/v1/device"),
    ("POST", "/v1/push"),
    ("GET", "/v1/changes"),
    ("GET", "/v1/conflicts"),
    ("POST", "/v1/wiped"),
]


def test_enrol_then_sync_sends_everything_once(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("a")
    patients = laptop.add_patients(laptop.add_establishment("DMO"), 30)
    result = run_cli("hub", "enrol-code", "--db", hub.db_url, "--establishment", "dmo")
    assert result.returncode == 0, result.stderr
    code = result.stdout.strip().splitlines()[-1]
    assert len(code) == 19
    assert code.count("-") == 3

    enrolled = run_cli("enrol", "--home", str(laptop.home.root), "--hub", hub.url, "--code", code)
    assert enrolled.returncode == 0, enrolled.stderr
    synced = run_cli("sync", "--home", str(laptop.home.root))
    assert synced.returncode == 0, synced.stderr
    assert "push: sent" in synced.stdout
    assert "0 changes waiting to be sent." in synced.stdout

    device = laptop.device_id()
    assert laptop.unsent() == 0
    assert hub.count(schema.ops, schema.ops.c.device_id == device) == laptop.outbox_size()
    assert hub.doc("patient", patients[0]) is not None
    with hub.store.reading() as conn:
        stored = conn.execute(schema.devices.select()).mappings().one()
    assert stored["establishment"] == "DMO"
    with laptop.peek() as s:
        token = s.get(Setting, TOKEN)
        assert token is not None
        assert stored["token_hash"] == hash_secret(token.value)
        assert token.value not in stored["token_hash"]  # only the hash is kept
        actions = [e.action for e in s.query(AuditEvent).order_by(AuditEvent.seq)]
    assert "sync" in actions
    assert "sync_enrolled" in actions

    listed = run_cli("hub", "devices", "--db", hub.db_url)
    assert device in listed.stdout
    assert "active" in listed.stdout


def test_requests_without_a_valid_token_get_401(hub: HubProcess) -> None:
    for method, path in AUTHENTICATED:
        for token in (None, "not-a-token", "x" * 500):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = httpx.request(method, hub.url + path, headers=headers, json={"ops": []})
            assert response.status_code == 401, (method, path, token)
            assert response.json()["detail"]
    assert hub.count(schema.ops) == 0


def test_used_or_unknown_codes_are_refused(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    first, second = make_laptop("first"), make_laptop("second")
    code = hub.enrol_code("DMO")
    ok = run_cli("enrol", "--home", str(first.home.root), "--hub", hub.url, "--code", code)
    assert ok.returncode == 0, ok.stderr
    for attempt in (code, "ABCD-EFGH-JKLM-NPQR"):
        refused = run_cli("enrol", "--home", str(second.home.root), "--hub", hub.url,
                          "--code", attempt)  # fmt: skip
        assert refused.returncode == 1
        assert refused.stderr.count("\n") == 1
        assert "unknown, used or expired" in refused.stderr
        assert "Traceback" not in refused.stderr
    assert hub.count(schema.devices) == 1
    body = {"code": hub.enrol_code("DMO"), "device_id": first.device_id()}
    again = httpx.post(f"{hub.url}/v1/enrol", json=body)
    assert again.status_code == 409  # a second token for one laptop: refused


def test_hub_unreachable_is_a_one_line_user_error(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("a")
    laptop.enrol(hub, "DMO")
    with laptop.vault() as v:
        assert hub_reachable(v)
    hub.kill()
    with laptop.vault() as v:
        assert not hub_reachable(v, timeout=1)
    result = run_cli("sync", "--home", str(laptop.home.root))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "cannot be reached" in result.stderr
    assert "Traceback" not in result.stderr
    assert laptop.unsent() > 0  # nothing lost: it waits for the next sync


def test_hub_commands_report_user_errors_in_one_line(hub: HubProcess) -> None:
    for args in (
        ["hub", "revoke", "--db", hub.db_url, "--device", "no-such-device"],
        ["hub", "enrol-code", "--db", hub.db_url, "--establishment", "not a code"],
        ["hub", "devices", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"],
    ):
        result = run_cli(*args)
        assert result.returncode == 1, result
        assert result.stderr.startswith("hjdesk: ")
        assert result.stderr.count("\n") == 1
