"""Print / Save as PDF from the screens themselves: the document about what the screen shows,
written only where the user chose, with the print audited."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import select

from hjdesk.services import patients
from hjdesk.storage.models import AuditEvent
from hjdesk.ui.pages.patient_record import PatientRecordPage
from tests.gui.helpers_clinic import add_patients, open_clinic, page_context, show


def _save_to(monkeypatch, path: Path) -> list[str]:
    asked: list[str] = []

    def ask(_parent, title, *_args, **_kwargs):
        asked.append(title)
        return str(path), "PDF documents (*.pdf)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    return asked


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def _prints(vault) -> int:
    with vault.session() as session:
        return len(session.scalars(select(AuditEvent).where(AuditEvent.action == "print")).all())


def test_patient_record_prints_the_transfer_summary(qtbot, demo, tmp_path, monkeypatch):
    context = page_context(demo)
    page = PatientRecordPage(context)
    show(qtbot, page)
    someone = patients.caseload(demo)[7]
    page.open_target(someone.id)
    out = tmp_path / "summary.pdf"
    asked = _save_to(monkeypatch, out)
    before = _prints(demo)
    page.print_button.print_kind("transfer-summary")
    assert len(asked) == 1
    text = _text(out)
    assert someone.prison_number in text
    assert "Page 1 of" in text
    assert _prints(demo) == before + 1


def test_clinic_page_prints_the_officer_unlock_list(qtbot, demo, tmp_path, monkeypatch):
    context = page_context(demo)
    page = open_clinic(qtbot, context, wing="B", clinic_type="LTC_DIABETES")
    if not page.view.appointments:  # a diabetes clinic books the wing's diabetics
        add_patients(context, page, 5)
    out = tmp_path / "unlock.pdf"
    _save_to(monkeypatch, out)
    page.print_button.print_kind("unlock-list")
    text = _text(out)
    assert "Officer unlock list" in text
    assert page.view.appointments
    for appointment in page.view.appointments:
        assert appointment.prison_number in text
    assert "diabetes" not in text.lower()


def test_nothing_to_print_without_a_patient(qtbot, demo, tmp_path, monkeypatch):
    page = PatientRecordPage(page_context(demo))
    show(qtbot, page)
    asked = _save_to(monkeypatch, tmp_path / "x.pdf")
    page.print_button.print_kind("news2")
    assert asked == []
    assert not (tmp_path / "x.pdf").exists()
