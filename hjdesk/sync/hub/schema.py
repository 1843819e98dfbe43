"""The hub's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Records are documents — kind, id, rev, patient, establishment, JSON payload — so the hub needs no
change when a record type gains a field (architecture.md §5). `documents.change_seq` is the change
log: the global sequence of the latest change to each document (CouchDB's by-seq index), so a pull
never returns superseded versions. Purge instructions share the same sequence.

The migrations in `migrations/versions` create exactly these tables; a test compares the two.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB


class UtcTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, stored naive (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def json_type() -> Any:
    """JSON on SQLite, JSONB (indexable, compact) on PostgreSQL."""
    return JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


metadata = MetaData()

counters = Table(
    "hub_counters",
    metadata,
    Column("name", String(30), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("establishment", String(10), nullable=False),
    Column("name", String(120), nullable=False, default=""),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("enrolled_at", UtcTime, nullable=False),
    Column("last_seen_at", UtcTime),
    # Every op with seq <= acked_seq has been received (ops arrive contiguously).
    Column("acked_seq", BigInteger, nullable=False, default=0),
    Column("revoked_at", UtcTime),
    Column("wipe_requested_at", UtcTime),
    Column("wiped_at", UtcTime),
)

enrol_codes = Table(
    "enrol_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("establishment", String(10), nullable=False),
    Column("created_at", UtcTime, nullable=False),
    Column("expires_at", UtcTime, nullable=False),
    Column("used_at", UtcTime),
    Column("used_by", String(36)),
)

documents = Table(
    "documents",
    metadata,
    Column("kind", String(40), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("rev", Integer, nullable=False),
    Column("patient_id", String(36), index=True),
    # Establishment-level records: their establishment by code, or by establishment record id.
    Column("est_code", String(10)),
    Column("est_ref", String(36)),
    Column("payload", json_type(), nullable=False),
    Column("hlc", String(24), nullable=False, default=""),
    Column("origin_device", String(36), nullable=False),
    # The device whose op wrote this version; it need not pull it back. NULL: everyone in scope.
    Column("last_device", String(36)),
    Column("updated_at", UtcTime, nullable=False),
    Column("conflict", Boolean, nullable=False, default=False),
    Column("change_seq", BigInteger, nullable=False, unique=True),
)

establishments = Table(
    "establishments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("code", String(10), nullable=False, index=True),
)

patients = Table(
    "patients",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("establishment_id", String(36), index=True),
    Column("on_roll", Boolean, nullable=False),
)

purges = Table(
    "purges",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("patient_id", String(36), nullable=False),
    Column("est_code", String(10), nullable=False),
    Column("created_at", UtcTime, nullable=False),
    Index("ix_purges_est_code_seq", "est_code", "seq"),
    # A push op about a patient who has left a prison asks "was this patient purged here?":
    # without it, every purge the prison ever recorded is read (docs/performance.md).
    Index("ix_purges_patient_id_est_code", "patient_id", "est_code"),
)

ops = Table(
    "ops",
    metadata,
    Column("op_id", String(80), primary_key=True),
    Column("device_id", String(36), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("record_id", String(36), nullable=False),
    Column("rev", Integer, nullable=False),
    Column("base_rev", Integer),
    Column("outcome", String(10), nullable=False),
    Column("received_at", UtcTime, nullable=False),
    UniqueConstraint("device_id", "seq", name="uq_ops_device_seq"),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),
    Column("record_id", String(36), nullable=False),
    Column("patient_id", String(36)),
    Column("device_id", String(36), nullable=False),
    Column("op_id", String(80), nullable=False),
    Column("op_seq", BigInteger, nullable=False),
    Column("base_rev", Integer),
    Column("rev", Integer, nullable=False),
    Column("payload", json_type(), nullable=False),
    Column("hub_rev", Integer, nullable=False),
    Column("hub_payload", json_type(), nullable=False),
    Column("created_at", UtcTime, nullable=False),
    # open → resolved (a revision settled it) or superseded (a newer conflict replaced it).
    Column("status", String(12), nullable=False, default="open"),
    Column("closed_at", UtcTime),
    Column("closed_by", String(80)),
    Index("ix_conflicts_device_status", "device_id", "status"),
    Index("ix_conflicts_record", "kind", "record_id"),
)

audit_chains = Table(
    "audit_chains",
    metadata,
    Column("device_id", String(36), primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
)

audit_breaks = Table(
    "audit_breaks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("device_id", String(36), nullable=False, index=True),
    Column("seq", BigInteger),
    Column("event_id", String(36)),
    Column("reason", String(200), nullable=False),
    Column("detected_at", UtcTime, nullable=False),
)

# Ops the hub refused (architecture.md §5a): evidence for the administrator, and the seqs a
# device may leave out of its stream (it sets them aside) without the hub seeing a gap.
refusals = Table(
    "refusals",
    metadata,
    Column("device_id", String(36), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("op_id", String(80), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("record_id", String(36), nullable=False),
    Column("rule", String(40), nullable=False),
    Column("reason", String(300), nullable=False),
    Column("refused_at", UtcTime, nullable=False),
)

transfers = Table(
    "transfers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_id", String(36), nullable=False),
    Column("from_code", String(10), nullable=False),
    Column("to_code", String(10), nullable=False),
    # pending → effective (the origin's roll dropped them, or an administrator confirmed) or
    # cancelled (the destination's roll dropped them, or another claim took effect).
    Column("status", String(10), nullable=False),
    # Where the destination's roll places them (establishment, location, on roll) and its stamp.
    Column("placement", json_type(), nullable=False),
    Column("claimed_by", String(36), nullable=False),
    Column("claimed_at", UtcTime, nullable=False),
    Column("decided_at", UtcTime),
    Column("decided_by", String(80)),
    Index("ix_transfers_patient_status", "patient_id", "status"),
    Index("ix_transfers_status", "status"),
)

# Ids a hub database used before estate-wide ids (migration h0002), and the ids that replaced
# them; audit event documents keep the ids they were hashed with.
id_aliases = Table(
    "id_aliases",
    metadata,
    Column("old_id", String(36), primary_key=True),
    Column("new_id", String(36), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
)

# What administrators did to the hub (`hjdesk hub admin-log`): codes issued, devices enrolled,
# revoked or told to wipe, transfers confirmed, name-card runs. A hash chain like the laptops'
# audit (`admin_log`): ids and establishment codes only, never a code, token or hash of one.
admin_events = Table(
    "admin_events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", UtcTime, nullable=False),
    Column("who", String(120), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", String(80)),
    # Canonical JSON text (not JSON/JSONB): hashed as stored, the same on both engines.
    Column("detail", Text, nullable=False),
    # Unique: two writers racing for the same tail cannot both commit (no fork).
    Column("prev_hash", String(64), nullable=False, unique=True),
    Column("hash", String(64), nullable=False),
)

CHANGE_COUNTER = "change_seq"
