"""Hub decisions applied at the next sync (revoke, wipe), and the audit chain checked on receipt."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import select, update

from hjdesk.storage.models import OutboxOp, Setting
from hjdesk.sync import client, local_state
from hjdesk.sync.hub import schema
from hjdesk.sync.transport import HubClient
from tests.sync.helpers import HubProcess, Laptop, run_cli


def _token(laptop: Laptop) -> str:
    with laptop.peek() as s:
        found = s.get(Setting, local_state.TOKEN)
        assert found is not None
        return found.value


def test_revoked_laptop_still_uploads_but_no_longer_receives(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("a")
    est = laptop.add_establishment("DMO")
    laptop.enrol(hub, "DMO")
    laptop.sync()
    revoked = run_cli("hub", "revoke", "--db", hub.db_url, "--device", laptop.device_id())
    assert revoked.returncode == 0, revoked.stderr
    (late,) = laptop.add_patients(est, 1)
    summary = laptop.sync()
    assert summary.revoked
    assert summary.waiting == 0
    assert summary.pulled == 0
    assert hub.doc("patient", late) is not None  # its last work still reached the hub
    headers = {"Authorization": f"Bearer {_token(laptop)}"}
    pulled = httpx.get(f"{hub.url}/v1/changes", headers=headers)
    assert pulled.status_code == 403
    assert "revoked" in pulled.json()["detail"]
    assert "revoked" in run_cli("hub", "devices", "--db", hub.db_url).stdout


def test_wipe_waits_for_the_outbox_then_destroys_the_vault(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    laptop = make_laptop("a")
    est = laptop.add_establishment("DMO")
    laptop.enrol(hub, "DMO")
    laptop.sync()
    device, token = laptop.device_id(), _token(laptop)
    asked = run_cli("hub", "wipe", "--db", hub.db_url, "--device", device)
    assert asked.returncode == 0, asked.stderr
    unsent = laptop.add_patients(est, 25)

    with laptop.vault() as v, HubClient(hub.url, token=token) as hub_client:
        assert not client._wipe(v, hub_client, lambda step: None)  # ops unsent: refused
    assert laptop.home.vault.exists()
    assert laptop.home.keyslots.exists()

    laptop.home.log.write_text("the app's log\n", encoding="utf-8")
    result = run_cli("sync", "--home", str(laptop.home.root))
    assert result.returncode == 0, result.stderr
    assert "vault has been destroyed" in result.stdout
    for path in (laptop.home.vault, laptop.home.keyslots, Path(f"{laptop.home.vault}-wal"),
                 laptop.home.log):  # fmt: skip
        assert not path.exists()
    assert all(hub.doc("patient", p) is not None for p in unsent)  # uploaded before the wipe
    with hub.store.reading() as conn:
        row = conn.execute(schema.devices.select()).mappings().one()
    assert row["wiped_at"] is not None
    assert row["revoked_at"] is not None
    gone = httpx.get(f"{hub.url}/v1/device", headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 401
    assert "wiped" in run_cli("hub", "devices", "--db", hub.db_url).stdout


def test_audit_chains_are_verified_and_breaks_reported(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    honest, tampered = make_laptop("honest"), make_laptop("tampered")
    for laptop in (honest, tampered):
        laptop.add_establishment("DMO")
        laptop.enrol(hub, "DMO")
    honest.sync()
    clean = run_cli("hub", "audit-report", "--db", hub.db_url)
    assert clean.returncode == 0, clean.stdout
    assert "intact" in clean.stdout
    assert "0 breaks" in clean.stdout

    with tampered.peek() as s:  # someone edits an audit event before it leaves the laptop
        op = s.scalars(
            select(OutboxOp).where(OutboxOp.kind == "audit_event").order_by(OutboxOp.seq)
        ).first()
        assert op is not None
        payload = json.loads(op.payload)
        payload["action"] = "nothing_to_see"
        s.execute(
            update(OutboxOp).where(OutboxOp.seq == op.seq).values(payload=json.dumps(payload))
        )
        s.commit()
    tampered.sync()
    report = run_cli("hub", "audit-report", "--db", hub.db_url)
    assert report.returncode == 1
    assert f"BREAK at event {payload['seq']}" in report.stdout
    assert "content was altered" in report.stdout
    assert "1 breaks" in report.stdout
    assert tampered.device_id() in report.stdout
    assert hub.doc("audit_event", payload["id"]) is not None  # evidence kept, not refused
