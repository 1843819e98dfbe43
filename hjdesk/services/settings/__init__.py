"""The laptop's own state: local settings, first run, the sync status line, the audit check.

The face other code uses; the modules inside are this feature's own."""

from hjdesk.services.settings.audit_check import verify_chain
from hjdesk.services.settings.first_run import (
    PASSWORD_RULE,
    Diagnosis,
    VaultState,
    create_vault,
    diagnose,
    problem,
)
from hjdesk.services.settings.local import (
    ESTABLISHMENT,
    HIGH_CONTRAST,
    IDLE_MINUTES,
    PATHWAY_HIGH,
    PATHWAY_MEDIUM,
    PATHWAY_RED,
    Declared,
    escalation_pathways,
    get,
    put,
)
from hjdesk.services.settings.status import (
    CHECKING,
    NOT_ENROLLED,
    OFFLINE,
    ONLINE,
    SYNCING,
    ConflictLabel,
    SyncStatus,
    patient_labels,
    sync_status,
)

__all__ = [
    "CHECKING",
    "ESTABLISHMENT",
    "HIGH_CONTRAST",
    "IDLE_MINUTES",
    "NOT_ENROLLED",
    "OFFLINE",
    "ONLINE",
    "PASSWORD_RULE",
    "PATHWAY_HIGH",
    "PATHWAY_MEDIUM",
    "PATHWAY_RED",
    "SYNCING",
    "ConflictLabel",
    "Declared",
    "Diagnosis",
    "SyncStatus",
    "VaultState",
    "create_vault",
    "diagnose",
    "escalation_pathways",
    "get",
    "patient_labels",
    "problem",
    "put",
    "sync_status",
    "verify_chain",
]
