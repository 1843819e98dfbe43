"""What the status bar says about sync: records waiting and the last receipt from the hub."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from hjdesk.storage.models import OutboxOp, Setting
from hjdesk.storage.vault import OpenVault


@dataclass(frozen=True, slots=True)
class SyncStatus:
    waiting: int
    last_receipt: datetime | None

    @property
    def text(self) -> str:
        when = (
            "never synced"
            if self.last_receipt is None
            else f"last sync receipt {self.last_receipt:%d %b %H:%M}"
        )
        return f"{self.waiting} records waiting · {when}"


def sync_status(vault: OpenVault) -> SyncStatus:
    with vault.session() as session:
        waiting = session.scalar(
            select(func.count()).select_from(OutboxOp).where(OutboxOp.acked_at.is_(None))
        )
        receipt = session.get(Setting, "last_sync_receipt")
    return SyncStatus(
        waiting=waiting or 0,
        last_receipt=datetime.fromisoformat(receipt.value) if receipt else None,
    )
