"""A demo vault marks the history signed before its last sync as at the office without having
sent it (hjdesk.demo.last_sync). Enrolled with a real hub, the hub finds the seqs it never
received and the laptop sends everything again from the first: the office gets every record."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from hjdesk.demo.establishment import ESTABLISHMENT, build_demo
from hjdesk.storage.models import AcctContribution, Encounter, OutboxOp, Patient
from hjdesk.storage.paths import HomePaths
from hjdesk.sync.client import enrol, sync
from hjdesk.sync.hub import schema
from tests.conftest import FAST_KDF, PASSWORD
from tests.sync.helpers import HubProcess


def test_a_demo_enrolled_with_a_hub_sends_its_delivered_history_too(
    hub: HubProcess, tmp_path: Path
) -> None:
    opened, _ = build_demo(
        HomePaths.resolve(tmp_path / "demo"), password=PASSWORD, patients=120, kdf=FAST_KDF
    )
    try:
        with opened.session() as s:
            waiting = s.scalar(
                select(func.count()).select_from(OutboxOp).where(OutboxOp.acked_at.is_(None))
            )
            counts = {
                kind: s.scalar(select(func.count()).select_from(model)) or 0
                for kind, model in (
                    ("patient", Patient),
                    ("encounter", Encounter),
                    ("acct_contribution", AcctContribution),
                )
            }
        assert waiting is not None
        assert 0 < waiting < 100  # most of the history is marked as at the office
        assert all(counts.values()), counts
        ca = hub.tls.ca if hub.tls else None
        enrol(opened, hub.url, hub.enrol_code(ESTABLISHMENT), ca_bundle=ca)
        summary = sync(opened)
    finally:
        opened.lock()
    assert summary.waiting == 0
    assert summary.pushed > 10 * waiting
    docs = schema.documents
    assert {kind: hub.count(docs, docs.c.kind == kind) for kind in counts} == counts
