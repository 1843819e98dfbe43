"""Save FHIR summary… beside the PDF, on the patient's Release tab and on the Reports page:
driven through the real widgets (offscreen; the file dialog is replaced by a chosen path). The
file is written only where the user chose, the export is audited, cancelling writes nothing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import select

from hjdesk.storage.models import AuditEvent
from hjdesk.ui.pages.patient_record import PatientRecordPage
from hjdesk.ui.pages.reports import ReportsPage
from tests.gui.helpers_save import Dialog, forbid_message_boxes
from tests.interop.helpers import read_back, richest_patient
from tests.reports.conftest import patient_row, pdf_text


@pytest.fixture(autouse=True)
def _no_message_boxes(monkeypatch):
    forbid_message_boxes(monkeypatch)


def _exports(vault) -> list[AuditEvent]:
    with vault.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "export")))


def _release_tab(qtbot, context, patient_id: str) -> PatientRecordPage:
    page = PatientRecordPage(context)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    page.open_target(patient_id)
    page.tabs.setCurrentWidget(page.release)
    assert page.release.summary is not None
    return page


def test_release_tab_saves_the_fhir_summary_where_the_user_chose(
    qtbot, context, demo, out, monkeypatch
):
    patient_id = richest_patient(demo)
    page = _release_tab(qtbot, context, patient_id)
    button = page.release.fhir_button
    assert button.isEnabled()
    assert button.isVisible()
    assert button.text().replace("&", "") == "Save FHIR summary…"
    target = out / "handover"  # the extension is added
    dialog = Dialog(str(target))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    [(caption, suggested)] = dialog.asked
    assert "FHIR" in caption
    assert patient_row(demo, patient_id).prison_number not in suggested
    saved = out / "handover.json"
    assert list(out.iterdir()) == [saved]
    bundle = read_back(saved.read_bytes())
    assert bundle.entry[1].resource.id == patient_id
    [event] = _exports(demo)
    assert event.patient_id == patient_id


def test_release_tab_pdf_button_sits_beside_it(qtbot, context, demo, out, monkeypatch):
    patient_id = richest_patient(demo)
    page = _release_tab(qtbot, context, patient_id)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", Dialog(str(out / "summary.pdf")))
    qtbot.mouseClick(page.release.pdf_button, Qt.MouseButton.LeftButton)
    assert pdf_text((out / "summary.pdf").read_bytes()).has("Transfer/release health summary")


def test_cancelling_the_dialog_writes_and_audits_nothing(qtbot, context, demo, out, monkeypatch):
    page = _release_tab(qtbot, context, richest_patient(demo))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", Dialog(""))
    qtbot.mouseClick(page.release.fhir_button, Qt.MouseButton.LeftButton)
    assert list(out.iterdir()) == []
    assert _exports(demo) == []


def test_release_tab_buttons_wait_for_a_patient(qtbot, context):
    page = PatientRecordPage(context)
    qtbot.addWidget(page)
    assert not page.release.fhir_button.isEnabled()
    assert not page.release.pdf_button.isEnabled()
    # Tab moves along the row as it is drawn: PDF, FHIR, then the plan.
    assert page.release.pdf_button.nextInFocusChain() is page.release.fhir_button
    assert page.release.fhir_button.nextInFocusChain() is page.release.plan_button


def test_reports_page_offers_fhir_for_the_transfer_summary_only(
    qtbot, context, demo, out, monkeypatch
):
    page = ReportsPage(context)
    qtbot.addWidget(page)
    page.resize(1000, 600)
    page.show()
    qtbot.waitExposed(page)
    page.kind.setCurrentIndex(page.kind.findData("news2"))
    assert not page.save_fhir.isVisible()
    page.kind.setCurrentIndex(page.kind.findData("transfer-summary"))
    assert page.save_fhir.isVisible()

    monkeypatch.setattr(QFileDialog, "getSaveFileName", Dialog(str(out / "x.json")))
    page.save_fhir.click()  # nobody chosen yet
    assert "choose them" in page.message.text()
    assert list(out.iterdir()) == []

    patient_id = richest_patient(demo)
    qtbot.keyClicks(page.patient_text, patient_row(demo, patient_id).prison_number)
    page.find_button.click()
    assert page.patient.currentData() == patient_id
    qtbot.mouseClick(page.save_fhir, Qt.MouseButton.LeftButton)
    assert "Saved the FHIR summary" in page.message.text()
    assert read_back((out / "x.json").read_bytes()).type == "document"
    [event] = _exports(demo)
    assert event.patient_id == patient_id
