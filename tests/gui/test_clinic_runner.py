"""The Wing clinics page, driven from the keyboard on the demo vault: choosing and planning a
session, the list with its alerts, every outcome (with the details some need), the encounter a
seen outcome opens, and closing the session — checked in the vault through the services."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from hjdesk.clinical.attendance import Attribution, ClinicType, Outcome, attribution, is_seen
from hjdesk.services import clinics, encounters
from hjdesk.services.encounters.forms import EncounterKind
from hjdesk.ui.pages.clinic_outcomes import OUTCOME_KEYS
from tests.gui.helpers_clinic import (
    add_patients,
    answer_questions,
    appointment,
    clinics_page,
    fill_vitals,
    open_clinic,
    page_context,
    pick,
    record_outcome,
    select_row,
    sign,
    stored_session,
    today,
    type_narrative,
)

REASON = "Officers tied up with movements"


def _todays(vault, clinic_type):
    return next(
        s for s in clinics.list_sessions(vault, date=today()) if s.clinic_type is clinic_type
    )


def test_todays_sessions_are_listed_and_open_target_shows_one(qtbot, demo):
    context = page_context(demo)
    page = clinics_page(qtbot, context)
    labels = [page.sessions.itemText(i) for i in range(page.sessions.count())]
    assert any(label.startswith("Diabetes reviews") for label in labels)
    assert any(label.startswith("General nurse clinic") for label in labels)
    target = _todays(demo, ClinicType.GENERAL_NURSE)
    page.open_target(target.id)
    assert page.view is not None
    assert page.view.id == target.id
    assert page.sessions.currentData() == target.id
    assert page.table.rowCount() == target.appointments
    assert page.header.text().startswith("General nurse clinic")
    assert page.table.hasFocus()


def test_the_list_shows_location_reason_and_alerts_in_words(qtbot, demo):
    context = page_context(demo)
    page = open_clinic(qtbot, context, wing="B", clinic_type="OLDER_PRISONER")
    view = page.view
    assert view is not None
    assert len(view.appointments) > 5
    assert all(a.older_prisoner for a in view.appointments)
    for row, a in enumerate(view.appointments):
        assert page.table.item(row, 1).text() == a.location
        assert page.table.item(row, 2).text() == a.name
        assert page.table.item(row, 5).text() == a.reason
        alerts = page.table.item(row, 4).text()
        assert "50+" in alerts
        if "PEEP" in a.alerts:
            assert "PEEP" in alerts
        if "HA" in a.alerts:
            assert "ACCT" in alerts
            assert "ACCT open" in page.table.item(row, 4).toolTip()
            assert not page.table.item(row, 4).icon().isNull()
    # Locations come in unlock order.
    locations = [a.location for a in view.appointments]
    assert locations == sorted(locations)


def test_acct_alert_is_shown_for_a_patient_with_one(qtbot, demo):
    context = page_context(demo)
    with_acct = next(p for p in clinics_patients(demo) if "HA" in p.alerts)
    page = open_clinic(qtbot, context, wing=with_acct.wing, clinic_type="GENERAL_NURSE")
    clinics.add_to_session(demo, page.view.id, with_acct.id, "Wound check")
    page.show_session(page.view.id)
    row = next(i for i, a in enumerate(page.view.appointments) if a.patient_id == with_acct.id)
    assert page.table.item(row, 4).text().startswith("ACCT")


def clinics_patients(vault):
    from hjdesk.services import patients

    return patients.caseload(vault)


def test_the_privacy_switch_masks_names_and_numbers(qtbot, demo):
    context = page_context(demo)
    page = clinics_page(qtbot, context)
    page.open_target(_todays(demo, ClinicType.LTC_DIABETES).id)
    first = page.view.appointments[0]
    assert page.table.item(0, 2).text() == first.name
    context.privacy.set_masked(True)
    assert page.table.item(0, 2).text() != first.name
    assert first.prison_number not in page.table.item(0, 3).text()
    context.privacy.set_masked(False)
    assert page.table.item(0, 3).text() == first.prison_number


def test_planning_a_session_checks_the_wing(qtbot, demo):
    context = page_context(demo)
    page = clinics_page(qtbot, context)
    before = len(clinics.list_sessions(demo))
    page.new_button.click()
    pick(page.creator.clinic_type, "LTC_HYPERTENSION")
    pick(page.creator.period, "PM")
    qtbot.keyClicks(page.creator.wings, "Z")
    page.creator.create_button.click()
    assert "There is no wing or landing Z in this establishment." in page.creator.message.text()
    assert len(clinics.list_sessions(demo)) == before
    page.creator.wings.clear()
    page.creator.create_button.click()
    assert page.creator.message.text() == "Choose a wing."
    qtbot.keyClicks(page.creator.wings, "c, d")
    page.creator.create_button.click()
    assert page.view is not None
    assert page.view.wings == ("C", "D")
    assert page.view.clinic_type is ClinicType.LTC_HYPERTENSION
    assert len(clinics.list_sessions(demo)) == before + 1
    assert page.bottom.currentWidget() is page.outcomes
    assert page.sessions.currentData() == page.view.id


def test_every_outcome_can_be_recorded_from_the_keyboard(qtbot, demo):
    context = page_context(demo)
    page = open_clinic(qtbot, context, wing="A", clinic_type="GENERAL_NURSE")
    add_patients(context, page, len(OUTCOME_KEYS))
    assert page.table.rowCount() == len(OUTCOME_KEYS)
    for row, item in enumerate(OUTCOME_KEYS):
        outcome = item.outcome
        dialog = record_outcome(
            qtbot,
            page,
            row,
            outcome,
            reason=REASON if attribution(outcome) is Attribution.PRISON else None,
            risks_explained=True,
            capacity_concern=False,
            witness="Officer Begum",
        )
        assert (dialog is not None) is is_seen(outcome)
        if dialog is not None:
            dialog.form.close_button.click()  # nothing typed: closes without asking
        assert page.table.currentRow() == min(row + 1, len(OUTCOME_KEYS) - 1)
        assert page.table.item(row, 6).text().startswith(item.label)
    stored = {a.id: a for a in stored_session(context, page).appointments}
    for row, item in enumerate(OUTCOME_KEYS):
        saved = stored[appointment(page, row).id]
        assert saved.outcome is item.outcome
        if item.outcome is Outcome.REFUSED:
            assert (saved.risks_explained, saved.capacity_concern, saved.witness_name) == (
                True,
                False,
                "Officer Begum",
            )
        if attribution(item.outcome) is Attribution.PRISON:
            assert saved.outcome_reason == REASON
            assert saved.rebook_required
    assert stored_session(context, page).status.value == "IN_PROGRESS"


def test_refused_needs_its_three_answers(qtbot, demo):
    context = page_context(demo)
    page = clinics_page(qtbot, context)
    page.open_target(_todays(demo, ClinicType.LTC_DIABETES).id)
    select_row(page, 2)
    qtbot.keyClick(page.table, "4")
    panel = page.outcomes
    assert panel.currentWidget() is panel.details
    assert panel.risks.hasFocus()
    panel.record_button.click()
    message = panel.message.text()
    assert "Record whether the risks of refusing were explained (yes or no)." in message
    assert "Record whether there is a concern about capacity (yes or no)." in message
    assert "Record the name of the witness to the refusal." in message
    pick(panel.risks, False)
    pick(panel.capacity, True)
    panel.record_button.click()
    assert panel.message.text() == "Record the name of the witness to the refusal."
    assert stored_session(context, page).appointments[2].outcome is None
    qtbot.keyClicks(panel.witness, "Officer Kaur")
    qtbot.keyClick(panel.witness, Qt.Key.Key_Return)
    saved = stored_session(context, page).appointments[2]
    assert saved.outcome is Outcome.REFUSED
    assert (saved.risks_explained, saved.capacity_concern, saved.witness_name) == (
        False,
        True,
        "Officer Kaur",
    )
    assert page.table.currentRow() == 3
    assert panel.currentWidget() is panel.legend


def test_not_unlocked_needs_a_reason_and_escape_cancels(qtbot, demo):
    context = page_context(demo)
    page = clinics_page(qtbot, context)
    page.open_target(_todays(demo, ClinicType.LTC_DIABETES).id)
    select_row(page, 0)
    qtbot.keyClick(page.table, "6")
    panel = page.outcomes
    assert panel.reason.hasFocus()
    qtbot.keyClick(panel.reason, Qt.Key.Key_Return)
    assert "Give the reason the prison could not bring the patient" in panel.message.text()
    assert stored_session(context, page).appointments[0].outcome is None
    qtbot.keyClick(panel.reason, Qt.Key.Key_Escape)
    assert panel.currentWidget() is panel.legend
    assert stored_session(context, page).appointments[0].outcome is None
    record_outcome(qtbot, page, 0, Outcome.NOT_UNLOCKED, reason=REASON)
    saved = stored_session(context, page).appointments[0]
    assert (saved.outcome, saved.outcome_reason, saved.rebook_required) == (
        Outcome.NOT_UNLOCKED,
        REASON,
        True,
    )
    assert page.table.item(0, 6).text() == "Not unlocked (prison) — rebook: " + REASON


def test_deceased_must_be_confirmed(qtbot, demo):
    context = page_context(demo)
    page = clinics_page(qtbot, context)
    page.open_target(_todays(demo, ClinicType.GENERAL_NURSE).id)
    select_row(page, 0)
    qtbot.keyClick(page.table, "x")
    assert page.outcomes.currentWidget() is page.outcomes.details
    assert "Press Record to confirm" in page.outcomes.title.text()
    page.outcomes.cancel_button.click()
    assert stored_session(context, page).appointments[0].outcome is None


def test_changing_an_outcome_asks_first(qtbot, demo, monkeypatch):
    context = page_context(demo)
    page = clinics_page(qtbot, context)
    page.open_target(_todays(demo, ClinicType.GENERAL_NURSE).id)
    record_outcome(qtbot, page, 0, Outcome.AT_COURT)
    asked = answer_questions(monkeypatch, QMessageBox.StandardButton.No)
    record_outcome(qtbot, page, 0, Outcome.AT_WORK_EDUCATION)
    assert len(asked) == 1
    assert "already recorded as At court" in asked[0]
    assert stored_session(context, page).appointments[0].outcome is Outcome.AT_COURT
    answer_questions(monkeypatch, QMessageBox.StandardButton.Yes)
    record_outcome(qtbot, page, 0, Outcome.AT_WORK_EDUCATION)
    assert stored_session(context, page).appointments[0].outcome is Outcome.AT_WORK_EDUCATION


def test_seen_opens_the_review_and_the_row_shows_it_signed(qtbot, demo):
    context = page_context(demo)
    page = clinics_page(qtbot, context)
    page.open_target(_todays(demo, ClinicType.LTC_DIABETES).id)
    dialog = record_outcome(qtbot, page, 1, Outcome.ATTENDED)
    assert dialog is not None
    form = dialog.form
    assert form.kind is EncounterKind.LTC_REVIEW
    assert form.appointment_id == appointment(page, 1).id
    assert form.sections["ltc"].condition.value() == "DIABETES"
    assert form.basics.place.text() == "Wing treatment room"
    assert "note not signed yet" in page.table.item(1, 6).text()
    qtbot.keyClicks(form.sections["ltc"].pages["DIABETES"].numbers["HBA1C"], "51")
    fill_vitals(qtbot, form, resp_rate=16, spo2=97, systolic=128, pulse=72, temp="36.9")
    type_narrative(qtbot, form, "Diabetes review on the wing.")
    encounter_id = sign(qtbot, form)
    assert encounter_id is not None, form.message.text()
    assert not dialog.isVisible()
    assert page.table.item(1, 6).text() == "Attended (seen) — note signed"
    stored = encounters.encounter_history(demo, encounter_id).current
    assert stored.appointment_id == appointment(page, 1).id
    assert stored.kind is EncounterKind.LTC_REVIEW
    assert stored.ltc_condition == "DIABETES"
    assert stored_session(context, page).appointments[1].encounter_id == encounter_id
    assert page.table.currentRow() == 2  # ready for the next patient
    select_row(page, 1)
    qtbot.keyClick(page.table, "1")
    assert "The note for this appointment is signed" in page.message.text()
    assert not page.dialog.isVisible()


def test_a_closed_form_can_be_reopened_from_its_row_with_enter(qtbot, demo, monkeypatch):
    context = page_context(demo)
    page = clinics_page(qtbot, context)
    page.open_target(_todays(demo, ClinicType.GENERAL_NURSE).id)
    dialog = record_outcome(qtbot, page, 0, Outcome.SEEN_AT_CELL_DOOR)
    assert dialog is not None
    assert dialog.form.kind is EncounterKind.CELL_DOOR
    assert dialog.form.basics.place.text().startswith("Cell door ")
    qtbot.waitUntil(lambda: dialog.form.vitals.resp_rate.hasFocus())
    type_narrative(qtbot, dialog.form, "Started")
    answer_questions(monkeypatch, QMessageBox.StandardButton.Save)
    dialog.reject()
    assert not dialog.isVisible()
    select_row(page, 0)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    again = page.dialog
    assert again is not None
    assert again is not dialog
    assert again.isVisible()
    assert again.form.narrative.narrative() == "Started"


def test_closing_needs_every_outcome_or_one_for_those_left(qtbot, demo):
    context = page_context(demo)
    page = clinics_page(qtbot, context)
    page.open_target(_todays(demo, ClinicType.LTC_DIABETES).id)
    record_outcome(qtbot, page, 0, Outcome.AT_COURT)
    page.close_button.click()
    assert page.bottom.currentWidget() is page.closer
    page.closer.close_button.click()
    assert "7 appointment(s) have no outcome yet" in page.closer.message.text()
    assert page.table.currentRow() == 1
    assert stored_session(context, page).status.value == "IN_PROGRESS"
    # Only what the prison or healthcare caused can be recorded for everyone still waiting: never
    # "did not attend (patient chose)" or a person's court date in one step.
    offered = {page.closer.remaining.itemData(i) for i in range(page.closer.remaining.count())}
    assert "DNA_PATIENT_CHOSE" not in offered
    assert "AT_COURT" not in offered
    assert {"NOT_UNLOCKED", "NO_OFFICER_ESCORT", "LOCKDOWN_INCIDENT", "SESSION_OVERRAN"} <= offered
    pick(page.closer.remaining, "LOCKDOWN_INCIDENT")
    page.closer.close_button.click()
    assert "Give the reason" in page.closer.message.text()
    qtbot.keyClicks(page.closer.reason, "Wing locked down after an incident")
    page.closer.close_button.click()
    closed = stored_session(context, page)
    assert closed.status.value == "CLOSED"
    assert [a.outcome for a in closed.appointments[1:]] == [Outcome.LOCKDOWN_INCIDENT] * 7
    assert page.message.text() == "Session closed."
    assert not page.close_button.isEnabled()


def test_start_button_starts_a_planned_session(qtbot, demo):
    context = page_context(demo)
    page = clinics_page(qtbot, context)
    page.open_target(_todays(demo, ClinicType.SECOND_STAGE_ASSESSMENT).id)
    assert page.start_button.isEnabled()
    page.start_button.click()
    assert stored_session(context, page).status.value == "IN_PROGRESS"
    assert not page.start_button.isEnabled()


def test_clear_forgets_everything_shown(qtbot, demo):
    context = page_context(demo)
    page = clinics_page(qtbot, context)
    page.open_target(_todays(demo, ClinicType.GENERAL_NURSE).id)
    dialog = record_outcome(qtbot, page, 0, Outcome.ATTENDED)
    type_narrative(qtbot, dialog.form, "Draft before the lock")
    page.save_drafts()
    page.clear()
    assert page.table.rowCount() == 0
    assert page.sessions.count() == 0
    assert page.header.text() == ""
    assert not dialog.isVisible()
    from hjdesk.services import drafts

    assert len(drafts.list_drafts(demo, patient_id=dialog.form.patient_id)) == 1


def test_service_helpers_for_the_runner(demo):
    assert clinics.clinic_wings(demo) == ("A", "B", "C", "D", "E", "F", "HCU", "RECP", "SEG")
    session = _todays(demo, ClinicType.GENERAL_NURSE)
    first = clinics.session_view(demo, session.id).appointments[0]
    assert clinics.appointment_view(demo, first.id) == first
