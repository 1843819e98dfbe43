"""ORM models; importing this package registers every table on `Base.metadata`."""

from hjdesk.storage.models.acct import AcctCase, AcctContribution, AcctEvent
from hjdesk.storage.models.base import Base, Synced, UtcDateTime, utcnow
from hjdesk.storage.models.care_plans import (
    CarePlan,
    CarePlanGoal,
    CarePlanIntervention,
    CarePlanReview,
)
from hjdesk.storage.models.care_record import (
    Allergy,
    CaseloadMembership,
    Medicine,
    ReleasePlan,
    ScreeningEvent,
    Task,
)
from hjdesk.storage.models.clinics import Appointment, ClinicSession
from hjdesk.storage.models.encounters import (
    Draft,
    Encounter,
    Measurement,
    Observation,
    QuestionnaireResult,
)
from hjdesk.storage.models.estate import (
    NAME_CARD_FIELDS,
    IdAlias,
    RollLinkFlag,
    StaffNameCard,
    TransferNotice,
)
from hjdesk.storage.models.problems import Condition
from hjdesk.storage.models.roll import Alert, Establishment, Location, Patient, Staff
from hjdesk.storage.models.signed import Signed, SignedEntryImmutable
from hjdesk.storage.models.sync_state import (
    HeldForNewer,
    SyncConflict,
    SyncPendingPurge,
    SyncQuarantine,
)
from hjdesk.storage.models.system import (
    EVERYONE,
    PENDING_CONTRIBUTIONS,
    AuditEvent,
    OutboxOp,
    Setting,
    WorklistChange,
)

__all__ = [
    "EVERYONE",
    "NAME_CARD_FIELDS",
    "PENDING_CONTRIBUTIONS",
    "AcctCase",
    "AcctContribution",
    "AcctEvent",
    "Alert",
    "Allergy",
    "Appointment",
    "AuditEvent",
    "Base",
    "CarePlan",
    "CarePlanGoal",
    "CarePlanIntervention",
    "CarePlanReview",
    "CaseloadMembership",
    "ClinicSession",
    "Condition",
    "Draft",
    "Encounter",
    "Establishment",
    "HeldForNewer",
    "IdAlias",
    "Location",
    "Measurement",
    "Medicine",
    "Observation",
    "OutboxOp",
    "Patient",
    "QuestionnaireResult",
    "ReleasePlan",
    "RollLinkFlag",
    "ScreeningEvent",
    "Setting",
    "Signed",
    "SignedEntryImmutable",
    "Staff",
    "StaffNameCard",
    "SyncConflict",
    "SyncPendingPurge",
    "SyncQuarantine",
    "Synced",
    "Task",
    "TransferNotice",
    "UtcDateTime",
    "WorklistChange",
    "utcnow",
]
