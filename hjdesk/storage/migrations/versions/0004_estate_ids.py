"""estate ids: derived ids for estate-wide records, roll stamps, transfers seen here, link flags

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

Rewrites every establishment, location, patient, alert and staff id to the one derived from its
natural key (hjdesk.clinical.estate_ids) and every reference to them, joining the copies two
laptops made of one prisoner (hjdesk.storage.id_rewrite). Audit events keep the ids they were hashed
with; `id_aliases` translates them. Staff ids are derived only when the laptop knows its
establishment; otherwise enrolment derives them.
"""

import sqlalchemy as sa
from alembic import op

import hjdesk.storage.models.base
from hjdesk.storage import id_rewrite

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("roll_stamps", sa.JSON(), nullable=True))
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("roll_stamps", sa.JSON(), nullable=True))
    op.create_table(
        "id_aliases",
        sa.Column("old_id", sa.String(length=36), nullable=False),
        sa.Column("new_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("at", hjdesk.storage.models.base.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("old_id", name=op.f("pk_id_aliases")),
    )
    with op.batch_alter_table("id_aliases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_id_aliases_new_id"), ["new_id"])
    op.create_table(
        "transfer_notices",
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("hub_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("from_code", sa.String(length=10), nullable=False),
        sa.Column("to_code", sa.String(length=10), nullable=False),
        sa.Column("claimed_at", hjdesk.storage.models.base.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_transfer_notices")),
    )
    op.create_table(
        "roll_link_flags",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("other_patient_id", sa.String(length=36), nullable=False),
        sa.Column("flagged_at", hjdesk.storage.models.base.UtcDateTime(), nullable=False),
        sa.Column("checked_at", hjdesk.storage.models.base.UtcDateTime(), nullable=True),
        sa.Column("checked_by", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roll_link_flags")),
    )
    with op.batch_alter_table("roll_link_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roll_link_flags_patient_id"), ["patient_id"])
    conn = op.get_bind()
    id_rewrite.apply(conn, id_rewrite.plan_vault(conn))


def downgrade() -> None:
    # The old random ids are in id_aliases, but two joined copies of a patient cannot be split
    # again: a downgrade keeps the derived ids and drops only the new tables and columns.
    with op.batch_alter_table("roll_link_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roll_link_flags_patient_id"))
    op.drop_table("roll_link_flags")
    op.drop_table("transfer_notices")
    with op.batch_alter_table("id_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_id_aliases_new_id"))
    op.drop_table("id_aliases")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("roll_stamps")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_column("roll_stamps")
