"""Correcting signed entries that are not encounters: amend, or mark entered in error.

The face other code uses; the modules inside are this feature's own."""

from hjdesk.services.corrections.amendments import (
    ContributionCorrection,
    ReviewCorrection,
    ScreeningCorrection,
    amend_care_plan_review,
    amend_contribution,
    amend_screening,
)

__all__ = [
    "ContributionCorrection",
    "ReviewCorrection",
    "ScreeningCorrection",
    "amend_care_plan_review",
    "amend_contribution",
    "amend_screening",
]
