"""today scale: a covering index of what Today's per-person lists read of the roll

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-03

`ix_patients_worklists` holds every column the LTC, second-stage and older-prisoner lists read
of a person, so they scan this index instead of the patients table, whose rows are many times
wider and, at 100,000 people, outgrow SQLite's page cache (docs/performance.md). No data
changes; downgrade drops the index.
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Frozen here (not imported from the models): a later model change must not alter this step.
COLUMNS = (
    "on_roll",
    "id",
    "reception_date",
    "date_of_birth",
    "location_id",
    "establishment_id",
    "prison_number",
    "family_name",
    "given_names",
)


def upgrade() -> None:
    op.create_index("ix_patients_worklists", "patients", list(COLUMNS))


def downgrade() -> None:
    op.drop_index("ix_patients_worklists", table_name="patients")
