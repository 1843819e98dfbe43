"""Driving the Wing clinics page and the encounter form through their real widgets, for their own
tests and the end-to-end test. Helpers type, press keys and pick as a user would; they read
services only to find test data or check what was stored.

    page = open_clinic(qtbot, context, wing="A", clinic_type="GENERAL_NURSE")
    record_outcome(qtbot, page, 0, Outcome.NOT_UNLOCKED, reason="Officers on movements")
    dialog = record_outcome(qtbot, page, 1, Outcome.ATTENDED)   # the encounter form opens
    fill_vitals(qtbot, dialog.form, resp_rate=16, spo2=97, systolic=120, pulse=70, temp="37.0")
    type_narrative(qtbot, dialog.form, "Well.")
    sign(qtbot, dialog.form)
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from hjdesk.clinical.attendance import Outcome
from hjdesk.services import clinics, patients
from hjdesk.services.clinics.views import AppointmentView, SessionView
from hjdesk.services.patients.caseload import PatientRow
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.context import PageContext
from hjdesk.ui.encounter import EncounterDialog, EncounterForm
from hjdesk.ui.pages.clinic_outcomes import OUTCOME_KEYS
from hjdesk.ui.pages.clinics import ClinicsPage
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.tasks import InlineRunner
from hjdesk.ui.widgets.fields import Combo

KEYS = {k.outcome: k.key for k in OUTCOME_KEYS}


def page_context(vault: OpenVault) -> PageContext:
    return PageContext(runner=InlineRunner(), privacy=PrivacyState(), vault=vault)


def show(qtbot: Any, widget: QWidget, size: tuple[int, int] = (1280, 800)) -> None:
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    # Focus follows the active window; offscreen windows must be activated to take it.
    with qtbot.waitActive(widget):
        widget.activateWindow()


def answer_questions(
    monkeypatch: pytest.MonkeyPatch, answer: QMessageBox.StandardButton
) -> list[str]:
    """Answer every QMessageBox.question with `answer`; returns the questions asked."""
    asked: list[str] = []

    def question(_parent: object, title: str, text: str, *args: object) -> object:
        asked.append(f"{title}: {text}")
        return answer

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def pick(combo: Combo, value: object) -> None:
    """Choose an entry by its value (a user picking from the list)."""
    index = combo.findData(value)
    assert index >= 0, f"{value!r} is not offered by {combo.accessibleName()}"
    combo.setCurrentIndex(index)


# --- the clinic runner ----------------------------------------------------------------------


def clinics_page(
    qtbot: Any, context: PageContext, size: tuple[int, int] = (1090, 720)
) -> ClinicsPage:
    page = ClinicsPage(context)
    show(qtbot, page, size)
    page.refresh()
    return page


def open_clinic(
    qtbot: Any,
    context: PageContext,
    *,
    wing: str = "A",
    clinic_type: str = "GENERAL_NURSE",
    period: str = "AM",
    officer: str = "Officer Hughes",
    page: ClinicsPage | None = None,
) -> ClinicsPage:
    """Plan a session through the page's New session panel; the page then shows its list."""
    page = page or clinics_page(qtbot, context)
    page.new_button.click()
    creator = page.creator
    pick(creator.clinic_type, clinic_type)
    pick(creator.period, period)
    creator.wings.clear()
    qtbot.keyClicks(creator.wings, wing)
    qtbot.keyClicks(creator.officer, officer)
    creator.create_button.click()
    assert page.view is not None, creator.message.text()
    return page


def add_patients(
    context: PageContext, page: ClinicsPage, count: int, reason: str = "Nurse review"
) -> None:
    """Book more people from the session's wing by hand (a general clinic starts empty)."""
    view = page.view
    assert view is not None
    assert context.vault is not None
    booked = {a.patient_id for a in view.appointments}
    wing = view.wings[0]
    people = [p for p in patients.caseload(context.vault) if p.wing == wing and p.id not in booked]
    for person in people[:count]:
        clinics.add_to_session(context.vault, view.id, person.id, reason)
    page.show_session(view.id)


