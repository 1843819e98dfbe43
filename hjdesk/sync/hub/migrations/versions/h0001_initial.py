"""hub initial schema: devices, enrolment codes, documents, change log, ops, conflicts, audit

Written by hand so it stays what it was when later revisions change `schema.py`.

Revision ID: h0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from hjdesk.sync.hub.schema import UtcTime, json_type

revision = "h0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_counters",
        sa.Column("name", sa.String(30), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(
        sa.table("hub_counters", sa.column("name"), sa.column("value")),
        [{"name": "change_seq", "value": 0}],
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("establishment", sa.String(10), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("enrolled_at", UtcTime(), nullable=False),
        sa.Column("last_seen_at", UtcTime()),
        sa.Column("acked_seq", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at", UtcTime()),
        sa.Column("wipe_requested_at", UtcTime()),
        sa.Column("wiped_at", UtcTime()),
    )
    op.create_table(
        "enrol_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("establishment", sa.String(10), nullable=False),
        sa.Column("created_at", UtcTime(), nullable=False),
        sa.Column("expires_at", UtcTime(), nullable=False),
        sa.Column("used_at", UtcTime()),
        sa.Column("used_by", sa.String(36)),
    )
    op.create_table(
        "documents",
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.String(36)),
        sa.Column("est_code", sa.String(10)),
        sa.Column("est_ref", sa.String(36)),
        sa.Column("payload", json_type(), nullable=False),
        sa.Column("hlc", sa.String(24), nullable=False),
        sa.Column("origin_device", sa.String(36), nullable=False),
        sa.Column("last_device", sa.String(36)),
        sa.Column("updated_at", UtcTime(), nullable=False),
        sa.Column("conflict", sa.Boolean(), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False, unique=True),
    )
    op.create_index("ix_documents_patient_id", "documents", ["patient_id"])
    op.create_table(
        "establishments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("code", sa.String(10), nullable=False),
    )
    op.create_index("ix_establishments_code", "establishments", ["code"])
    op.create_table(
        "patients",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("establishment_id", sa.String(36)),
        sa.Column("on_roll", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_patients_establishment_id", "patients", ["establishment_id"])
    op.create_table(
        "purges",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("patient_id", sa.String(36), nullable=False),
        sa.Column("est_code", sa.String(10), nullable=False),
        sa.Column("created_at", UtcTime(), nullable=False),
    )
    op.create_index("ix_purges_est_code_seq", "purges", ["est_code", "seq"])
    op.create_table(
        "ops",
        sa.Column("op_id", sa.String(80), primary_key=True),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("base_rev", sa.Integer()),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("received_at", UtcTime(), nullable=False),
        sa.UniqueConstraint("device_id", "seq", name="uq_ops_device_seq"),
    )
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("patient_id", sa.String(36)),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("op_id", sa.String(80), nullable=False),
        sa.Column("op_seq", sa.BigInteger(), nullable=False),
        sa.Column("base_rev", sa.Integer()),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("payload", json_type(), nullable=False),
        sa.Column("hub_rev", sa.Integer(), nullable=False),
        sa.Column("hub_payload", json_type(), nullable=False),
        sa.Column("created_at", UtcTime(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("closed_at", UtcTime()),
        sa.Column("closed_by", sa.String(80)),
    )
    op.create_index("ix_conflicts_device_status", "conflicts", ["device_id", "status"])
    op.create_index("ix_conflicts_record", "conflicts", ["kind", "record_id"])
    op.create_table(
        "audit_chains",
        sa.Column("device_id", sa.String(36), primary_key=True),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "audit_breaks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.BigInteger()),
        sa.Column("event_id", sa.String(36)),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("detected_at", UtcTime(), nullable=False),
    )
    op.create_index("ix_audit_breaks_device_id", "audit_breaks", ["device_id"])


def downgrade() -> None:
    for table in (
        "audit_breaks", "audit_chains", "conflicts", "ops", "purges", "patients",
        "establishments", "documents", "enrol_codes", "devices", "hub_counters",
    ):  # fmt: skip
        op.drop_table(table)
