"""The Reports page and the shared Save as PDF action, driven through their widgets on the demo
vault (offscreen; the file dialog is replaced by a chosen path)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMainWindow, QWidget
from sqlalchemy import select

from hjdesk.reports.kinds import KINDS
from hjdesk.services.clinics.sessions import session_view
from hjdesk.storage.models import AuditEvent
from hjdesk.ui.pages.reports import ReportsPage
from hjdesk.ui.save_pdf import save_pdf
from tests.gui.helpers_save import Dialog, forbid_message_boxes
from tests.reports.conftest import medicines_patient, patient_row, pdf_text, planned_session


@pytest.fixture(autouse=True)
def _no_message_boxes(monkeypatch):
    forbid_message_boxes(monkeypatch)


@pytest.fixture
def page(qtbot, context):
    page = ReportsPage(context)
    qtbot.addWidget(page)
    page.resize(1000, 600)
    page.show()
    qtbot.waitExposed(page)
    page.refresh()
    return page


def _choose_kind(page: ReportsPage, name: str) -> None:
    page.kind.setCurrentIndex(page.kind.findData(name))


def _prints(vault) -> list[AuditEvent]:
    with vault.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "print")))


def test_each_document_shows_only_the_choices_it_takes(page):
    rows = page._rows
    _choose_kind(page, "overdue")
    assert page.form.isRowVisible(rows["wing"])
    assert not page.form.isRowVisible(rows["patient"])
    assert not page.form.isRowVisible(rows["session"])
    _choose_kind(page, "transfer-summary")
    assert page.form.isRowVisible(rows["patient"])
    assert not page.form.isRowVisible(rows["wing"])
    _choose_kind(page, "unlock-list")
    assert page.form.isRowVisible(rows["session"])
    assert not page.form.isRowVisible(rows["month"])
    assert page.kind.count() == len(KINDS)


def test_find_a_patient_by_prison_number_and_save_the_summary(page, demo, qtbot, out, monkeypatch):
    patient_id = medicines_patient(demo)
    number = patient_row(demo, patient_id).prison_number
    dialog = Dialog(str(out / "handover"))  # no extension typed: .pdf is added
    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
    _choose_kind(page, "transfer-summary")
    qtbot.keyClicks(page.patient_text, number)
    qtbot.keyClick(page.patient_text, Qt.Key.Key_Return)
    assert page.patient.currentData() == patient_id
    assert number in page.patient.currentText()
    page.save.click()
    saved = out / "handover.pdf"
    assert saved.exists()
    assert sorted(p.name for p in out.iterdir()) == ["handover.pdf"]
    assert "Saved Transfer/release health summary" in page.message.text()
    assert "handover.pdf" in page.message.text()
    pdf = pdf_text(saved.read_bytes())
    assert all(number in text for text in pdf.pages)
    [event] = _prints(demo)
    assert event.patient_id == patient_id
    assert json.loads(event.detail)["kind"] == "transfer-summary"
    caption, start = dialog.asked[0]
    assert "Transfer/release health summary" in caption
    assert Path(start).name.startswith("transfer-summary-")
    assert number not in start


def test_unlock_list_for_a_chosen_session(page, demo, tmp_path, monkeypatch):
    session_id = planned_session(demo)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", Dialog(str(tmp_path / "unlock.pdf")))
    _choose_kind(page, "unlock-list")
    page.session.setCurrentIndex(page.session.findData(session_id))
    page.save.click()
    pdf = pdf_text((tmp_path / "unlock.pdf").read_bytes())
    for a in session_view(demo, session_id).appointments:
        assert a.prison_number in pdf.text
    assert "Officer unlock list" in pdf.text


def test_cancelling_the_dialog_writes_and_audits_nothing(page, demo, out, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", Dialog(""))
    _choose_kind(page, "overdue")
    page.save.click()
    assert list(out.iterdir()) == []
    assert _prints(demo) == []
    assert page.message.text() == ""


def test_a_missing_choice_is_said_inline_before_any_dialog(page, demo, monkeypatch):
    dialog = Dialog("/should/not/be/asked.pdf")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
    _choose_kind(page, "news2")
    page.save.click()
    assert "about one patient" in page.message.text()
    _choose_kind(page, "clinic-list")
    page.save.click()
    assert "one clinic session" in page.message.text()
    assert dialog.asked == []
    assert _prints(demo) == []


def test_a_folder_that_cannot_be_written_is_said_inline(page, demo, tmp_path, monkeypatch):
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", Dialog(str(tmp_path / "gone" / "overdue.pdf"))
    )
    _choose_kind(page, "overdue")
    page.save.click()
    assert "Could not save the PDF" in page.message.text()
    assert _prints(demo) == []


def test_matches_follow_the_privacy_switch(page, demo, qtbot, context):
    patient_id = medicines_patient(demo)
    row = patient_row(demo, patient_id)
    _choose_kind(page, "news2")
    qtbot.keyClicks(page.patient_text, row.prison_number)
    page.find_button.click()
    assert row.family_name.upper() in page.patient.currentText()
    context.privacy.set_masked(True)
    assert row.family_name.upper() not in page.patient.currentText()
    assert row.prison_number not in page.patient.currentText()
    assert page.patient.currentData() == patient_id
    page.clear()
    assert page.patient.count() == 0
    assert page.patient_text.text() == ""


def test_save_pdf_from_any_page_reports_in_the_status_bar(
    qtbot, context, demo, tmp_path, monkeypatch
):
    window = QMainWindow()
    qtbot.addWidget(window)
    button_page = QWidget()
    window.setCentralWidget(button_page)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", Dialog(str(tmp_path / "n.pdf")))
    patient_id = medicines_patient(demo)
    save_pdf(button_page, context, "medicines-on-release", patient_id=patient_id)
    assert (tmp_path / "n.pdf").exists()
    assert "Saved Medicines-on-release checklist" in window.statusBar().currentMessage()
    assert len(_prints(demo)) == 1
