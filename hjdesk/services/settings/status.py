"""What the status bar says about sync (architecture.md §5): records waiting, the last receipt from
the hub, conflicts to resolve and safety-critical records the office has not received yet.

Whether the hub answers right now is not stored anywhere: the UI's sync controller knows it and
passes it to `SyncStatus.describe`.

Decisions (ours):
- "Safety-critical" means ACCT contributions still in the outbox (services/acct/reports.py says
  why every contribution counts); `urgent` are those within the warning window of their
  needed-by time or past it, so the status bar can say so in words.
- Counting them reads the same list the Today page and the Sync page show, so the three agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from hjdesk.clinical.acct import unsynced_warning_window_text
from hjdesk.services.acct import unsynced_contributions
from hjdesk.services.common import CLINIC_ZONE, utc_now
from hjdesk.services.labels import display_name
from hjdesk.storage.models import OutboxOp, Patient, Setting, SyncConflict
from hjdesk.storage.vault import OpenVault

# The key the sync client writes after every reply from the hub (hjdesk/sync/local_state.py).
LAST_RECEIPT_KEY = "last_sync_receipt"

# How the connection to the hub stands, as the status bar words it.
ONLINE, OFFLINE, NOT_ENROLLED, SYNCING, CHECKING = (
    "Online",
    "Offline",
    "Offline (not enrolled with a hub)",
    "Syncing…",
    "Checking the hub…",
)


@dataclass(frozen=True, slots=True)
class SyncStatus:
    waiting: int
    last_receipt: datetime | None
    conflicts: int = 0
    safety_critical: int = 0
    urgent: int = 0

    @property
    def receipt_text(self) -> str:
        if self.last_receipt is None:
            return "never synced"
        when = self.last_receipt.astimezone(CLINIC_ZONE)  # London's clock, as every screen (H-30)
        today = datetime.now(when.tzinfo).date()
        day = "today" if when.date() == today else f"{when:%d %b}"
        return f"last sync receipt {day} {when:%H:%M}"

    @property
    def text(self) -> str:
        """Everything but the connection (which only the UI knows)."""
        parts = [f"{self.waiting} records waiting", self.receipt_text]
        parts.append(f"{self.conflicts} conflicts to resolve" if self.conflicts else "no conflicts")
        if self.safety_critical:
            within = unsynced_warning_window_text()  # the policy's window, not a written number
            urgent = f" ({self.urgent} LATE or due within {within})" if self.urgent else ""
            parts.append(f"{self.safety_critical} safety-critical unsynced{urgent}")
        else:
            parts.append("no safety-critical records unsynced")
        return " · ".join(parts)

    def describe(self, connection: str) -> str:
        """The whole status-bar line, e.g. `Online · 3 records waiting · …`."""
        return f"{connection} · {self.text}"


def sync_status(vault: OpenVault, now: datetime | None = None) -> SyncStatus:
    with vault.session() as session:
        waiting = session.scalar(
            select(func.count()).select_from(OutboxOp).where(OutboxOp.acked_at.is_(None))
        )
        receipt = session.get(Setting, LAST_RECEIPT_KEY)
        conflicts = session.scalar(
            select(func.count())
            .select_from(SyncConflict)
            .where(SyncConflict.resolved_seq.is_(None))
        )
        critical = unsynced_contributions(session, now or utc_now())
    return SyncStatus(
        waiting=waiting or 0,
        last_receipt=datetime.fromisoformat(receipt.value) if receipt else None,
        conflicts=conflicts or 0,
        safety_critical=len(critical),
        urgent=sum(1 for c in critical if c.warn),
    )


@dataclass(frozen=True, slots=True)
class ConflictLabel:
    """Enough to say whose record a conflict is about (shown through the privacy switch)."""

    patient_id: str
    name: str
    prison_number: str


def patient_labels(vault: OpenVault, patient_ids: set[str]) -> dict[str, ConflictLabel]:
    """Names for a list (like the caseload), not a view of the record: not audited."""
    if not patient_ids:
        return {}
    with vault.session() as session:
        rows = session.execute(
            select(Patient.id, Patient.family_name, Patient.given_names, Patient.prison_number)
            .where(Patient.id.in_(patient_ids))
        ).all()  # fmt: skip
    return {
        pid: ConflictLabel(pid, display_name(family, given), number)
        for pid, family, given, number in rows
    }
