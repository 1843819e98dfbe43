"""hub: purges looked up by patient (a push op about a patient who has left the prison)

Revision ID: h0006
Revises: h0005
Create Date: 2026-12-03
"""

from alembic import op

revision = "h0006"
down_revision = "h0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_purges_patient_id_est_code", "purges", ["patient_id", "est_code"])


def downgrade() -> None:
    op.drop_index("ix_purges_patient_id_est_code", table_name="purges")
