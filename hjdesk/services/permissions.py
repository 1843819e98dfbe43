"""Which roles may do what: every user action in one declared table, so a clinical safety officer
can read the whole policy at once (tests/services/test_permissions.py prints it as a table).

An action's name is the one its service passes to `user_action(vault, name)` (or `require`), and
for writes usually the audit event kind it leaves. A refusal reads "Your role (HCA) cannot
<refusal>." Rules that depend on the record, not only the role, are named in `conditions` and
implemented by the predicates below, which the services call once they have the record.

The role vocabulary itself (the roles a key slot may hold) lives in storage, which checks it when
a user is added; the groups here are built from it, so a new role is declared once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hjdesk.storage.audit import Actor
from hjdesk.storage.errors import PermissionDenied
from hjdesk.storage.vault import ADMIN_ROLE, ROLES

ALL_ROLES = frozenset(ROLES)
CLINICAL_ROLES = ALL_ROLES - {ADMIN_ROLE}
# Who may write clinical entries at all: everyone clinical; ADMIN staff are not clinicians.
CLINICAL_WRITERS = CLINICAL_ROLES
# Who may sign care plans and ACCT contributions (registered professionals, not HCAs).
REGISTERED_CLINICIANS = CLINICAL_ROLES - {"HCA"}
ADMIN_ONLY = frozenset({ADMIN_ROLE})

# Conditions (record-dependent rules), by name; each has a predicate below or in its service.
# "own": a healthcare assistant amends only entries they signed (registered staff any).
OWN_ENTRY_UNLESS_REGISTERED = "own"
# "team": ACCT input is given, and corrected, for the clinician's own team only.
OWN_TEAM = "team"
# "hca": an HCA signs only the simple kinds (encounter_forms.HCA_KINDS), no questionnaires.
HCA_KINDS_ONLY = "hca"


@dataclass(frozen=True, slots=True)
class Permission:
    roles: frozenset[str]
    refusal: str  # completes "Your role (X) cannot …"
    conditions: tuple[str, ...] = ()


def _p(roles: frozenset[str], refusal: str, *conditions: str) -> Permission:
    return Permission(roles, refusal, conditions)


ACCT_MIRROR = ALL_ROLES  # admin staff keep the ACCT mirror up to date with the prison's
PERMISSIONS: Mapping[str, Permission] = {
    # -- reading ------------------------------------------------------------------------------
    "view_caseload": _p(ALL_ROLES, "view caseload"),
    "view_patient": _p(ALL_ROLES, "view patient"),
    "view_acct": _p(ALL_ROLES, "view ACCTs"),
    "view_acct_audit": _p(ALL_ROLES, "view the ACCT health-input audit"),
    "view_care_plans": _p(CLINICAL_WRITERS, "view care plans"),
    "view_release_planning": _p(CLINICAL_WRITERS, "see release planning"),
    "view_release_summary": _p(CLINICAL_WRITERS, "view the transfer or release summary"),
    "export_release_summary": _p(CLINICAL_WRITERS, "export the transfer or release summary"),
    "view_release_medicines": _p(CLINICAL_WRITERS, "view the medicines-on-release checklist"),
    "view_reviews_due": _p(CLINICAL_WRITERS, "see the reviews due"),
    # -- ACCT ---------------------------------------------------------------------------------
    "acct_opened": _p(ACCT_MIRROR, "record ACCTs"),
    "acct_updated": _p(ACCT_MIRROR, "record ACCTs"),
    "acct_event_added": _p(ACCT_MIRROR, "record ACCTs"),
    "acct_event_rescheduled": _p(ACCT_MIRROR, "record ACCTs"),
    "acct_event_held": _p(ACCT_MIRROR, "record ACCTs"),
    "acct_closed": _p(ACCT_MIRROR, "record ACCTs"),
    "acct_reopened": _p(ACCT_MIRROR, "record ACCTs"),
    "acct_alert_tasks": _p(ACCT_MIRROR, "record ACCTs"),
    # Done after a pull, as whoever synced: an arrival's HA mirror gives way (H-38).
    "acct_mirror_superseded": _p(ACCT_MIRROR, "record ACCTs"),
    "acct_contribution_added": _p(
        REGISTERED_CLINICIANS, "contribute health input to an ACCT", OWN_TEAM
    ),
    "acct_contribution_amended": _p(
        REGISTERED_CLINICIANS, "amend ACCT health input", OWN_ENTRY_UNLESS_REGISTERED, OWN_TEAM
    ),
    "caseload_changed": _p(REGISTERED_CLINICIANS, "change a team's caseload"),
    # -- care plans ---------------------------------------------------------------------------
    "create_care_plan": _p(CLINICAL_WRITERS, "write care plans"),
    "update_care_plan": _p(CLINICAL_WRITERS, "write care plans"),
    "add_care_plan_goal": _p(CLINICAL_WRITERS, "write care plans"),
    "update_care_plan_goal": _p(CLINICAL_WRITERS, "write care plans"),
    "add_care_plan_intervention": _p(CLINICAL_WRITERS, "write care plans"),
    "update_care_plan_intervention": _p(CLINICAL_WRITERS, "write care plans"),
    "activate_care_plan": _p(REGISTERED_CLINICIANS, "activate care plans"),
    "review_care_plan": _p(REGISTERED_CLINICIANS, "review care plans"),
    "close_care_plan": _p(REGISTERED_CLINICIANS, "close care plans"),
    "care_plan_review_amended": _p(
        REGISTERED_CLINICIANS, "amend care-plan reviews", OWN_ENTRY_UNLESS_REGISTERED
    ),
    # -- clinics ------------------------------------------------------------------------------
    "clinic_session_created": _p(CLINICAL_WRITERS, "plan clinic sessions"),
    "appointment_booked": _p(CLINICAL_WRITERS, "book clinic appointments"),
    "clinic_session_run": _p(CLINICAL_WRITERS, "run clinic sessions"),
    "appointment_outcome_recorded": _p(CLINICAL_WRITERS, "record clinic outcomes"),
    "complete_task": _p(CLINICAL_WRITERS, "close clinical tasks"),
    # -- clinical entries ---------------------------------------------------------------------
    "encounter_signed": _p(CLINICAL_WRITERS, "sign clinical entries", HCA_KINDS_ONLY),
    "encounter_amended": _p(
        CLINICAL_WRITERS, "amend clinical entries", OWN_ENTRY_UNLESS_REGISTERED
    ),
    "draft_saved": _p(CLINICAL_WRITERS, "keep drafts of clinical forms"),
    "screening_recorded": _p(CLINICAL_WRITERS, "record screening and immunisations"),
    "screening_amended": _p(
        CLINICAL_WRITERS, "amend screening and immunisations", OWN_ENTRY_UNLESS_REGISTERED
    ),
    "save_release_plan": _p(CLINICAL_WRITERS, "write release plans"),
    "allergy_recorded": _p(REGISTERED_CLINICIANS, "record allergies"),
    "allergy_ended": _p(REGISTERED_CLINICIANS, "record allergies"),
    "medicine_recorded": _p(REGISTERED_CLINICIANS, "record medicines"),
    "medicine_stopped": _p(REGISTERED_CLINICIANS, "record medicines"),
    # -- administration -----------------------------------------------------------------------
    "import_roll": _p(frozenset({ADMIN_ROLE, "RN", "RMN", "ANP"}), "import roll"),
    "manage_users": _p(ADMIN_ONLY, "manage users"),
    "setting_changed": _p(ALL_ROLES, "change settings"),
    "change_admin_setting": _p(ADMIN_ONLY, "change this setting"),
}

# Roles per action, for screens that grey out what a role cannot do.
POLICY: Mapping[str, frozenset[str]] = {name: p.roles for name, p in PERMISSIONS.items()}


def may(actor: Actor, action: str) -> bool:
    return actor.role in PERMISSIONS[action].roles


def require(actor: Actor, action: str, what: str | None = None) -> None:
    """Refuse `actor` unless the table lets their role do `action`. `what` replaces the table's
    refusal wording when the action names what it touches (e.g. which setting)."""
    permission = PERMISSIONS[action]
    if actor.role not in permission.roles:
        raise PermissionDenied(f"Your role ({actor.role}) cannot {what or permission.refusal}.")


# -- record-dependent rules (the conditions above) ---------------------------------------------


def require_own_entry_unless_registered(actor: Actor, signed_by: str | None) -> None:
    """OWN_ENTRY_UNLESS_REGISTERED: a healthcare assistant corrects only what they signed."""
    if signed_by != actor.staff_id and actor.role not in REGISTERED_CLINICIANS:
        raise PermissionDenied(
            f"Your role ({actor.role}) can amend only entries you signed yourself."
        )


def require_own_team(own_team: str | None, entry_team: str) -> None:
    """OWN_TEAM: ACCT input is corrected by the team that gave it (staff without a team may)."""
    if own_team and own_team != entry_team:
        team = entry_team.replace("_", " ").lower()
        raise PermissionDenied(
            f"This input was recorded for another team ({team}): ask that team to correct it."
        )
