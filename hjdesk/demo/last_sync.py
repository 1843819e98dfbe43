"""The demo laptop's outbox as on a laptop in daily use: what was signed before its last sync
has reached the office, and only the entries signed since wait to be sent.

Without this, every entry of the demo's months of history waits as on a laptop that never
reached the office, and the Sync page and Today list its ACCT contributions as "LATE by 185
days": an alarm a nurse trying the demo would rightly call false, and which buries the few
recent ones that show what the list is for.

Marked as acknowledged (`outbox.acked_at`), not left out of the outbox: were the demo laptop
enrolled with a hub, the hub would find the seqs it never received and the laptop would send
everything again from the first of them (`SeqGapRefused`, hjdesk/sync/cycle.py), so nothing
the demo wrote is kept from the office. That needs the first op (the admin's staff row, which
has no signed time) to be among those marked, which it always is.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, literal, update

from hjdesk.storage.models import OutboxOp
from hjdesk.storage.vault import OpenVault

# How long before the history's "now" the demo laptop last reached the office: a day shift,
# so the entries signed this shift (a handful, among them ACCT input) are still waiting.
LAST_SYNC_AGO = timedelta(hours=12)


def mark_delivered_before(vault: OpenVault, last_sync: datetime) -> None:
    """Mark every op still queued as acknowledged at `last_sync`, except those of entries
    signed at or after it."""
    signed = func.julianday(func.json_extract(OutboxOp.payload, "$.signed_at"))
    before = func.julianday(literal(last_sync.astimezone(UTC).isoformat()))
    with vault.transaction() as session:
        session.execute(
            update(OutboxOp)
            .where(OutboxOp.acked_at.is_(None), func.coalesce(signed, 0) < before)
            .values(acked_at=last_sync)
        )
