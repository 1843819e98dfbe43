"""Transfer and release (domain.md §9): plans, the health summary, the medicines checklist.

The face other code uses; the modules inside are this feature's own."""

from hjdesk.services.release.medicines import medicines_on_release_checklist
from hjdesk.services.release.plans import (
    UNKNOWN_STATUS,
    ReleasePlanStatus,
    ReleasePlanView,
    save_release_plan,
)
from hjdesk.services.release.record import (
    CodedEntries,
    EncounterRef,
    MeasuredResult,
    ScoredQuestionnaire,
    StaffRef,
    VitalSigns,
    coded_entries,
)
from hjdesk.services.release.summary import (
    AllergyItem,
    ConditionItem,
    ReleaseSummary,
    SummaryIdentifiers,
    author,
    build_summary,
    patient_identifiers,
    release_summary,
)
from hjdesk.services.release.summary_parts import FrailtyItem, KeyResult, MedicineItem, PlanBrief

__all__ = [
    "UNKNOWN_STATUS",
    "AllergyItem",
    "CodedEntries",
    "ConditionItem",
    "EncounterRef",
    "FrailtyItem",
    "KeyResult",
    "MeasuredResult",
    "MedicineItem",
    "PlanBrief",
    "ReleasePlanStatus",
    "ReleasePlanView",
    "ReleaseSummary",
    "ScoredQuestionnaire",
    "StaffRef",
    "SummaryIdentifiers",
    "VitalSigns",
    "author",
    "build_summary",
    "coded_entries",
    "medicines_on_release_checklist",
    "patient_identifiers",
    "release_summary",
    "save_release_plan",
]
