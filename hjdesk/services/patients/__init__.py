"""The caseload and one patient's record: lists, search, headers, screening events.

The face other code uses; the modules inside are this feature's own."""

from hjdesk.services.patients.caseload import (
    ALERT_LABELS,
    PatientRow,
    caseload,
    establishment_names,
    fold,
    open_patient,
    search,
)
from hjdesk.services.patients.record import (
    STANDS,
    AssessmentRow,
    ReviewsView,
    patient_acct_cases,
    patient_assessments,
    patient_reviews,
)
from hjdesk.services.patients.screening import (
    ScreeningView,
    record_screening,
    screening_history,
    screening_problems,
    screening_view,
)

__all__ = [
    "ALERT_LABELS",
    "STANDS",
    "AssessmentRow",
    "PatientRow",
    "ReviewsView",
    "ScreeningView",
    "caseload",
    "establishment_names",
    "fold",
    "open_patient",
    "patient_acct_cases",
    "patient_assessments",
    "patient_reviews",
    "record_screening",
    "screening_history",
    "screening_problems",
    "screening_view",
    "search",
]
