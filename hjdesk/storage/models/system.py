"""Tables that belong to this laptop: settings, the outbox and the audit chain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hjdesk.storage.models.base import Base, Synced, UtcDateTime


class Setting(Base):
    """Local settings and identity of this vault (device id, establishment, idle minutes…)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


PENDING_CONTRIBUTIONS = "acked_at IS NULL AND kind = 'acct_contribution'"


class OutboxOp(Base):
    """One queued change of a synced row; `op_id` on the wire is `device:seq`."""

    __tablename__ = "outbox"
    __table_args__ = (
        # The ACCT contributions the office has not acknowledged, for Today's unsynced list;
        # partial, so it holds only those (migration 0011). The query must repeat this
        # condition as literal text for SQLite to see that the index answers it.
        Index(
            "ix_outbox_pending_contributions",
            "record_id",
            sqlite_where=text(PENDING_CONTRIBUTIONS),
        ),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    patient_id: Mapped[str | None] = mapped_column(String(36), index=True)
    base_rev: Mapped[int | None] = mapped_column(Integer)
    rev: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)
    hlc: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)

    @property
    def op_id(self) -> str:
        return f"{self.device_id}:{self.seq}"


class AuditEvent(Synced, Base):
    """One link of the audit chain: `hash = sha256(prev_hash ‖ canonical_json(event))`."""

    __tablename__ = "audit_events"
    __sync_kind__ = "audit_event"

    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_id: Mapped[str | None] = mapped_column(String(36))
    actor_username: Mapped[str] = mapped_column(String(40))
    actor_role: Mapped[str] = mapped_column(String(20))
    patient_id: Mapped[str | None] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    device_id: Mapped[str] = mapped_column(String(36))
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))


class WorklistChange(Base):
    """Whose Today items may have changed, and in which order: one row per person, its `seq`
    raised by triggers on every table Today's kept lists read (migration 0012), never by the
    code, so no write path can forget it. `EVERYONE` stands for a change that touches many
    people at once (a location or an establishment renamed, a first sync's bulk load)."""

    __tablename__ = "worklist_changes"

    patient_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, index=True)


EVERYONE = "*"
