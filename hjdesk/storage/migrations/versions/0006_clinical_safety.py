"""clinical safety: amendments of every signed kind; signer's role and appointment's location at
the time

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

ACCT contributions, screening events and care-plan reviews gain the amendment columns encounters
have (a correction or "entered in error" is a new signed row pointing at the one it amends).
Appointments keep the patient's location when booked and when the outcome was recorded, so the
exception report counts them against the wing they were on at the time. Every signed kind keeps
the signer's role at signing (`signed_role`). Existing rows: not amended, no location (the report
falls back to the patient's present wing), no role (views fall back to the signer's present role).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

AMENDABLE = ("acct_contributions", "screening_events", "care_plan_reviews")
SIGNED = ("encounters", "observations", "questionnaire_results", "measurements", *AMENDABLE)


def upgrade() -> None:
    for table in AMENDABLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("amends_id", sa.String(length=36), nullable=True))
            batch_op.add_column(sa.Column("amendment_reason", sa.Text(), nullable=True))
            batch_op.add_column(
                sa.Column(
                    "entered_in_error", sa.Boolean(), nullable=False, server_default=sa.false()
                )
            )
            batch_op.create_index(batch_op.f(f"ix_{table}_amends_id"), ["amends_id"])
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_amends_id_{table}"), table, ["amends_id"], ["id"]
            )
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("location", sa.String(length=60), nullable=True))
    for table in SIGNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("signed_role", sa.String(length=20), nullable=True))


def downgrade() -> None:
    for table in SIGNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("signed_role")
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_column("location")
    for table in AMENDABLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_amends_id_{table}"), type_="foreignkey"
            )
            batch_op.drop_index(batch_op.f(f"ix_{table}_amends_id"))
            batch_op.drop_column("entered_in_error")
            batch_op.drop_column("amendment_reason")
            batch_op.drop_column("amends_id")
