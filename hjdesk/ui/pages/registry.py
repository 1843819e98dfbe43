"""Which pages the workspace shows, in navigation order (architecture.md §6)."""

from __future__ import annotations

from hjdesk.ui.context import PageContext
from hjdesk.ui.pages.acct import AcctPage
from hjdesk.ui.pages.admin import AdminPage
from hjdesk.ui.pages.base import Page
from hjdesk.ui.pages.care_plans import CarePlansPage
from hjdesk.ui.pages.clinics import ClinicsPage
from hjdesk.ui.pages.patient_record import PatientRecordPage
from hjdesk.ui.pages.patients import PatientsPage
from hjdesk.ui.pages.reports import ReportsPage
from hjdesk.ui.pages.sync import SyncPage
from hjdesk.ui.pages.today import TodayPage
from hjdesk.ui.sync_controller import SyncController


def navigation_pages(context: PageContext, sync: SyncController) -> list[Page]:
    """The pages listed in the navigation, in the order a nurse meets them in a day."""
    return [
        TodayPage(context),
        ClinicsPage(context),
        PatientsPage(context),
        AcctPage(context),
        CarePlansPage(context),
        ReportsPage(context),
        SyncPage(context, sync),
        AdminPage(context),
    ]


def other_pages(context: PageContext) -> list[Page]:
    """Pages reached from others (a patient's record), not listed in the navigation."""
    return [PatientRecordPage(context)]
