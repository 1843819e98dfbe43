"""A pulled record a laptop cannot apply is set aside with the reason, audited, and never blocks
the rest: the page's other records are stored and the cursor moves on. (A hub of this release
refuses such records on push; this is the laptop's own guard, for a hub that holds one anyway.)"""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import select

from hjdesk.storage.models import AuditEvent, SyncQuarantine
from hjdesk.sync.hub import schema
from tests.sync.helpers import HubProcess, Laptop, run_cli


def test_a_record_that_cannot_be_applied_is_set_aside_and_the_rest_arrives(
    hub: HubProcess, make_laptop: Callable[[str], Laptop]
) -> None:
    a, b = make_laptop("a"), make_laptop("b")
    est = a.add_establishment("DMO")
    good, broken = a.add_patients(est, 2)
    a.enrol(hub, "DMO")
    b.enrol(hub, "DMO")
    a.sync()
    docs = schema.documents
    with hub.store.writing() as (conn, seqs):  # as an older hub might have stored it
        doc = hub.doc("patient", broken)
        assert doc is not None
        payload = {k: v for k, v in doc["payload"].items() if k != "family_name"}
        conn.execute(
            docs.update()
            .where(docs.c.kind == "patient", docs.c.id == broken)
            .values(payload=payload, change_seq=seqs.next())
        )
    summary = b.sync()
    assert summary.quarantined == 1
    assert b.patient(good) is not None
    assert b.patient(broken) is None
    with b.peek() as s:
        (kept,) = s.scalars(select(SyncQuarantine)).all()
        assert (kept.direction, kept.rule) == ("pull", "payload-invalid")
        assert "family_name" in kept.reason
        actions = s.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "sync_quarantined")
        )
        assert [json.loads(d)["record_id"] for d in actions] == [broken]
    again = b.sync()  # the cursor moved on: nothing is set aside twice
    assert again.quarantined == 0
    assert again.in_quarantine == 1
    listed = run_cli("sync", "--quarantine", "--home", str(b.home.root))
    assert listed.returncode == 0, listed.stderr
    assert "payload-invalid" in listed.stdout
    assert "Traceback" not in listed.stderr
