"""Wing clinics (domain.md §5): sessions and their lists, outcomes, clinic reports.

The face other code uses; the modules inside are this feature's own."""

from hjdesk.services.clinics.lists import completed_since, second_stage_done_on
from hjdesk.services.clinics.outcomes import record_outcome
from hjdesk.services.clinics.reports import appointment_ids, exception_report, rebook_list
from hjdesk.services.clinics.sessions import (
    BULK_OUTCOMES,
    OutcomesMissing,
    add_to_session,
    appointment_view,
    clinic_wings,
    close_session,
    create_session,
    list_sessions,
    session_view,
    start_session,
)
from hjdesk.services.clinics.views import AppointmentView, SessionSummary, SessionView

__all__ = [
    "BULK_OUTCOMES",
    "AppointmentView",
    "OutcomesMissing",
    "SessionSummary",
    "SessionView",
    "add_to_session",
    "appointment_ids",
    "appointment_view",
    "clinic_wings",
    "close_session",
    "completed_since",
    "create_session",
    "exception_report",
    "list_sessions",
    "rebook_list",
    "record_outcome",
    "second_stage_done_on",
    "session_view",
    "start_session",
]
