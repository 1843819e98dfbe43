"""ORM models; importing this package registers every table on `Base.metadata`."""

from hjdesk.storage.models.base import Base, Synced, UtcDateTime, utcnow
from hjdesk.storage.models.problems import Condition
from hjdesk.storage.models.roll import Alert, Establishment, Location, Patient, Staff
from hjdesk.storage.models.system import AuditEvent, OutboxOp, Setting

__all__ = [
    "Alert",
    "AuditEvent",
    "Base",
    "Condition",
    "Establishment",
    "Location",
    "OutboxOp",
    "Patient",
    "Setting",
    "Staff",
    "Synced",
    "UtcDateTime",
    "utcnow",
]
