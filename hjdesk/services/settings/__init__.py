"""The laptop's own state: local settings, the sync status line, the audit check.

A first start (`hjdesk.services.first_run`) is apart: the app diagnoses the vault before its
first paint, and importing this face loads SQLAlchemy and the models.

The face other code uses; the modules inside are this feature's own."""

from hjdesk.services.settings.audit_check import verify_chain
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
    "PATHWAY_HIGH",
    "PATHWAY_MEDIUM",
    "PATHWAY_RED",
    "SYNCING",
    "ConflictLabel",
    "Declared",
    "SyncStatus",
    "escalation_pathways",
    "get",
    "patient_labels",
    "put",
    "sync_status",
    "verify_chain",
]
