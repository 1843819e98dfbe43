"""entry indexes: no index of kind alone, and the amendments index holds amendments only

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05

Every signed entry adds a key to each index of `encounters`, and each index is a page of the
write-ahead log to encrypt, write and sync at commit (docs/performance.md, "One entry: fewer
indexes to write"). Two of them bought nothing for it:

- `ix_encounters_kind` (kind) is the first column of `ix_encounters_latest` (kind, patient_id,
  …), which answers every query by kind as well; dropped.
- `ix_encounters_amends_id` held a NULL for every entry that corrects nothing (almost all);
  every query of it asks for a given id (`amends_id = ?`, `IN (…)`), which implies NOT NULL, so
  SQLite uses the partial index for them. Made partial: only corrections are in it.

No data changes; downgrade puts both back as they were.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# Frozen here (not imported from the models): a later model change must not alter this step.
WHERE = "amends_id IS NOT NULL"


def upgrade() -> None:
    op.drop_index("ix_encounters_kind", table_name="encounters")
    op.drop_index("ix_encounters_amends_id", table_name="encounters")
    op.create_index(
        "ix_encounters_amends_id", "encounters", ["amends_id"], sqlite_where=sa.text(WHERE)
    )


def downgrade() -> None:
    op.drop_index("ix_encounters_amends_id", table_name="encounters")
    op.create_index("ix_encounters_amends_id", "encounters", ["amends_id"])
    op.create_index("ix_encounters_kind", "encounters", ["kind"])
