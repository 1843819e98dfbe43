"""The demo laptop's outbox is a laptop's in daily use: what was signed before its last sync
has reached the office, only the entries signed since wait (so the Sync page lists a few recent
ACCT contributions, not months of history "LATE by 185 days"); built `synced=False`, everything
waits, as on a laptop that never synced. That the office still gets all of it once the demo is
enrolled is in tests/sync/test_demo_sync.py."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from hjdesk.demo.establishment import build_demo
from hjdesk.demo.last_sync import LAST_SYNC_AGO
from hjdesk.services.acct import unsynced_safety_critical
from hjdesk.services.common import utc_now
from hjdesk.storage.id_rewrite import AUDIT_KIND
from hjdesk.storage.models import OutboxOp
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault
from tests.conftest import FAST_KDF, PASSWORD


def _signed(payload: str) -> datetime | None:
    value = json.loads(payload).get("signed_at")
    return None if value is None else datetime.fromisoformat(value)


def test_only_entries_signed_since_the_last_sync_wait(demo: OpenVault) -> None:
    with demo.session() as s:
        # Audit ops are left out: unlocking the demo for this test queued one.
        ops = s.execute(
            select(OutboxOp.kind, OutboxOp.payload, OutboxOp.acked_at).where(
                OutboxOp.kind != AUDIT_KIND
            )
        ).all()
    (last_sync,) = {acked for _, _, acked in ops if acked is not None}
    waiting = [(kind, _signed(payload)) for kind, payload, acked in ops if acked is None]
    delivered = [_signed(payload) for _, payload, acked in ops if acked is not None]
    assert waiting, "the demo shows work waiting to reach the office"
    assert all(signed is not None and signed >= last_sync for _, signed in waiting)
    assert all(signed is None or signed < last_sync for signed in delivered)
    assert len(delivered) > 10 * len(waiting)
    assert "acct_contribution" in {kind for kind, _ in waiting}
    # What the Sync page and Today show: recent input, none of it days late.
    now = utc_now()
    items = unsynced_safety_critical(demo, now)
    assert items
    assert all(i.signed_at >= last_sync for i in items)
    late = [now - i.needed_by for i in items if i.needed_by is not None]
    assert max(late) < LAST_SYNC_AGO + timedelta(hours=12), "no input waits days late"


def test_a_demo_built_unsynced_keeps_everything_waiting(tmp_path: Path) -> None:
    opened, _ = build_demo(
        HomePaths.resolve(tmp_path), password=PASSWORD, patients=120, kdf=FAST_KDF, synced=False
    )
    try:
        with opened.session() as s:
            total = s.scalar(select(func.count()).select_from(OutboxOp))
            acked = s.scalar(
                select(func.count()).select_from(OutboxOp).where(OutboxOp.acked_at.is_not(None))
            )
        assert (total or 0) > 1000
        assert acked == 0
    finally:
        opened.lock()
