"""set-aside records: which apply rules set a pulled record aside

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

A pulled record this laptop could not apply is set aside (`sync_quarantine`). Each pulled one now
records the apply rules version of the HJDesk that set it aside, so that the first sync after an
update to a version with newer rules retries it without anyone pressing "retry" (hazard H-37's
residual risk, docs/clinical-safety/hazard-log.md). Rows already set aside keep NULL, which counts
as older: each is retried once. No data changes; downgrade drops the column.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_quarantine") as batch:
        batch.add_column(sa.Column("rules_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_quarantine") as batch:
        batch.drop_column("rules_version")