def select_row(page: ClinicsPage, row: int) -> None:
    page.table.setFocus()
    page.table.setCurrentCell(row, 0)
    page.table.selectRow(row)


def record_outcome(
    qtbot: Any,
    page: ClinicsPage,
    row: int,
    outcome: Outcome,
    *,
    reason: str | None = None,
    risks_explained: bool | None = None,
    capacity_concern: bool | None = None,
    witness: str | None = None,
) -> EncounterDialog | None:
    """Press the outcome's key on row `row`, fill the details it asks for, and record it.
    Returns the encounter window a seen outcome opens."""
    select_row(page, row)
    qtbot.keyClick(page.table, KEYS[outcome])
    panel = page.outcomes
    if panel.currentWidget() is panel.details:
        if risks_explained is not None:
            pick(panel.risks, risks_explained)
        if capacity_concern is not None:
            pick(panel.capacity, capacity_concern)
        if witness:
            qtbot.keyClicks(panel.witness, witness)
        if reason:
            qtbot.keyClicks(panel.reason, reason)
        panel.record_button.click()
    dialog = page.dialog
    return dialog if dialog is not None and dialog.isVisible() else None


def stored_session(context: PageContext, page: ClinicsPage) -> SessionView:
    assert context.vault is not None
    assert page.view is not None
    return clinics.session_view(context.vault, page.view.id)


def row_of(page: ClinicsPage, appointment_id: str) -> int:
    assert page.view is not None
    return next(i for i, a in enumerate(page.view.appointments) if a.id == appointment_id)


def appointment(page: ClinicsPage, row: int) -> AppointmentView:
    assert page.view is not None
    return page.view.appointments[row]


# --- the encounter form ---------------------------------------------------------------------


def some_patient(vault: OpenVault, *, older: bool | None = None, index: int = 0) -> PatientRow:
    rows = [p for p in patients.caseload(vault) if older is None or p.older_prisoner == older]
    return rows[index]


def fill_vitals(
    qtbot: Any,
    form: EncounterForm,
    *,
    resp_rate: int,
    spo2: int,
    systolic: int,
    pulse: int,
    temp: str,
    consciousness: str = "A",
    oxygen: bool = False,
    scale: int = 1,
    diastolic: int | None = None,
) -> None:
    """Type a set of observations as a nurse would, top to bottom."""
    vitals = form.vitals
    for field, value in (
        (vitals.resp_rate, resp_rate),
        (vitals.spo2, spo2),
        (vitals.systolic, systolic),
        (vitals.pulse, pulse),
        (vitals.temperature, temp),
    ):
        field.clear()
        qtbot.keyClicks(field, str(value))
    if diastolic is not None:
        vitals.diastolic.clear()
        qtbot.keyClicks(vitals.diastolic, str(diastolic))
    pick(vitals.scale, scale)
    pick(vitals.oxygen, oxygen)
    pick(vitals.consciousness, consciousness)


def type_narrative(qtbot: Any, form: EncounterForm, text: str) -> None:
    qtbot.keyClicks(form.narrative.text, text)


def fill_escalation(qtbot: Any, form: EncounterForm, *, told: str, action: str) -> None:
    qtbot.keyClicks(form.escalation.to, told)
    qtbot.keyClicks(form.escalation.action, action)


def answer_items(section: Any, scores: list[int]) -> None:
    """PHQ-9 / GAD-7 answers, item by item."""
    for combo, score in zip(section.items, scores, strict=True):
        pick(combo, score)


def sign(qtbot: Any, form: EncounterForm) -> str | None:
    """Press Sign; the new encounter's id, or None (the reason is in `form.message`)."""
    signed: list[str] = []
    form.signed.connect(signed.append)
    qtbot.mouseClick(form.sign_button, Qt.MouseButton.LeftButton)
    return signed[0] if signed else None


def today() -> date:
    return date.today()
