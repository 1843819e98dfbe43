"""worklist changes: triggers that mark whose Today items may have changed

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

Today keeps each person's worklist items between calls and recomputes only the people whose
records changed (docs/performance.md, "Today: kept lists"). Which people changed is written here,
by the database itself: after every insert, update or delete on a table the kept lists read, a
trigger raises that person's `seq` in `worklist_changes` (the old and the new person on an
update). A change to a location or an establishment names many people at once, so it marks
everyone (`'*'`). Triggers rather than the services: no write path (a service, a pull's apply,
a correction, an id rewrite, another process) can forget to mark. Downgrade drops them all.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Frozen here (not imported from the code): a later change must not alter this step.
# Table → the column naming the person its rows are about.
PER_PERSON = {
    "patients": "id",
    "conditions": "patient_id",
    "encounters": "patient_id",
    "care_plans": "patient_id",
    "care_plan_reviews": "patient_id",
    "acct_cases": "patient_id",
    "acct_events": "patient_id",
    "acct_contributions": "patient_id",
    "caseload_memberships": "patient_id",
}
EVERYONE_TABLES = ("locations", "establishments")


def _mark(person: str) -> str:
    # `person` is one of this module's own column references, never data.
    return (
        "INSERT INTO worklist_changes (patient_id, seq) VALUES "  # noqa: S608
        f"({person}, (SELECT coalesce(max(seq), 0) + 1 FROM worklist_changes)) "
        "ON CONFLICT (patient_id) DO UPDATE SET seq = excluded.seq;"
    )


def triggers() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for table, column in PER_PERSON.items():
        marks = {
            "insert": _mark(f"NEW.{column}"),
            "update": _mark(f"OLD.{column}") + " " + _mark(f"NEW.{column}"),
            "delete": _mark(f"OLD.{column}"),
        }
        for event, body in marks.items():
            name = f"worklist_changed_{table}_{event}"
            out.append(
                (name, f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} BEGIN {body} END")
            )
    for table in EVERYONE_TABLES:
        for event in ("insert", "update", "delete"):
            name = f"worklist_changed_{table}_{event}"
            body = _mark("'*'")
            out.append(
                (name, f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} BEGIN {body} END")
            )
    return out


def upgrade() -> None:
    op.create_table(
        "worklist_changes",
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_worklist_changes")),
    )
    op.create_index("ix_worklist_changes_seq", "worklist_changes", ["seq"])
    for _, sql in triggers():
        op.execute(sql)


def downgrade() -> None:
    for name, _ in triggers():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_worklist_changes_seq", table_name="worklist_changes")
    op.drop_table("worklist_changes")
