"""records held for a newer version: pulled records of a kind this version does not know

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

A pulled record of a kind this version of HJDesk does not know (a newer version's record type)
used to be counted and passed over; the pull's cursor moved past it, so after an update the
laptop never received it (hazard H-37's residual risk, docs/clinical-safety/hazard-log.md). It
is now kept here, in the vault, until a version that knows the kind stores it. No data changes;
downgrade drops the table (and what it holds: a downgraded HJDesk cannot read those kinds).
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Frozen here (not imported from the models): a later model change must not alter this step.
    op.create_table(
        "held_for_newer",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=True),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "record_id", name=op.f("pk_held_for_newer")),
    )
    with op.batch_alter_table("held_for_newer") as batch:
        batch.create_index(batch.f("ix_held_for_newer_patient_id"), ["patient_id"])


def downgrade() -> None:
    with op.batch_alter_table("held_for_newer") as batch:
        batch.drop_index(batch.f("ix_held_for_newer_patient_id"))
    op.drop_table("held_for_newer")
