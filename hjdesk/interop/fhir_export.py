"""Make the FHIR copy of the transfer/release summary and save it where the user chose.

The bundle is built in memory from the same read model the printed summary uses
(services.release_summary), plus the coded entries behind it (services.release_record), and
carries the printed PDF itself. Its bytes go only to the path the user picked, and the export is
audited in the same call (services.printing.save_printed, action "export"): there is never a copy
on disk the audit chain does not know about. Nothing touches a temp folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from hjdesk.interop.fhir_document import build_bundle
from hjdesk.reports.build import render_report
from hjdesk.reports.kinds import ReportRequest
from hjdesk.services.common import local_today, utc_now
from hjdesk.services.permissions import require
from hjdesk.services.printing import save_printed
from hjdesk.services.release import author, build_summary, coded_entries
from hjdesk.storage.vault import OpenVault

KIND = "fhir-transfer-summary"
EXPORT_ACTION = "export"
LABEL = "FHIR transfer/release summary"


@dataclass(frozen=True, slots=True)
class FhirExport:
    """A finished FHIR document in memory."""

    data: bytes  # the Bundle as JSON (UTF-8)
    patient_id: str
    document_id: str
    resources: int
    preliminary: bool  # some of the patient's entries have not reached the office yet


def build_fhir_summary(
    vault: OpenVault,
    patient_id: str,
    *,
    now: datetime | None = None,
    today: date | None = None,
) -> FhirExport:
    """The summary as a FHIR R4 document Bundle (UK Core profiles), validated as it is built."""
    require(vault.actor, "export_release_summary")
    moment = now or utc_now()
    day = today or local_today()
    # The printed copy first (an audited view), then the same read for the coded entries.
    report = render_report(
        vault, ReportRequest("transfer-summary", patient_id=patient_id), now=moment, today=day
    )
    staff_id = vault.actor.staff_id
    with vault.session() as session:
        summary = build_summary(
            session, patient_id, today=day, now=moment, generated_by=author(session, vault)
        )
        plans = (
            summary.mental_health.plan,
            summary.social_care.plan,
            summary.communication.plan,
            summary.end_of_life.plan,
        )
        coded = coded_entries(
            session,
            patient_id,
            [p.plan_id for p in plans if p is not None],
            extra_staff=(staff_id,) if staff_id else (),
        )
    bundle = build_bundle(
        summary,
        coded,
        pdf=report.data,
        pdf_unsynced=report.unsynced,
        author_id=staff_id,
        now=moment,
    )
    entries = bundle.entry or []
    return FhirExport(
        data=bundle.model_dump_json(indent=2).encode("utf-8"),
        patient_id=patient_id,
        document_id=str(bundle.identifier.value) if bundle.identifier else "",
        resources=len(entries),
        preliminary=summary.contains_unsynced or report.unsynced,
    )


def save_fhir_summary(
    vault: OpenVault,
    patient_id: str,
    path: Path,
    *,
    now: datetime | None = None,
    today: date | None = None,
) -> FhirExport:
    """Build the FHIR summary, write it to `path` (the user's choice) and audit the export."""
    export = build_fhir_summary(vault, patient_id, now=now, today=today)
    save_printed(
        vault,
        KIND,
        export.data,
        path,
        patient_id=patient_id,
        detail={
            "document_id": export.document_id,
            "resources": export.resources,
            "unsynced": export.preliminary,
        },
        action=EXPORT_ACTION,
        what="FHIR summary",
    )
    return export
