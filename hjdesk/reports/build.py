"""Make any printed output: `render_report` lays it out in memory, `save_report` writes it where
the user chose and audits the print in the same call (services.printing.save_printed).

Nothing here touches a temp folder: the PDF lives in a BytesIO until its bytes go to the user's
path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from reportlab.platypus import Flowable

from hjdesk.reports import (
    acct_docs,
    care_plan_docs,
    clinic_docs,
    encounter_docs,
    medicines_docs,
    outcome_docs,
    overdue_docs,
    release_docs,
)
from hjdesk.reports.document import Context, Document
from hjdesk.reports.kinds import ReportRequest
from hjdesk.reports.layout import PageFrame, render, unsynced_banner
from hjdesk.reports.tables import gap
from hjdesk.services.common import local_today, utc_now
from hjdesk.services.printing import printed_by, save_printed
from hjdesk.storage.vault import OpenVault


@dataclass(frozen=True, slots=True)
class RenderedReport:
    """A finished PDF in memory, with what the audit event and the save dialog need."""

    kind: str
    data: bytes
    pages: int
    title: str
    file_name: str  # a suggestion: kind and date, never a patient identifier
    patient_id: str | None
    unsynced: bool
    records: dict[str, str]


def _patient(r: ReportRequest) -> str:
    assert r.patient_id is not None  # ReportRequest.check() made sure
    return r.patient_id


def _session(r: ReportRequest) -> str:
    assert r.session_id is not None
    return r.session_id


def _outcomes(c: Context, r: ReportRequest) -> Document:
    if r.session_id is not None:
        return outcome_docs.session_outcomes(c, r.session_id)
    return outcome_docs.period_outcomes(c, r.month or c.today.replace(day=1), r.wing)


BUILDERS: dict[str, Callable[[Context, ReportRequest], Document]] = {
    "clinic-list": lambda c, r: clinic_docs.clinic_list(c, _session(r)),
    "unlock-list": lambda c, r: clinic_docs.unlock_list(c, _session(r)),
    "session-outcomes": _outcomes,
    "acct-contribution": lambda c, r: acct_docs.contribution_sheet(c, r.patient_id, r.event_id),
    "acct-audit": lambda c, r: acct_docs.health_input_audit(c, r.month, r.wing),
    "care-plan": lambda c, r: care_plan_docs.staff_copy(c, r.patient_id, r.plan_id),
    "care-plan-patient": lambda c, r: care_plan_docs.patient_copy(c, r.patient_id, r.plan_id),
    "overdue": lambda c, r: overdue_docs.overdue_report(c, r.wing),
    "transfer-summary": lambda c, r: release_docs.transfer_summary(c, _patient(r)),
    "medicines-on-release": lambda c, r: medicines_docs.medicines_checklist(c, _patient(r)),
    "questionnaires": lambda c, r: encounter_docs.questionnaire_sheets(c, _patient(r)),
    "news2": lambda c, r: encounter_docs.news2_record(c, _patient(r)),
}


def render_report(
    vault: OpenVault,
    request: ReportRequest,
    *,
    now: datetime | None = None,
    today: date | None = None,
) -> RenderedReport:
    """Build the document from the vault and lay it out on A4, in memory."""
    kind = request.check()
    context = Context(vault, printed_by(vault), now or utc_now(), today or local_today())
    doc = BUILDERS[kind.name](context, request)
    story: list[Flowable] = list(doc.story)
    if doc.unsynced:
        story[:0] = [unsynced_banner(), gap(3)]
    frame = PageFrame(
        title=doc.title,
        printed_by=context.printed_by,
        printed_at=context.printed_at,
        identifiers=doc.identifiers,
        unsynced=doc.unsynced,
        subtitle=doc.subtitle,
    )
    data, pages = render(frame, story)
    return RenderedReport(
        kind=kind.name,
        data=data,
        pages=pages,
        title=doc.title,
        file_name=f"{doc.file_stem}.pdf",
        patient_id=doc.patient_id,
        unsynced=doc.unsynced,
        records={k: v for k, v in doc.records.items() if v},
    )


def save_rendered(vault: OpenVault, report: RenderedReport, path: Path) -> None:
    """Write an already rendered PDF to `path` and audit the print, together."""
    save_printed(
        vault,
        report.kind,
        report.data,
        path,
        patient_id=report.patient_id,
        detail={"pages": report.pages, "unsynced": report.unsynced, **report.records},
    )


def save_report(
    vault: OpenVault,
    request: ReportRequest,
    path: Path,
    *,
    now: datetime | None = None,
    today: date | None = None,
) -> RenderedReport:
    """Render, write to `path` (the user's choice) and audit the print."""
    report = render_report(vault, request, now=now, today=today)
    save_rendered(vault, report, path)
    return report
