"""Tables the sync client keeps on the laptop: conflicts to resolve, purges waiting, records set
aside, and records of a kind this version does not know, kept for a newer one.

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


class HeldForNewer(Base):
    """A pulled record of a kind this version of HJDesk does not know (a newer version's), kept
    here, encrypted with the rest of the vault, instead of being passed over: the pull's cursor
    moves past it, so the hub would never send it again (hazard H-37's residual risk).

    Not a problem for a person to act on, so not quarantine: not listed on the Sync page and not
    audited one by one (one audit event per pull that kept any, counts and kinds only). The first
    sync of a version that knows the kind stores it through the pull's own path and the row goes
    (`hjdesk.sync.cycle`). One row per record: a newer rev replaces an older one, never the other
    way round. A purge of the patient takes their rows with them."""

    __tablename__ = "held_for_newer"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[str | None] = mapped_column(String(36), index=True)
    rev: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)  # the hub's document, as JSON text
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
