"""outbox pending contributions: a partial index of the ACCT contributions not yet at the office

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

Today's "unsynced safety-critical records" list needs the contributions whose outbox op the
office has not acknowledged. Probing the outbox once per contribution costs as many look-ups as
contributions were ever written (100,000-patient vault: ~10,000); starting from the
unacknowledged ops costs as many as the laptop has not sent yet (a demo laptop never synced:
~14,000 ops, of which 155 are contributions). This index holds exactly the rows the list wants
(unacknowledged contribution ops) and nothing else, so it is tiny and most writes never touch it
(docs/performance.md, "Today: fourth session"). No data changes; downgrade drops the index.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Frozen here (not imported from the models): a later model change must not alter this step.
WHERE = "acked_at IS NULL AND kind = 'acct_contribution'"


def upgrade() -> None:
    op.create_index(
        "ix_outbox_pending_contributions", "outbox", ["record_id"], sqlite_where=sa.text(WHERE)
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_pending_contributions", table_name="outbox")
