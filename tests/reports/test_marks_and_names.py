"""The unsynced mark (present exactly when the outbox still holds the document's entries) and
names with accents and apostrophes surviving into the PDF's text."""

from __future__ import annotations

from sqlalchemy import select

from hjdesk.reports.build import render_report
from hjdesk.reports.kinds import ReportRequest
from hjdesk.reports.layout import UNSYNCED_MARK
from hjdesk.services.clinics.outcomes import record_outcome
from hjdesk.services.clinics.sessions import session_view
from hjdesk.services.release import release_summary, save_release_plan
from hjdesk.storage.models import OutboxOp, Patient
from tests.reports.conftest import (
    ack_everything,
    medicines_patient,
    pdf_text,
    planned_session,
    unreviewed_plan,
)


def _marked_pages(data: bytes) -> list[bool]:
    return [UNSYNCED_MARK in page for page in pdf_text(data).pages]


def _plan_to(vault, patient_id: str, destination: str) -> None:
    """The patient's transfer plan names `destination`, through the service (an entry the
    summary prints, waiting for the hub): the live plan updated, or a new one."""
    live = release_summary(vault, patient_id).release_plan
    if live is None:
        save_release_plan(
            vault, patient_id, movement_type="TRANSFER", expected_date=None,
            destination=destination,
        )  # fmt: skip
    else:
        save_release_plan(
            vault, patient_id, plan_id=live.id, base_rev=live.rev,
            movement_type=live.movement_type, expected_date=live.expected_date,
            destination=destination,
        )  # fmt: skip


def test_summary_is_marked_on_every_page_only_while_the_patients_entries_wait(demo):
    patient_id = medicines_patient(demo)
    ack_everything(demo)
    clean = render_report(demo, ReportRequest("transfer-summary", patient_id=patient_id))
    assert not clean.unsynced
    assert not any(_marked_pages(clean.data))

    _plan_to(demo, patient_id, "HMP Northmoor")
    marked = render_report(demo, ReportRequest("transfer-summary", patient_id=patient_id))
    assert marked.unsynced
    assert marked.pages > 1
    assert all(_marked_pages(marked.data)), "every page carries the mark"
    assert pdf_text(marked.data).has("HMP Northmoor")


def test_another_patients_unsynced_entry_does_not_mark_this_summary(demo):
    patient_id = medicines_patient(demo)
    ack_everything(demo)
    with demo.session() as session:
        other = session.scalar(select(Patient.id).where(Patient.id != patient_id).limit(1))
    _plan_to(demo, other, "HMP Northmoor")
    report = render_report(demo, ReportRequest("transfer-summary", patient_id=patient_id))
    assert not report.unsynced
    assert not any(_marked_pages(report.data))


def test_print_audit_events_do_not_count_as_unsynced_entries(demo, tmp_path):
    from hjdesk.reports.build import save_report

    patient_id = medicines_patient(demo)
    ack_everything(demo)
    save_report(
        demo, ReportRequest("medicines-on-release", patient_id=patient_id), tmp_path / "a.pdf"
    )
    with demo.session() as session:
        waiting = session.scalars(select(OutboxOp.kind).where(OutboxOp.acked_at.is_(None))).all()
    assert waiting
    assert set(waiting) == {"audit_event"}
    again = render_report(demo, ReportRequest("medicines-on-release", patient_id=patient_id))
    assert not again.unsynced


def test_clinic_list_is_marked_when_an_outcome_waits_for_the_hub(demo):
    session_id = planned_session(demo)
    ack_everything(demo)
    for kind in ("clinic-list", "unlock-list"):
        report = render_report(demo, ReportRequest(kind, session_id=session_id))
        assert not report.unsynced
        assert not any(_marked_pages(report.data))
    appointment = session_view(demo, session_id).appointments[0]
    record_outcome(demo, appointment.id, "ATTENDED")
    for kind in ("clinic-list", "unlock-list"):
        report = render_report(demo, ReportRequest(kind, session_id=session_id))
        assert report.unsynced
        assert all(_marked_pages(report.data))


NAME = ("Ó'Brien-Nuñez", "Zoë Siân")


def _rename(vault, patient_id: str) -> None:
    with vault.transaction() as session:
        patient = session.get(Patient, patient_id)
        assert patient is not None
        patient.family_name, patient.given_names = NAME


def test_a_name_with_accents_and_an_apostrophe_prints_as_written(demo):
    plan_id = unreviewed_plan(demo, "LTC")
    from hjdesk.services.care_plans.reads import plan_view

    patient_id = plan_view(demo, plan_id).patient_id
    _rename(demo, patient_id)
    shown = f"{NAME[0].upper()}, {NAME[1]}"
    assert shown == "Ó'BRIEN-NUÑEZ, Zoë Siân"
    for request in (
        ReportRequest("transfer-summary", patient_id=patient_id),
        ReportRequest("care-plan", plan_id=plan_id),
        ReportRequest("care-plan-patient", plan_id=plan_id),
    ):
        pdf = pdf_text(render_report(demo, request).data)
        for page in pdf.pages:  # in the identifiers on every page
            assert shown in page, request.kind
    summary = render_report(demo, ReportRequest("transfer-summary", patient_id=patient_id))
    text = pdf_text(summary.data)
    assert text.has(f"Name {shown}")  # the identifiers section, not only the page header
    assert "\ufffd" not in text.text  # no glyph went missing


def test_a_name_that_looks_like_markup_is_printed_not_interpreted(demo):
    patient_id = medicines_patient(demo)
    with demo.transaction() as session:
        patient = session.get(Patient, patient_id)
        assert patient is not None
        patient.given_names = "<b>Al</b> & Co"
    pdf = pdf_text(
        render_report(demo, ReportRequest("transfer-summary", patient_id=patient_id)).data
    )
    assert pdf.has("<b>Al</b> & Co")
