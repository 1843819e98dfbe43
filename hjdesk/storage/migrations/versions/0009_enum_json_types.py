"""enum columns: a CHECK constraint on each, so a vault holds only values this version knows

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

The ORM now types these columns with their clinical enums (`column_types.enum_type`) and the JSON
ones with `JsonText`. Stored text does not change: enums were always stored as their values, and
`JsonText` writes the JSON options the services always used, so JSON columns need no migration.

Each enum column gets a named CHECK (`ck_<table>_<column>`). SQLite cannot add one to a table, so
batch mode copies each table (rows, indexes and all) into a new one that has it; `migrate.upgrade`
runs migrations with foreign keys off, as SQLite asks for a table rebuild, since a laptop's vault
legitimately holds references to records it will never receive.

An existing row outside its enum could only have come from outside the services (they write enum
members), e.g. a pulled record from a hub that no check stopped. It is not guessed at or dropped:
the migration stops with `VaultDamaged`, naming the columns (never the values, which could be
anything), the transaction leaves the vault at 0008, and the backup taken before migrating stays.

The value lists are frozen here as they are at this revision: adding a member to one of these enums
needs a migration that widens its CHECK (tests/storage/test_enum_json_types.py says so).
"""

import sqlalchemy as sa
from alembic import op

from hjdesk.storage.errors import VaultDamaged

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# table -> column -> (VARCHAR length, allowed values)
ENUMS: dict[str, dict[str, tuple[int, tuple[str, ...]]]] = {
    "acct_cases": {
        "status": (14, ("OPEN", "POST_CLOSURE", "CLOSED")),
        "risk_level": (12, ("LOW", "RAISED", "HIGH")),
        "source": (10, ("HA_ALERT", "MANUAL")),
    },
    "acct_contributions": {
        "team": (20, ("PRIMARY_CARE", "MH_IN_REACH", "SUBSTANCE_MISUSE", "SOCIAL_CARE")),
        "contribution_type": (
            40,
            (
                "ATTENDED_IN_PERSON",
                "ATTENDED_REMOTE",
                "WRITTEN_CONTRIBUTION",
                "INFORMATION_SHARED_TO_CASE_MANAGER",
                "HEALTHCARE_ASSESSOR",
                "INVITED_UNABLE_TO_ATTEND",
                "NOT_INVITED",
            ),
        ),
    },
    "acct_events": {
        "event_type": (
            30,
            (
                "CONCERN_AND_KEEP_SAFE",
                "IMMEDIATE_ACTION_PLAN",
                "ASSESSMENT_INTERVIEW",
                "CASE_REVIEW_FIRST",
                "CASE_REVIEW",
                "CLOSURE",
                "POST_CLOSURE_REVIEW",
                "REOPEN",
                "TRANSFER_OUT_OPEN",
            ),
        ),
    },
    "appointments": {
        "ltc_condition": (30, ("DIABETES", "HYPERTENSION", "ASTHMA", "COPD", "EPILEPSY")),
        "outcome": (
            30,
            (
                "ATTENDED",
                "SEEN_AT_CELL_DOOR",
                "SEEN_ELSEWHERE",
                "REFUSED",
                "DNA_PATIENT_CHOSE",
                "NOT_UNLOCKED",
                "NO_OFFICER_ESCORT",
                "REGIME_RESTRICTED",
                "LOCKDOWN_INCIDENT",
                "AT_COURT",
                "TRANSFERRED",
                "RELEASED",
                "IN_HOSPITAL",
                "IN_SEGREGATION",
                "LEGAL_OR_SOCIAL_VISIT",
                "AT_WORK_EDUCATION",
                "DECEASED",
                "CANCELLED_BY_HEALTHCARE",
                "SESSION_OVERRAN",
            ),
        ),
        "attribution": (12, ("SEEN", "PATIENT", "PRISON", "LOCATION", "HEALTHCARE")),
    },
    "care_plan_goals": {
        "status": (
            20,
            (
                "NOT_STARTED",
                "IN_PROGRESS",
                "ACHIEVED",
                "PARTLY_ACHIEVED",
                "NOT_ACHIEVED",
                "DISCONTINUED",
            ),
        ),
    },
    "care_plan_interventions": {
        "status": (20, ("PLANNED", "IN_PROGRESS", "DONE", "STOPPED")),
    },
    "care_plan_reviews": {
        "decision": (20, ("CONTINUE", "CLOSE")),
    },
    "care_plans": {
        "plan_type": (
            40,
            (
                "LTC",
                "OLDER_PRISONER_FRAILTY",
                "SOCIAL_CARE",
                "MENTAL_HEALTH",
                "END_OF_LIFE",
                "NEURODIVERSITY_ADJUSTMENTS",
                "SMOKING",
            ),
        ),
        "ltc_condition": (30, ("DIABETES", "HYPERTENSION", "ASTHMA", "COPD", "EPILEPSY")),
        "status": (12, ("DRAFT", "ACTIVE", "REVIEW_DUE", "CLOSED")),
        "patient_involvement": (20, ("AGREED", "DECLINED_TO_SIGN", "UNABLE")),
        "closed_reason": (
            30,
            (
                "GOALS_MET",
                "TRANSFERRED",
                "RELEASED",
                "DECLINED_BY_PATIENT",
                "SUPERSEDED",
                "DECEASED",
            ),
        ),
    },
    "caseload_memberships": {
        "team": (20, ("PRIMARY_CARE", "MH_IN_REACH", "SUBSTANCE_MISUSE", "SOCIAL_CARE")),
    },
    "clinic_sessions": {
        "clinic_type": (
            30,
            (
                "SECOND_STAGE_ASSESSMENT",
                "LTC_DIABETES",
                "LTC_HYPERTENSION",
                "LTC_RESPIRATORY",
                "LTC_EPILEPSY",
                "OLDER_PRISONER",
                "MH_IN_REACH",
                "IMMS_SCREENING",
                "SMOKING_CESSATION",
                "NEURODIVERSITY",
                "GENERAL_NURSE",
            ),
        ),
        "period": (2, ("AM", "PM", "ED")),
        "status": (12, ("PLANNED", "IN_PROGRESS", "CLOSED")),
    },
    "encounters": {
        "ltc_condition": (30, ("DIABETES", "HYPERTENSION", "ASTHMA", "COPD", "EPILEPSY")),
    },
    "observations": {
        "consciousness": (1, ("A", "C", "V", "P", "U")),
        "news2_risk": (12, ("low", "low-medium", "medium", "high")),
    },
    "release_plans": {
        "movement_type": (12, ("RELEASE", "TRANSFER", "COURT", "HOSPITAL", "REMOVAL")),
        "gp_registration": (20, ("REGISTERED", "APPLICATION_SENT", "NOT_REGISTERED")),
        "reconnect_status": (
            20,
            ("NOT_REFERRED", "REFERRED", "ACCEPTED", "DECLINED_BY_PATIENT", "NOT_ELIGIBLE"),
        ),
    },
}


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def _outside(conn: sa.Connection) -> list[str]:
    """'table.column (n rows)' for every enum column holding a value outside its enum."""
    found = []
    for table, columns in ENUMS.items():
        for column, (_, values) in columns.items():
            marks = ", ".join("?" * len(values))
            count = conn.exec_driver_sql(
                # Names are this file's constants; the values go as parameters.
                f'SELECT count(*) FROM "{table}" '  # noqa: S608
                f'WHERE "{column}" IS NOT NULL AND "{column}" NOT IN ({marks})',
                values,
            ).scalar_one()
            if count:
                found.append(f"{table}.{column} ({count} row{'s' if count != 1 else ''})")
    return found


def upgrade() -> None:
    outside = _outside(op.get_bind())
    if outside:
        raise VaultDamaged(
            "This vault holds values this version of HJDesk does not know, in "
            + ", ".join(outside)
            + ". It was not changed (a backup was kept): contact IT support."
        )
    for table, columns in ENUMS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, (_, values) in columns.items():
                batch_op.create_check_constraint(
                    op.f(f"ck_{table}_{column}"), sa.text(f'"{column}" IN ({_quoted(values)})')
                )


def downgrade() -> None:
    for table, columns in ENUMS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
