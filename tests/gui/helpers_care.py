"""Driving the Care plans and ACCT pages through their real widgets, for page tests and the
end-to-end test. Every helper types, clicks and picks as a user would; none calls a service to
do the page's work (they may read services to check what happened)."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QComboBox, QLineEdit, QWidget
from sqlalchemy import select

from hjdesk.services import care_plans
from hjdesk.storage.models import Condition, Patient
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.care_plan.grid import GridPart
from hjdesk.ui.context import PageContext
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.tasks import InlineRunner


def page_context(vault: OpenVault) -> PageContext:
    return PageContext(runner=InlineRunner(), privacy=PrivacyState(), vault=vault)


def show(qtbot, widget: QWidget, size: tuple[int, int] = (1280, 800)) -> None:
    qtbot.addWidget(widget)
    widget.resize(*size)
    with qtbot.waitExposed(widget):
        widget.show()


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def diabetic_prison_number(vault: OpenVault) -> str:
    """A demo patient on the roll with diabetes and no care plan yet."""
    from hjdesk.storage.models import CarePlan

    with vault.session() as session:
        planned = select(CarePlan.patient_id)
        found = session.scalar(
            select(Patient.prison_number)
            .join(Condition, Condition.patient_id == Patient.id)
            .where(
                Condition.code == "DIABETES",
                Patient.on_roll.is_(True),
                Patient.id.not_in(planned),
            )
            .order_by(Patient.prison_number)
            .limit(1)
        )
    assert found is not None
    return found


def choose(combo: QComboBox, data: object) -> None:
    """Pick an entry by its value, as a user picking from the list would."""
    index = combo.findData(data)
    assert index >= 0, f"{data!r} is not offered"
    combo.setCurrentIndex(index)


# -- care plans ------------------------------------------------------------------------------


def start_new_plan(qtbot, page, prison_number: str, plan_type: str, condition: str | None):
    """Open "New plan…", find the patient, choose the template, create the draft."""
    qtbot.mouseClick(page.list.new_button, Qt.MouseButton.LeftButton)
    dialog = page.new_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.search, prison_number)
    qtbot.mouseClick(dialog.search_button, Qt.MouseButton.LeftButton)
    assert dialog.results.count() == 1, "the prison number finds exactly one person"
    for number in range(dialog.template.count()):
        choice = dialog.template.itemData(number)
        if choice.plan_type == plan_type and choice.condition == condition:
            dialog.template.setCurrentIndex(number)
            break
    else:
        raise AssertionError(f"no template offered for {plan_type} {condition}")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert page.stack.currentWidget() is page.editor
    assert page.editor.view is not None
    return page.editor.view


def _cell_editor(part: GridPart) -> QWidget:
    focus = QApplication.focusWidget()
    if focus is not None and part.table.isAncestorOf(focus):
        return focus
    editors = [
        w
        for w in part.table.viewport().findChildren(QWidget)
        if isinstance(w, QLineEdit | QComboBox) and w.isVisible()
    ]
    assert editors, "no cell editor is open"
    return editors[-1]


def type_grid_row(qtbot, part: GridPart, values: list[str]) -> None:
    """Add a row (Insert key) and type each cell, Tab between cells; a status cell takes the
    text of the status to pick ("" keeps the default)."""
    part.table.setFocus()
    qtbot.keyClick(part.table, Qt.Key.Key_Insert)
    for number, text in enumerate(values):
        editor = _cell_editor(part)
        if isinstance(editor, QComboBox):
            if text:
                editor.setCurrentIndex(editor.findText(text))
        else:
            qtbot.keyClicks(editor, text)
        last = number == len(values) - 1
        qtbot.keyClick(editor, Qt.Key.Key_Return if last else Qt.Key.Key_Tab)
    # Enter commits on the next turn of the event loop.
    qtbot.waitUntil(lambda: part.table.state() != QAbstractItemView.State.EditingState)


def fill_activation_fields(qtbot, page, review_due: date, involvement: str = "AGREED") -> None:
    form = page.editor.form
    page.editor.tabs.setCurrentIndex(0)
    form.review_due.clear()
    qtbot.keyClicks(form.review_due, dmy(review_due))
    choose(form.involvement, involvement)


def activate(qtbot, page) -> None:
    qtbot.mouseClick(page.editor.activate_button, Qt.MouseButton.LeftButton)


def create_and_activate_diabetes_plan(qtbot, page, prison_number: str) -> str:
    """New diabetes plan from its template for `prison_number`, one extra goal and action typed
    into the CAREMAP grid, review date and involvement recorded, activated. Returns the plan id;
    asserts the services hold it ACTIVE."""
    view = start_new_plan(qtbot, page, prison_number, "LTC", "DIABETES")
    page.editor.tabs.setCurrentIndex(1)
    target = dmy(date.today() + timedelta(days=60))
    type_grid_row(
        qtbot,
        page.editor.grid.goals,
        ["Weight", "Loses 3 kg", "Weight at each clinic", target, ""],
    )
    type_grid_row(
        qtbot,
        page.editor.grid.interventions,
        ["Dietitian referral", "Wing nurse", "Once", target, ""],
    )
    fill_activation_fields(qtbot, page, date.today() + timedelta(days=90))
    activate(qtbot, page)
    vault = page.context.require_vault()
    stored = care_plans.plan_view(vault, view.id)
    assert stored.status == "ACTIVE", page.editor.problem.text()
    return view.id


def record_continue_review(qtbot, page, outcome: str, next_due: date) -> None:
    """Record review…: who attended, outcome, continue with `next_due`, sign."""
    qtbot.mouseClick(page.editor.review_button, Qt.MouseButton.LeftButton)
    dialog = page.editor.review_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.attendees, "Patient, Alex Morgan RN")
    qtbot.keyClicks(dialog.outcome, outcome)
    dialog.continue_plan.setChecked(True)
    dialog.next_review.clear()
    qtbot.keyClicks(dialog.next_review, dmy(next_due))
    ok = dialog.buttons.buttons()[0]
    for button in dialog.buttons.buttons():
        if button.text() == "&Sign review":
            ok = button
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)


# -- ACCT ------------------------------------------------------------------------------------


def open_acct_from_list(qtbot, page, case_id: str) -> None:
    """Select the case's row in the open-ACCT list and press Enter."""
    model = page.list.model
    for row in range(model.rowCount()):
        if model.rows[row].case_id == case_id:
            page.list.table.setFocus()
            page.list.table.selectRow(row)
            qtbot.keyClick(page.list.table, Qt.Key.Key_Return)
            break
    else:
        raise AssertionError("that ACCT is not listed")
    assert page.stack.currentWidget() is page.detail
    assert page.detail.view is not None
    assert page.detail.view.id == case_id


def add_contribution(
    qtbot,
    page,
    event_id: str,
    contribution_type: str,
    summary: str,
    *,
    planned: bool = False,
) -> None:
    """On the open case: choose the event's row, the type, type the summary, sign and add."""
    detail = page.detail
    assert detail.choose_event(event_id), "the event is not on the open ACCT"
    form = detail.form
    choose(form.kind, contribution_type)
    form.summary.clear()
    if summary:
        qtbot.keyClicks(form.summary, summary)
    if form.planned.isChecked() != planned:
        qtbot.keyClick(form.planned, Qt.Key.Key_Space)
    qtbot.mouseClick(form.add_button, Qt.MouseButton.LeftButton)


def add_written_contribution(qtbot, page, event_id: str, summary: str) -> None:
    """A written contribution (counts as health input) to `event_id` on the open case."""
    add_contribution(qtbot, page, event_id, "WRITTEN_CONTRIBUTION", summary)
