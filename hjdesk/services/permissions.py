"""Which roles may do what. One table, so a reviewer can read the whole policy at once."""

from __future__ import annotations

from hjdesk.storage.audit import Actor
from hjdesk.storage.errors import PermissionDenied

CLINICAL_ROLES = frozenset(
    {"RN", "RMN", "HCA", "GP", "ANP", "PHARMACIST", "PSYCHOLOGIST", "OT", "SOCIAL_WORKER"}
)
ALL_ROLES = CLINICAL_ROLES | {"ADMIN"}

POLICY: dict[str, frozenset[str]] = {
    "view_caseload": ALL_ROLES,
    "view_patient": ALL_ROLES,
    "import_roll": frozenset({"ADMIN", "RN", "RMN", "ANP"}),
    "manage_users": frozenset({"ADMIN"}),
}


def require(actor: Actor, action: str) -> None:
    allowed = POLICY[action]
    if actor.role not in allowed:
        raise PermissionDenied(f"Your role ({actor.role}) cannot {action.replace('_', ' ')}.")


def require_role(actor: Actor, allowed: frozenset[str], what: str) -> None:
    """For use-case modules that keep their own role sets: `what` completes 'Your role cannot …'."""
    if actor.role not in allowed:
        raise PermissionDenied(f"Your role ({actor.role}) cannot {what}.")


# Who may write clinical entries at all: everyone clinical; ADMIN staff are not clinicians.
CLINICAL_WRITERS = CLINICAL_ROLES
# Who may sign care plans and ACCT contributions (registered professionals, not HCAs).
REGISTERED_CLINICIANS = CLINICAL_ROLES - {"HCA"}
