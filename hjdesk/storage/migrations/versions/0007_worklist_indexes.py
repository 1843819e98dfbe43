"""worklist indexes: Today at 100,000 patients

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

Two indexes for the Today worklists (docs/performance.md): `ix_encounters_latest` answers "the
latest signed review of this kind for this patient (and LTC condition)" from the index alone, and
`ix_patients_reception_date` finds the last few weeks' receptions without reading the whole roll.
No data changes; downgrade drops the indexes.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LATEST = (
    "kind",
    "patient_id",
    "ltc_condition",
    "started_at",
    "signed_at",
    "entered_in_error",
    "id",
)


def upgrade() -> None:
    op.create_index("ix_encounters_latest", "encounters", list(LATEST))
    op.create_index("ix_patients_reception_date", "patients", ["reception_date"])


def downgrade() -> None:
    op.drop_index("ix_patients_reception_date", table_name="patients")
    op.drop_index("ix_encounters_latest", table_name="encounters")
