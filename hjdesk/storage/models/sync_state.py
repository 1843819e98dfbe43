"""Tables the sync client keeps on the laptop: conflicts to resolve and purges waiting.

Scalar sync state (hub address, device token, cursor, last receipt) lives in `settings`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hjdesk.storage.models.base import Base, UtcDateTime


class SyncConflict(Base):
    """Two versions of one record that sync would not choose between; a person resolves it.

    `reason` is "edit" (this laptop and another edited the same revision: the hub kept both and
    gave this one `hub_id`) or "clash" (a pulled record could not be stored here because it
    collides with a local one, e.g. the same unique code). JSON payloads are full rows.
    """

    __tablename__ = "sync_conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hub_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    reason: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    patient_id: Mapped[str | None] = mapped_column(String(36), index=True)
    local_rev: Mapped[int | None] = mapped_column(Integer)
    local_payload: Mapped[str | None] = mapped_column(Text)
    hub_rev: Mapped[int] = mapped_column(Integer)
    hub_payload: Mapped[str] = mapped_column(Text)
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The outbox seq of the revision that resolves it; the row goes once the hub acknowledges it.
    resolved_seq: Mapped[int | None] = mapped_column(Integer)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SyncPendingPurge(Base):
    """A patient who left this laptop's scope, kept until their unsent ops are acknowledged."""

    __tablename__ = "sync_pending_purges"

    patient_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SyncQuarantine(Base):
    """A record set aside by sync, with the reason and what to do (architecture.md §5a).

    `direction` is "push" (the hub refused one of this laptop's ops: the op left the queue and its
    payload is kept here, so nothing is silently lost) or "pull" (a record from the hub could not
    be applied here). Sync carries on with everything else; `audited_at` is set once the
    quarantine is in the audit chain. A person may send a refused op again or retry a pulled
    record (the row goes; sync sets it aside again if it still breaks a rule), or dismiss it with
    a reason (the row stays, marked).
    """

    __tablename__ = "sync_quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    direction: Mapped[str] = mapped_column(String(4))
    kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    patient_id: Mapped[str | None] = mapped_column(String(36), index=True)
    op_seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    rule: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(300))
    payload: Mapped[str] = mapped_column(Text)
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime)
    audited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A person decided it will not go to the office (audited, with the reason); the row and its
    # payload stay readable here.
    dismissed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    dismissed_by: Mapped[str | None] = mapped_column(String(40))
    dismissal_reason: Mapped[str | None] = mapped_column(String(300))
    # A pulled record: the apply rules version (`hjdesk.sync.local_apply.APPLY_RULES_VERSION`)
    # of the HJDesk that set it aside. A sync retries it once a version with newer rules runs
    # (NULL: set aside before this column, so by an older version). None for a push.
    rules_version: Mapped[int | None] = mapped_column(Integer)
