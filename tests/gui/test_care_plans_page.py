"""The Care plans page on the demo vault, driven through its widgets (offscreen)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QMessageBox

from hjdesk.services import care_plans
from hjdesk.services.drafts import list_drafts
from hjdesk.storage.vault import Vault
from hjdesk.ui.pages.care_plans import CarePlansPage
from hjdesk.ui.theme import severity_colour
from hjdesk.ui.widgets.row_table import ROW_ROLE
from tests.conftest import PASSWORD
from tests.gui.helpers_care import (
    activate,
    choose,
    create_and_activate_diabetes_plan,
    diabetic_prison_number,
    dmy,
    fill_activation_fields,
    page_context,
    record_continue_review,
    show,
    start_new_plan,
    type_grid_row,
)


@pytest.fixture
def page(qtbot, demo, monkeypatch):
    def no_box(*args, **kwargs):
        raise AssertionError(f"unexpected message box: {args[2] if len(args) > 2 else args}")

    for name in ("warning", "information", "question", "critical"):
        monkeypatch.setattr(QMessageBox, name, no_box)
    page = CarePlansPage(page_context(demo))
    show(qtbot, page)
    page.refresh()
    return page


def _column(page, title: str) -> int:
    model = page.list.model
    return [c.title for c in model.columns].index(title)


def test_overdue_plans_are_red_and_say_overdue(page, demo):
    model = page.list.model
    status, due = _column(page, "Status"), _column(page, "Review due")
    overdue = {r.plan_id for r in care_plans.plans_list(demo) if r.overdue}
    assert overdue, "the demo has overdue plans"
    red = severity_colour("RED")
    shown_overdue = set()
    for row in range(model.rowCount()):
        plan = model.index(row, 0).data(ROW_ROLE)
        text = model.index(row, status).data()
        colour = model.index(row, status).data(Qt.ItemDataRole.ForegroundRole)
        if plan.plan_id in overdue:
            shown_overdue.add(plan.plan_id)
            assert text.startswith("OVERDUE by ")
            assert model.index(row, due).data(Qt.ItemDataRole.ForegroundRole).color() == red
            assert colour.color() == red
        else:
            assert "overdue" not in text.lower()
            assert colour is None or colour.color() != red
    assert shown_overdue == overdue
    # Overdue first, as the list promises.
    first = model.index(0, 0).data(ROW_ROLE)
    assert first.overdue
    assert page.list.count.text().endswith(f"{len(overdue)} overdue")


def test_filters_by_type_status_and_wing(page, demo):
    choose(page.list.plan_type, "MENTAL_HEALTH")
    assert {r.plan_type for r in page.list.shown_rows()} == {"MENTAL_HEALTH"}
    choose(page.list.wing, "A")
    assert page.list.shown_rows()
    assert {r.wing for r in page.list.shown_rows()} == {"A"}
    choose(page.list.plan_type, "__all__")
    choose(page.list.wing, "__all__")
    choose(page.list.status, "DRAFT")
    drafts = {r.plan_id for r in care_plans.plans_list(demo, status="DRAFT")}
    assert {r.plan_id for r in page.list.shown_rows()} == drafts


def test_privacy_switch_masks_names_in_the_list(page):
    model = page.list.model
    row = model.index(0, 0).data(ROW_ROLE)
    assert model.index(0, 0).data() == row.display_name
    page.context.privacy.set_masked(True)
    assert model.index(0, 0).data() != row.display_name
    assert model.index(0, 1).data().endswith(row.prison_number[-2:])
    assert row.prison_number not in model.index(0, 1).data()


def test_diabetes_plan_from_template_refuses_activation_until_complete(qtbot, page, demo):
    number = diabetic_prison_number(demo)
    view = start_new_plan(qtbot, page, number, "LTC", "DIABETES")
    editor = page.editor
    assert view.title == "Diabetes care plan"
    assert view.status == "DRAFT"
    # The diabetes template's CAREMAP rows are in the grid.
    goals = editor.grid.goals.model
    issues = [goals.index(r, 0).data() for r in range(goals.rowCount())]
    assert "Blood glucose control" in issues
    assert "Foot health" in issues
    assert editor.grid.interventions.model.rowCount() == 5

    # Fill the grid from the keyboard: a new goal and a new action.
    editor.tabs.setCurrentIndex(1)
    target = dmy(date.today() + timedelta(days=30))
    type_grid_row(qtbot, editor.grid.goals, ["Weight", "Loses 3 kg", "Weight", target, ""])
    type_grid_row(
        qtbot, editor.grid.interventions, ["Dietitian referral", "Wing nurse", "Once", target, ""]
    )
    assert goals.rowCount() == 4

    # Activate without a review date or patient involvement: told what is missing, not active.
    activate(qtbot, page)
    message = editor.problem.text()
    assert editor.problem.isVisible()
    assert "cannot be activated" in message
    assert "Set a review date." in message
    assert "Record the patient's involvement" in message
    assert "Traceback" not in message
    stored = care_plans.plan_view(demo, view.id)
    assert stored.status == "DRAFT"
    # The grid rows typed were saved on the way (activation saves first).
    assert "Weight" in [g.issue for g in stored.goals]
    assert "Dietitian referral" in [i.action for i in stored.interventions]
    new_goal = next(g for g in stored.goals if g.issue == "Weight")
    assert new_goal.target_date == date.today() + timedelta(days=30)

    fill_activation_fields(qtbot, page, date.today() + timedelta(days=90))
    activate(qtbot, page)
    stored = care_plans.plan_view(demo, view.id)
    assert stored.status == "ACTIVE"
    assert stored.patient_involvement == "AGREED"
    assert stored.review_due == date.today() + timedelta(days=90)
    assert not editor.problem.isVisible()
    assert editor.status.text().startswith("Active")
    # A live plan's review date moves only by a review: the field is read-only now.
    assert editor.form.review_due.isReadOnly()
    assert not editor.form.condition.isEnabled()
    assert not editor.activate_button.isVisible()


def test_helper_creates_active_plan_listed_on_the_page(qtbot, page, demo):
    number = diabetic_prison_number(demo)
    plan_id = create_and_activate_diabetes_plan(qtbot, page, number)
    qtbot.mouseClick(page.editor.back_button, Qt.MouseButton.LeftButton)
    assert page.stack.currentWidget() is page.list
    assert page.list.select_plan(plan_id)


def test_record_review_and_close(qtbot, page, demo):
    plan_id = create_and_activate_diabetes_plan(qtbot, page, diabetic_prison_number(demo))
    next_due = date.today() + timedelta(days=120)
    record_continue_review(qtbot, page, "HbA1c improving; feet checked", next_due)
    stored = care_plans.plan_view(demo, plan_id)
    assert [r.outcome for r in stored.reviews] == ["HbA1c improving; feet checked"]
    assert stored.reviews[0].decision == "CONTINUE"
    assert stored.review_due == next_due
    assert page.editor.review_dialog is None  # signed and closed
    assert page.editor.reviews.rowCount() == 1

    # A review with no outcome is refused in the dialog, which stays open.
    qtbot.mouseClick(page.editor.review_button, Qt.MouseButton.LeftButton)
    dialog = page.editor.review_dialog
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "Record the outcome of the review." in dialog.problem.text()
    dialog.reject()
    assert len(care_plans.plan_view(demo, plan_id).reviews) == 1

    # Close the plan: everything becomes read-only.
    qtbot.mouseClick(page.editor.close_button, Qt.MouseButton.LeftButton)
    closing = page.editor.close_dialog
    choose(closing.reason, "TRANSFERRED")
    qtbot.mouseClick(closing.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    stored = care_plans.plan_view(demo, plan_id)
    assert stored.status == "CLOSED"
    assert stored.closed_reason == "TRANSFERRED"
    assert page.editor.form.title.isReadOnly()
    assert page.editor.grid.goals.model.read_only
    index = page.editor.grid.goals.model.index(0, 0)
    assert not page.editor.grid.goals.model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert not page.editor.save_button.isEnabled()
    assert not page.editor.close_button.isVisible()


def test_a_review_marked_entered_in_error_puts_the_plan_back_to_due(qtbot, page, demo):
    plan_id = create_and_activate_diabetes_plan(qtbot, page, diabetic_prison_number(demo))
    before = care_plans.plan_view(demo, plan_id).review_due
    record_continue_review(qtbot, page, "Recorded on the wrong plan", before + timedelta(days=90))
    assert care_plans.plan_view(demo, plan_id).review_due == before + timedelta(days=90)
    editor = page.editor
    assert not editor.withdraw_review_button.isEnabled()
    editor.review_table.selectRow(0)
    assert editor.withdraw_review_button.isEnabled()
    editor.withdraw_review_button.click()
    dialog = editor.lifecycle.withdraw_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.reason, "Belongs to another patient's plan")
    dialog.ok.click()
    stored = care_plans.plan_view(demo, plan_id)
    assert stored.reviews == ()
    assert stored.review_due == date.today()  # due again from the day of the withdrawn review
    assert editor.reviews.rowCount() == 0
    assert "entered in error" in editor.notice.text()


def test_a_review_amended_from_the_editor_moves_the_next_review(qtbot, page, demo):
    plan_id = create_and_activate_diabetes_plan(qtbot, page, diabetic_prison_number(demo))
    first_due = date.today() + timedelta(days=90)
    record_continue_review(qtbot, page, "Typed into the wrong box", first_due)
    editor = page.editor
    assert not editor.amend_review_button.isEnabled()
    editor.review_table.selectRow(0)
    assert editor.amend_review_button.isEnabled()
    qtbot.mouseClick(editor.amend_review_button, Qt.MouseButton.LeftButton)
    dialog = editor.lifecycle.amend_dialog
    assert dialog is not None
    assert dialog.outcome.toPlainText() == "Typed into the wrong box"
    qtbot.keyClicks(dialog.reason, "Outcome and next review agreed differently")
    dialog.next_review.setText("31/02/2030")
    dialog.sign_button.click()
    assert dialog.problem.isVisible()  # a bad date is a message, not a save
    sooner = date.today() + timedelta(days=28)
    dialog.outcome.setPlainText("HbA1c improving; feet checked")
    dialog.next_review.setText(sooner.strftime("%d/%m/%Y"))
    dialog.sign_button.click()
    assert editor.lifecycle.amend_dialog is None, dialog.problem.text()
    stored = care_plans.plan_view(demo, plan_id)
    (review,) = stored.reviews
    assert (review.outcome, review.next_review_due) == ("HbA1c improving; feet checked", sooner)
    assert review.replaced is not None
    assert review.replaced.startswith("Typed into the wrong box")
    assert stored.review_due == sooner
    column = [c.title for c in editor.reviews.columns].index("Correction")
    assert editor.reviews.index(0, column).data() == (
        "Corrected: Outcome and next review agreed differently"
    )
    assert "amended" in editor.notice.text()


def test_a_withdrawal_being_typed_survives_a_lock_and_cancel_discards_it(qtbot, page, demo):
    plan_id = create_and_activate_diabetes_plan(qtbot, page, diabetic_prison_number(demo))
    record_continue_review(qtbot, page, "Recorded on the wrong plan", date.today() + timedelta(90))
    editor = page.editor
    editor.review_table.selectRow(0)
    editor.withdraw_review_button.click()
    dialog = editor.lifecycle.withdraw_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.reason, "Belongs to another patient's plan")
    dialog.close_for_lock()
    assert editor.lifecycle.withdraw_dialog is None
    assert len(list_drafts(demo, form="withdraw_care_plan_review")) == 1
    editor.review_table.selectRow(0)
    editor.withdraw_review_button.click()
    again = editor.lifecycle.withdraw_dialog
    assert again is not None
    assert again.reason.text() == "Belongs to another patient's plan"
    again.reject()  # cancelled: the kept typing goes too
    assert list_drafts(demo, form="withdraw_care_plan_review") == ()
    assert len(care_plans.plan_view(demo, plan_id).reviews) == 1  # nothing was signed


def test_a_hca_sees_the_reviews_but_cannot_correct_them(qtbot, demo_home, monkeypatch):
    nurse = Vault(demo_home).unlock("nurse", PASSWORD)
    try:
        nurse_page = CarePlansPage(page_context(nurse))
        show(qtbot, nurse_page)
        nurse_page.on_shown()
        plan_id = create_and_activate_diabetes_plan(
            qtbot, nurse_page, diabetic_prison_number(nurse)
        )
        record_continue_review(qtbot, nurse_page, "Settled", date.today() + timedelta(days=90))
    finally:
        nurse.lock()
    hca = Vault(demo_home).unlock("hca", PASSWORD)
    try:
        page = CarePlansPage(page_context(hca))
        show(qtbot, page)
        page.on_shown()
        page.open_target(plan_id)
        page.editor.review_table.selectRow(0)
        assert page.editor.reviews.rowCount() == 1
        assert not page.editor.amend_review_button.isEnabled()
        assert not page.editor.withdraw_review_button.isEnabled()
    finally:
        hca.lock()


def test_bad_date_in_the_form_is_a_message_not_a_save(qtbot, page, demo):
    view = start_new_plan(qtbot, page, diabetic_prison_number(demo), "LTC", "DIABETES")
    form = page.editor.form
    qtbot.keyClicks(form.review_due, "next tuesday")
    qtbot.mouseClick(page.editor.save_button, Qt.MouseButton.LeftButton)
    assert "Write the review date as DD/MM/YYYY" in page.editor.problem.text()
    assert care_plans.plan_view(demo, view.id).review_due is None


def test_grid_edit_to_an_existing_row_is_saved(qtbot, page, demo):
    view = start_new_plan(qtbot, page, diabetic_prison_number(demo), "LTC", "DIABETES")
    page.editor.tabs.setCurrentIndex(1)
    goals = page.editor.grid.goals
    status_col = [f.name for f in goals.model.spec.fields].index("status")
    index = goals.model.index(0, status_col)
    goals.table.setFocus()
    goals.table.setCurrentIndex(index)
    qtbot.keyClick(goals.table, Qt.Key.Key_F2)
    combo = QApplication.focusWidget()
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findText("In progress"))
    qtbot.keyClick(combo, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: goals.model.index(0, status_col).data() == "In progress")
    assert goals.model.headerData(0, Qt.Orientation.Vertical) == "edited"
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    goals.table.setFocus()
    qtbot.keyClick(goals.table, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    stored = care_plans.plan_view(demo, view.id)
    assert stored.goals[0].status == "IN_PROGRESS", page.editor.problem.text()
    assert not page.editor.dirty()


def test_unsaved_edits_survive_a_lock_as_a_draft(qtbot, page, demo, demo_home):
    view = start_new_plan(qtbot, page, diabetic_prison_number(demo), "LTC", "DIABETES")
    page.editor.tabs.setCurrentIndex(1)
    type_grid_row(qtbot, page.editor.grid.goals, ["Sleep", "Sleeps 6 hours", "", "", ""])
    qtbot.keyClicks(page.editor.form.shared_with, "GP")
    assert page.editor.dirty()

    page.save_drafts()  # the workspace calls this just before locking
    page.clear()
    demo.lock()
    assert page.editor.view is None
    assert page.stack.currentWidget() is page.list

    reopened = Vault(demo_home).unlock("nurse", PASSWORD)
    page.context.vault = reopened
    page.set_vault(reopened)
    try:
        assert page.stack.currentWidget() is page.editor
        assert page.editor.plan_id == view.id
        goals = page.editor.grid.goals.model
        assert goals.index(goals.rowCount() - 1, 0).data() == "Sleep"
        assert page.editor.form.shared_with.text() == "GP"
        assert "unsaved changes from before the laptop locked" in page.editor.notice.text()
        qtbot.mouseClick(page.editor.save_button, Qt.MouseButton.LeftButton)
        stored = care_plans.plan_view(reopened, view.id)
        assert "Sleep" in [g.issue for g in stored.goals]
        assert stored.shared_with == ("GP",)
        from hjdesk.services.drafts import list_drafts

        assert list_drafts(reopened, form="care_plan") == ()
    finally:
        reopened.lock()


def _relock(page, demo, demo_home):
    """What the shell does at a lock and the next unlock (the same user)."""
    page.clear()
    demo.lock()
    reopened = Vault(demo_home).unlock("nurse", PASSWORD)
    page.context.vault = reopened
    page.set_vault(reopened)
    return reopened


def test_review_close_and_new_plan_dialogs_survive_a_lock(qtbot, page, demo, demo_home):
    plan_id = create_and_activate_diabetes_plan(qtbot, page, diabetic_prison_number(demo))
    qtbot.mouseClick(page.editor.review_button, Qt.MouseButton.LeftButton)
    dialog = page.editor.review_dialog
    qtbot.keyClicks(dialog.attendees, "Patient, Alex Morgan RN")
    qtbot.keyClicks(dialog.outcome, "Feet checked; HbA1c falling")
    reopen = dialog.close_for_lock()  # the shell, locking
    assert not dialog.isVisible()
    reopened = _relock(page, demo, demo_home)
    try:
        assert "Feet checked" not in page.editor.form.title.text()  # nothing held while locked
        reopen()  # the shell, after the unlock
        again = page.editor.review_dialog
        assert again is not None
        assert again is not dialog
        assert page.editor.plan_id == plan_id
        assert again.attendees.text() == "Patient, Alex Morgan RN"
        assert again.outcome.toPlainText() == "Feet checked; HbA1c falling"
        assert "before the laptop locked is back" in again.problem.text()
        again.next_review.clear()
        qtbot.keyClicks(again.next_review, dmy(date.today() + timedelta(days=100)))
        qtbot.mouseClick(again.buttons.buttons()[0], Qt.MouseButton.LeftButton)
        stored = care_plans.plan_view(reopened, plan_id)
        assert [r.outcome for r in stored.reviews] == ["Feet checked; HbA1c falling"]
        from hjdesk.services.drafts import list_drafts

        assert list_drafts(reopened, form="care_plan_review") == ()

        # The close dialog keeps its reason the same way.
        qtbot.mouseClick(page.editor.close_button, Qt.MouseButton.LeftButton)
        closing = page.editor.close_dialog
        choose(closing.reason, "TRANSFERRED")
        reopen = closing.close_for_lock()
        demo = reopened
        reopened = _relock(page, demo, demo_home)
        reopen()
        assert page.editor.close_dialog.reason.currentData() == "TRANSFERRED"
        page.editor.close_dialog.reject()  # cancelled: the draft goes
        assert list_drafts(reopened, form="care_plan_close") == ()

        # And the new-plan dialog its search and template.
        page.start_new_plan()
        new = page.new_dialog
        qtbot.keyClicks(new.search, "Zz")
        new.template.setCurrentIndex(2)
        reopen = new.close_for_lock()
        demo = reopened
        reopened = _relock(page, demo, demo_home)
        reopen()
        assert page.new_dialog.search.text() == "Zz"
        assert page.new_dialog.template.currentIndex() == 2
        page.new_dialog.reject()
    finally:
        reopened.lock()


def test_open_target_opens_the_plan_and_hca_cannot_activate(qtbot, demo_home):
    hca = Vault(demo_home).unlock("hca", PASSWORD)
    try:
        page = CarePlansPage(page_context(hca))
        show(qtbot, page)
        page.refresh()
        draft = next(r for r in page.list.shown_rows() if r.display_status == "DRAFT")
        page.open_target(draft.plan_id)
        assert page.editor.plan_id == draft.plan_id
        assert page.editor.activate_button.isVisible()
        assert not page.editor.activate_button.isEnabled()
        assert "registered clinician" in page.editor.activate_button.toolTip()
    finally:
        hca.lock()


def test_models_pass_the_qt_model_tester(qtbot, qtmodeltester, page, demo):
    qtmodeltester.check(page.list.model)
    start_new_plan(qtbot, page, diabetic_prison_number(demo), "LTC", "DIABETES")
    qtmodeltester.check(page.editor.grid.goals.model)
    qtmodeltester.check(page.editor.grid.interventions.model)


def test_a_refused_row_keeps_its_edits_and_the_rest_is_saved(qtbot, page, demo):
    view = start_new_plan(qtbot, page, diabetic_prison_number(demo), "LTC", "DIABETES")
    editor = page.editor
    qtbot.keyClicks(editor.form.shared_with, "GP, podiatry")
    editor.tabs.setCurrentIndex(1)
    type_grid_row(qtbot, editor.grid.goals, ["Mood", "", "", "", ""])  # no goal written
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert "The goal cannot be blank." in editor.problem.text()
    stored = care_plans.plan_view(demo, view.id)
    assert stored.shared_with == ("GP", "podiatry")  # the plan's own fields were written
    assert "Mood" not in [g.issue for g in stored.goals]
    goals = editor.grid.goals.model
    last = goals.rowCount() - 1
    assert goals.index(last, 0).data() == "Mood"  # still on screen, still to save
    assert goals.headerData(last, Qt.Orientation.Vertical) == "new"

    goals.setData(goals.index(last, 1), "Talks to someone when low")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert not editor.problem.isVisible()
    stored = care_plans.plan_view(demo, view.id)
    assert "Talks to someone when low" in [g.goal for g in stored.goals]
    assert not editor.dirty()


def test_opening_another_plan_never_drops_unsaved_edits(qtbot, page, demo):
    view = start_new_plan(qtbot, page, diabetic_prison_number(demo), "LTC", "DIABETES")
    qtbot.keyClicks(page.editor.form.shared_with, "GP")
    other = next(r for r in page.list.shown_rows() if r.plan_id != view.id)
    page.open_target(other.plan_id)
    assert page.editor.plan_id == view.id
    assert page.editor.form.shared_with.text() == "GP"
    assert "unsaved changes" in page.editor.problem.text()
    qtbot.mouseClick(page.editor.back_button, Qt.MouseButton.LeftButton)
    assert page.stack.currentWidget() is page.editor  # refused too, with the same care


def test_the_list_refuses_early_only_roles_it_never_answers(page):
    # RowTableModel.data refuses a role outside `roles` before any lookup: same answers as
    # without it, for every cell and role (the list's colours, bold and tooltips included).
    model = page.list.model
    assert model.rowCount() > 0
    every_role = range(Qt.ItemDataRole.UserRole + 10)
    cells = [
        model.index(row, column)
        for row in range(model.rowCount())
        for column in range(model.columnCount())
    ]
    fast = [[model.data(cell, role) for role in every_role] for cell in cells]
    model.roles = frozenset(every_role)
    slow = [[model.data(cell, role) for role in every_role] for cell in cells]
    assert fast == slow
