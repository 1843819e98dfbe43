"""The patient record page, driven through its widgets on the demo vault (offscreen)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from hjdesk.clinical.identifiers import age_on, format_nhs_number
from hjdesk.services.care_plans.lists import patient_plans
from hjdesk.services.encounters.forms import EncounterKind
from hjdesk.services.encounters.signing import encounter_history
from hjdesk.services.encounters.views import observations_series, patient_timeline
from hjdesk.services.patients.record import patient_acct_cases, patient_assessments
from hjdesk.services.patients.screening import screening_history
from hjdesk.services.release.plans import save_release_plan
from hjdesk.services.release.summary import release_summary
from hjdesk.storage.models import (
    AcctCase,
    Alert,
    AuditEvent,
    CarePlan,
    Encounter,
    Location,
    Observation,
    Patient,
    QuestionnaireResult,
    ReleasePlan,
    ScreeningEvent,
)
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault
from hjdesk.ui.clinic_time import clinic
from hjdesk.ui.context import PageContext
from hjdesk.ui.pages.patient_record import PatientRecordPage
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.record.amend_dialog import AmendDialog
from hjdesk.ui.record.new_entry import ENTRY_KINDS
from hjdesk.ui.record.observations import reading_rows
from hjdesk.ui.record.release_plan_dialog import ReleasePlanDialog
from hjdesk.ui.record.screening_dialog import ScreeningDialog
from hjdesk.ui.record.timeline import ID_ROLE
from hjdesk.ui.tasks import InlineRunner
from tests.conftest import PASSWORD

TAB_AUDITS = {
    "Timeline": "view_timeline",
    "Observations": "view_observations",
    "Care plans": "view_care_plans",
    "ACCT": "view_acct",
    "Assessments": "view_assessments",
    "Conditions": "view_reviews",
    "Screening": "view_screening",
    "Medicines": "view_medicines",
    "Release": "view_release_summary",
}


# -- helpers -----------------------------------------------------------------------------------


def _page(qtbot, vault: OpenVault) -> PatientRecordPage:
    context = PageContext(runner=InlineRunner(), privacy=PrivacyState(), vault=vault)
    page = PatientRecordPage(context)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    return page


def _tab(page: PatientRecordPage, title: str) -> None:
    for index in range(page.tabs.count()):
        if page.tabs.tabText(index).replace("&", "") == title:
            page.tabs.setCurrentIndex(index)
            return
    raise AssertionError(title)


def _audits(vault: OpenVault, action: str, patient_id: str) -> int:
    with vault.session() as session:
        return session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.patient_id == patient_id)
        )


def _tree_rows(tree) -> list[list[str]]:
    return [
        [tree.topLevelItem(r).text(c) for c in range(tree.columnCount())]
        for r in range(tree.topLevelItemCount())
    ]


def _patient_with(vault: OpenVault, *models) -> str:
    """A patient holding rows in every table given (the one with the most of the first)."""
    with vault.session() as session:
        ids = None
        for model in models:
            found = set(session.scalars(select(model.patient_id)))
            ids = found if ids is None else ids & found
        assert ids, models
        counts = session.execute(
            select(models[0].patient_id, func.count())
            .where(models[0].patient_id.in_(ids))
            .group_by(models[0].patient_id)
            .order_by(func.count().desc(), models[0].patient_id)
        ).first()
        return counts[0]


def _older_patient_with_alert(vault: OpenVault) -> Patient:
    today = date.today()
    with vault.session() as session:
        query = (
            select(Patient)
            .join(Alert, Alert.patient_id == Patient.id)
            .where(Alert.code == "PEEP", Patient.date_of_birth <= today - timedelta(days=51 * 366))
            .order_by(Patient.prison_number)
        )
        patient = session.scalars(query).first()
        assert patient is not None
        session.expunge(patient)
        return patient


# -- header and privacy ------------------------------------------------------------------------


def test_header_shows_the_patient_exactly(qtbot, demo):
    patient = _older_patient_with_alert(demo)
    page = _page(qtbot, demo)
    page.open_target(patient.id)
    header = page.header
    with demo.session() as session:
        location = session.get(Location, patient.location_id)
        alerts = sorted(
            session.scalars(
                select(Alert.code).where(Alert.patient_id == patient.id, Alert.active.is_(True))
            )
        )
    assert header.name.text() == f"{patient.family_name.upper()}, {patient.given_names}"
    assert header.prison_number.text() == f"Prison no. {patient.prison_number}"
    assert header.nhs_number.text() == f"NHS no. {format_nhs_number(patient.nhs_number)}"
    assert header.nhs_number.text().count(" ") == 4  # "NHS no. 999 123 4567"
    age = age_on(patient.date_of_birth, date.today())
    assert header.birth.text() == f"Born {patient.date_of_birth:%d/%m/%Y} (age {age})"
    assert header.location.text() == f"Location {location.path} (DMO)"
    labels = {"HA": "ACCT open", "HA1": "ACCT post-closure", "PEEP": "PEEP"}
    labels["HID"] = "Hidden disability"
    expected = [labels[a] for a in alerts] + ["Older prisoner (50+)"]
    assert [b.text() for b in header.badges] == expected
    assert page.stack.currentIndex() == 1


def test_masking_hides_identifiers_and_redraws(qtbot, demo):
    patient = _older_patient_with_alert(demo)
    page = _page(qtbot, demo)
    page.open_target(patient.id)
    page.context.privacy.set_masked(True)
    header = page.header
    shown = " ".join(
        w.text() for w in (header.name, header.prison_number, header.nhs_number, header.birth)
    )
    assert patient.family_name.upper() not in shown
    assert patient.given_names not in shown
    assert patient.prison_number not in shown
    assert patient.nhs_number not in shown.replace(" ", "")
    assert format_nhs_number(patient.nhs_number) not in shown
    assert f"{patient.date_of_birth:%d/%m/%Y}" not in shown
    assert header.who().startswith(patient.family_name[0] + "•••")
    page.context.privacy.set_masked(False)
    assert header.prison_number.text() == f"Prison no. {patient.prison_number}"


# -- audit -------------------------------------------------------------------------------------


def test_opening_a_record_writes_an_audit_event(qtbot, demo):
    patient_id = _patient_with(demo, Encounter)
    page = _page(qtbot, demo)
    before = _audits(demo, "view_patient", patient_id)
    timeline_before = _audits(demo, "view_timeline", patient_id)
    page.open_target(patient_id)
    assert _audits(demo, "view_patient", patient_id) == before + 1
    assert _audits(demo, "view_timeline", patient_id) == timeline_before + 1
    # Tabs not looked at are not read, so not audited either.
    assert _audits(demo, "view_release_summary", patient_id) == 0


@pytest.mark.parametrize("title", list(TAB_AUDITS))
def test_every_tab_read_is_audited(qtbot, demo, title):
    patient_id = _patient_with(demo, Encounter)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    before = _audits(demo, TAB_AUDITS[title], patient_id)
    _tab(page, title)
    expected = before + (0 if title == "Timeline" else 1)  # the timeline loaded on opening
    assert _audits(demo, TAB_AUDITS[title], patient_id) == expected


def test_showing_the_page_again_does_not_reread_the_previous_patient(qtbot, demo):
    first = _patient_with(demo, Encounter)
    second = _patient_with(demo, Observation, CarePlan)
    page = _page(qtbot, demo)
    page.open_target(first)
    before = _audits(demo, "view_patient", first)
    # The workspace shows the page (on_shown), then passes the next patient.
    page.on_shown()
    page.open_target(second)
    qtbot.wait(10)
    assert _audits(demo, "view_patient", first) == before
    assert page.header.prison_number.text().endswith(page.row.prison_number)
    assert page.row.id == second


# -- tabs show the patient's data --------------------------------------------------------------


def test_timeline_lists_every_entry_newest_first(qtbot, demo):
    patient_id = _patient_with(demo, Encounter)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    expected = patient_timeline(demo, patient_id)
    tree = page.timeline.tree
    assert tree.topLevelItemCount() == len(expected)
    ids = [tree.topLevelItem(r).data(0, ID_ROLE) for r in range(tree.topLevelItemCount())]
    assert ids == [e.encounter_id for e in expected]
    tree.setCurrentItem(tree.topLevelItem(0))
    assert "Signed by" in page.timeline.detail.toPlainText()
    assert page.timeline.amend_button.isEnabled()


def test_observations_tab_tabulates_the_chart_series(qtbot, demo):
    patient_id = _patient_with(demo, Observation)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    _tab(page, "Observations")
    series = observations_series(demo, patient_id)
    tab = page.observations
    assert tab.table.topLevelItemCount() == len(reading_rows(series))
    newest = reading_rows(series)[0].at
    taken = tab.table.topLevelItem(0).text(0)
    assert taken == clinic(newest).strftime("%d %b %Y %H:%M")  # the year in four digits
    news2 = [p.value for p in series.news2_total]
    chart_news2 = [v for _, v in tab.chart.model.panels[0].series[0].points]
    assert chart_news2 == news2
    assert "NEWS2" in tab.chart.accessibleDescription()
    assert tab.summary.text() == tab.chart.model.describe()


def test_care_plans_tab_shows_status_and_review_and_opens_the_plan(qtbot, demo):
    patient_id = _patient_with(demo, CarePlan)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    _tab(page, "Care plans")
    plans = patient_plans(demo, patient_id)
    rows = _tree_rows(page.care_plans.tree)
    assert [r[0] for r in rows] == [p.title for p in plans]
    for row, plan in zip(rows, plans, strict=True):
        assert ("overdue" in row[3]) == plan.overdue
        assert ("OVERDUE" in row[2]) == plan.overdue
    opened = []
    page.context.navigator.page_requested.connect(
        lambda title, target: opened.append((title, target))
    )
    tree = page.care_plans.tree
    tree.setCurrentItem(tree.topLevelItem(0))
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert opened == [("Care plans", plans[0].plan_id)]


def test_overdue_care_plan_is_red_and_says_overdue(qtbot, demo):
    with demo.session() as session:
        patients = set(session.scalars(select(CarePlan.patient_id)))
    overdue = next(
        (pid for pid in sorted(patients) if any(p.overdue for p in patient_plans(demo, pid))),
        None,
    )
    assert overdue is not None, "the demo has an overdue care plan"
    page = _page(qtbot, demo)
    page.open_target(overdue)
    _tab(page, "Care plans")
    tree = page.care_plans.tree
    row = next(
        tree.topLevelItem(r)
        for r in range(tree.topLevelItemCount())
        if "overdue" in tree.topLevelItem(r).text(3)
    )
    assert row.foreground(2).color().name() == "#b10e1e"


def test_acct_tab_shows_cases_events_and_health_input(qtbot, demo):
    patient_id = _patient_with(demo, AcctCase)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    _tab(page, "ACCT")
    cases = patient_acct_cases(demo, patient_id)
    tree = page.acct.tree
    assert tree.topLevelItemCount() == len(cases)
    top = tree.topLevelItem(0)
    assert top.childCount() == len(cases[0].events)
    texts = [top.child(i).text(3) for i in range(top.childCount())]
    flagged = {f.event_id for f in cases[0].flags}
    for event, text in zip(cases[0].events, texts, strict=True):
        assert ("FLAG" in text) == (event.id in flagged)
    tree.setCurrentItem(top.child(0))
    assert cases[0].events[0].label.lower() in page.acct.detail.toPlainText().lower()


def test_assessments_tab_lists_questionnaire_results(qtbot, demo):
    patient_id = _patient_with(demo, QuestionnaireResult)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    _tab(page, "Assessments")
    expected = patient_assessments(demo, patient_id)
    rows = _tree_rows(page.assessments.tree)
    assert [(r[1], r[3]) for r in rows] == [(a.name, a.band) for a in expected]
    assert any(r[1] in {"CFS", "PHQ-9", "GAD-7"} for r in rows)


def test_conditions_tab_shows_next_review_dates(qtbot, demo):
    from hjdesk.services.patients.record import patient_reviews
    from hjdesk.storage.models import Condition

    patient_id = _patient_with(demo, Condition)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    _tab(page, "Conditions")
    view = patient_reviews(demo, patient_id)
    rows = _tree_rows(page.conditions.conditions)
    assert [r[0] for r in rows] == [c.name for c in view.conditions]
    for row, c in zip(rows, view.conditions, strict=True):
        assert row[3].startswith(f"{c.next_due:%d %b %Y}")
        assert (row[4] == "OVERDUE") == c.overdue


def test_release_tab_shows_the_plan_and_what_is_missing(qtbot, demo):
    patient_id = _patient_with(demo, ReleasePlan)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    _tab(page, "Release")
    summary = page.release.summary
    assert summary is not None
    assert summary.release_plan is not None
    text = page.release.text.toPlainText()
    for problem in summary.release_plan.problems:
        assert f"Still missing: {problem}" in text
    assert page.release.plan_button.text() == "&Update the plan…"


def test_release_tab_refuses_admin_inline(qtbot, demo_home):
    admin = Vault(HomePaths.resolve(demo_home.root)).unlock("admin", PASSWORD)
    try:
        patient_id = _patient_with(admin, ReleasePlan)
        page = _page(qtbot, admin)
        page.open_target(patient_id)
        _tab(page, "Release")
        assert "cannot view the transfer or release summary" in page.release.message.text()
        assert not page.release.plan_button.isEnabled()
    finally:
        admin.lock()


# -- amendments --------------------------------------------------------------------------------


def _select_first_standing(page: PatientRecordPage) -> str:
    tree = page.timeline.tree
    tree.setCurrentItem(tree.topLevelItem(0))
    return str(tree.topLevelItem(0).data(0, ID_ROLE))


def test_entered_in_error_creates_an_amendment_and_marks_the_original(qtbot, demo):
    patient_id = _patient_with(demo, Observation)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    original = _select_first_standing(page)
    page.timeline.amend_button.click()
    dialog = page.timeline.amend_dialog
    assert isinstance(dialog, AmendDialog)
    dialog.in_error.setChecked(True)
    assert not dialog.narrative.isEnabled()
    qtbot.keyClicks(dialog.reason, "Recorded against the wrong patient")
    dialog.save_button.click()
    assert dialog.result() == dialog.DialogCode.Accepted
    history = encounter_history(demo, original)
    assert len(history.entries) == 2
    assert history.entered_in_error
    assert history.current.amendment_reason == "Recorded against the wrong patient"
    rows = {
        page.timeline.tree.topLevelItem(r).data(0, ID_ROLE): page.timeline.tree.topLevelItem(r)
        for r in range(page.timeline.tree.topLevelItemCount())
    }
    assert rows[original].text(5) == "Amended: see the later entry"
    assert rows[history.current.id].text(5).startswith("Entered in error")
    page.timeline.tree.setCurrentItem(rows[original])
    shown = page.timeline.detail.toPlainText()
    assert "Original entry" in shown
    assert "Amendment 1: entered in error" in shown
    assert not page.timeline.amend_button.isEnabled()


def test_correction_keeps_the_recorded_observations(qtbot, demo):
    patient_id = _patient_with(demo, Observation)
    with demo.session() as session:
        encounter_id = session.scalars(
            select(Observation.encounter_id).where(Observation.patient_id == patient_id)
        ).first()
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    tree = page.timeline.tree
    row = next(
        tree.topLevelItem(r)
        for r in range(tree.topLevelItemCount())
        if tree.topLevelItem(r).data(0, ID_ROLE) == encounter_id
    )
    tree.setCurrentItem(row)
    page.timeline.amend_button.click()
    dialog = page.timeline.amend_dialog
    dialog.narrative.setPlainText("Seen at the cell door; observations taken; no concerns.")
    qtbot.keyClicks(dialog.reason, "Narrative described the wrong visit")
    dialog.save_button.click()
    history = encounter_history(demo, encounter_id)
    assert len(history.entries) == 2
    current, first = history.current, history.original
    assert current.narrative == "Seen at the cell door; observations taken; no concerns."
    assert current.observation is not None
    assert first.observation is not None
    assert current.observation.news2_total == first.observation.news2_total
    assert current.observation.systolic_bp == first.observation.systolic_bp
    assert [q.label for q in current.questionnaires] == [q.label for q in first.questionnaires]


def test_amendment_needs_a_reason_and_a_change(qtbot, demo):
    patient_id = _patient_with(demo, Encounter)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    original = _select_first_standing(page)
    page.timeline.amend_button.click()
    dialog = page.timeline.amend_dialog
    dialog.save_button.click()
    assert dialog.error.text() == "Give the reason for the amendment."
    qtbot.keyClicks(dialog.reason, "typo")
    dialog.save_button.click()
    assert "Nothing has been corrected" in dialog.error.text()
    assert dialog.isVisible()
    assert len(encounter_history(demo, original).entries) == 1


def test_an_amendment_in_progress_survives_a_lock_and_goes_once_signed(qtbot, demo):
    """What the shell calls at a lock (`close_for_lock`) keeps the typing as a draft in the
    vault; amending the same entry again brings it back; signing discards the draft."""
    from hjdesk.services import drafts
    from hjdesk.ui.record.amend_dialog import DRAFT_FORM, RESTORED

    patient_id = _patient_with(demo, Encounter)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    original = _select_first_standing(page)
    page.timeline.amend_button.click()
    dialog = page.timeline.amend_dialog
    dialog.narrative.setPlainText("Reviewed on the wing: settled, eating and drinking.")
    qtbot.keyClicks(dialog.reason, "Narrative belonged to another visit")
    dialog.close_for_lock()
    assert not dialog.isVisible()
    kept = drafts.list_drafts(demo, form=DRAFT_FORM)
    assert [d.context_id for d in kept] == [original]

    page.timeline.amend_button.click()
    again = page.timeline.amend_dialog
    assert again is not dialog
    assert again.reason.text() == "Narrative belonged to another visit"
    assert again.narrative.toPlainText() == "Reviewed on the wing: settled, eating and drinking."
    assert again.error.text() == RESTORED
    again.save_button.click()
    assert not again.isVisible()
    history = encounter_history(demo, original)
    assert history.current.narrative == "Reviewed on the wing: settled, eating and drinking."
    assert drafts.list_drafts(demo, form=DRAFT_FORM) == ()


# -- screening and release dialogs -------------------------------------------------------------


def _open_screening(page: PatientRecordPage) -> ScreeningDialog:
    page.new_entry.screening_action.trigger()
    dialog = page.screening.dialog
    assert isinstance(dialog, ScreeningDialog)
    assert dialog.isVisible()
    return dialog


def test_screening_dialog_saves_a_signed_event(qtbot, demo):
    patient_id = _patient_with(demo, Encounter)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    dialog = _open_screening(page)
    assert page.tabs.currentWidget() is page.screening
    dialog.programme.setCurrentIndex(dialog.programme.findData("FLU_VACCINE"))
    qtbot.keyClicks(dialog.outcome, "Given")
    qtbot.keyClicks(dialog.batch, "FL12345")
    dialog.has_next_due.setChecked(True)
    dialog.next_due.setDate(dialog.event_date.date().addYears(1))
    dialog.save_button.click()
    assert not dialog.isVisible()
    saved = screening_history(demo, patient_id)[0]
    assert (saved.programme, saved.outcome, saved.batch) == ("FLU_VACCINE", "Given", "FL12345")
    assert saved.signed_by is not None
    rows = _tree_rows(page.screening.tree)
    assert rows[0][1:4] == ["Flu vaccine", "Given", "FL12345"]


def test_a_screening_event_is_marked_entered_in_error_from_the_tab(qtbot, demo):
    patient_id = _patient_with(demo, Encounter)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    dialog = _open_screening(page)
    dialog.programme.setCurrentIndex(dialog.programme.findData("FLU_VACCINE"))
    qtbot.keyClicks(dialog.outcome, "Given")
    qtbot.keyClicks(dialog.batch, "FL-WRONG")
    dialog.save_button.click()
    assert not dialog.isVisible(), dialog.error.text()
    saved = screening_history(demo, patient_id)[0]
    assert saved.batch == "FL-WRONG"
    tab = page.screening
    assert not tab.withdraw_button.isEnabled()
    tab.tree.setCurrentItem(tab.tree.topLevelItem(0))
    assert tab.withdraw_button.isEnabled()
    tab.withdraw_button.click()
    withdraw = tab.withdraw_dialog
    qtbot.keyClicks(withdraw.reason, "Given to the patient in the next cell")
    withdraw.ok.click()
    history = {v.id: v for v in screening_history(demo, patient_id)}
    assert history[saved.id].superseded
    assert any(v.entered_in_error and v.amends_id == saved.id for v in history.values())
    shown = [row[2] for row in _tree_rows(tab.tree)]
    assert shown[:2] == ["Entered in error", "Given (withdrawn: see the later entry)"]
    assert _tree_rows(tab.tree)[0][3] == ""  # the withdrawal carries no batch of its own
    assert not tab.withdraw_button.isEnabled()  # nothing chosen after the reload


def test_a_screening_event_is_amended_from_the_tab(qtbot, demo):
    """Amend: the corrected event replaces the original on the summary; both stay listed."""
    patient_id = _patient_with(demo, Encounter)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    dialog = _open_screening(page)
    dialog.programme.setCurrentIndex(dialog.programme.findData("FLU_VACCINE"))
    qtbot.keyClicks(dialog.outcome, "Declined")
    dialog.save_button.click()
    saved = screening_history(demo, patient_id)[0]
    tab = page.screening
    assert not tab.amend_button.isEnabled()
    tab.tree.setCurrentItem(tab.tree.topLevelItem(0))
    assert tab.amend_button.isEnabled()
    tab.amend_button.click()
    amend = tab.amend_dialog
    assert amend is not None
    assert amend.outcome.text() == "Declined"
    qtbot.keyClicks(amend.reason, "Outcome recorded wrongly: it was given")
    amend.sign_button.click()
    assert "Nothing has been corrected" in amend.problem.text()
    amend.outcome.setText("G" * 61)
    amend.sign_button.click()
    assert "60 characters" in amend.problem.text()  # the service's refusal, shown in place
    assert amend.sign_button.isEnabled()
    amend.outcome.setText("Given")
    qtbot.keyClicks(amend.batch, "FL777")
    amend.sign_button.click()
    assert tab.amend_dialog is None, amend.problem.text()
    history = {v.id: v for v in screening_history(demo, patient_id)}
    assert history[saved.id].superseded
    fixed = next(v for v in history.values() if v.amends_id == saved.id)
    assert (fixed.outcome, fixed.batch, fixed.entered_in_error) == ("Given", "FL777", False)
    rows = _tree_rows(tab.tree)
    assert rows[0][2:4] == ["Given (corrected)", "FL777"]
    assert rows[1][2] == "Declined (replaced by a correction: see the later entry)"
    summary = release_summary(demo, patient_id)
    flu = [s for s in summary.screening if s.programme == "FLU_VACCINE"]
    assert [s.outcome for s in flu] == ["Given"]


def test_an_hca_may_correct_only_their_own_screening_entries(qtbot, demo_home):
    hca = Vault(demo_home).unlock("hca", PASSWORD)
    try:
        patient_id = _patient_with(hca, ScreeningEvent)
        page = _page(qtbot, hca)
        page.open_target(patient_id)
        _tab(page, "Screening")
        tab = page.screening
        others = [r for r in range(len(tab.rows)) if tab.rows[r].signed_by != hca.actor.staff_id]
        assert others
        tab.tree.setCurrentItem(tab.tree.topLevelItem(others[0]))
        assert not tab.amend_button.isEnabled()
        assert not tab.withdraw_button.isEnabled()
        dialog = _open_screening(page)
        dialog.programme.setCurrentIndex(dialog.programme.findData("FLU_VACCINE"))
        qtbot.keyClicks(dialog.outcome, "Given")
        dialog.save_button.click()
        own = next(r for r in range(len(tab.rows)) if tab.rows[r].signed_by == hca.actor.staff_id)
        tab.tree.setCurrentItem(tab.tree.topLevelItem(own))
        assert tab.amend_button.isEnabled()
        assert tab.withdraw_button.isEnabled()
    finally:
        hca.lock()


def test_screening_dialog_rejects_bad_input_with_a_message(qtbot, demo):
    patient_id = _patient_with(demo, Encounter)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    before = len(screening_history(demo, patient_id))
    dialog = _open_screening(page)
    dialog.event_date.setDate(dialog.event_date.date().addDays(3))
    dialog.save_button.click()
    message = dialog.error.text()
    assert "Give the screening or immunisation programme" in message
    assert "Give the outcome" in message
    assert "The date of the event is in the future." in message
    assert dialog.isVisible()
    assert dialog.save_button.isEnabled()
    assert len(screening_history(demo, patient_id)) == before


def _open_plan_dialog(page: PatientRecordPage) -> ReleasePlanDialog:
    page.new_entry.release_action.trigger()
    dialog = page.release.dialog
    assert isinstance(dialog, ReleasePlanDialog)
    assert dialog.isVisible()
    return dialog


def test_release_plan_dialog_saves_and_the_tab_shows_it(qtbot, demo):
    with demo.session() as session:
        with_plan = set(session.scalars(select(ReleasePlan.patient_id)))
        patient_id = session.scalars(
            select(Encounter.patient_id).where(Encounter.patient_id.not_in(with_plan))
        ).first()
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    dialog = _open_plan_dialog(page)
    assert dialog.plan is None
    dialog.movement.setCurrentIndex(dialog.movement.findData("RELEASE"))
    dialog.has_date.setChecked(True)
    qtbot.keyClicks(dialog.destination, "Approved premises, Leeds")
    dialog.days.setValue(3)
    dialog.save_button.click()
    assert not dialog.isVisible()
    assert dialog.saved is not None
    assert dialog.saved.supply_ok is False
    text = page.release.text.toPlainText()
    assert "Approved premises, Leeds" in text
    assert "LESS THAN THE MINIMUM" in text
    assert page.release.plan_button.text() == "&Update the plan…"


def test_release_plan_dialog_needs_a_type_of_move(qtbot, demo):
    patient_id = _patient_with(demo, Encounter)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    dialog = _open_plan_dialog(page)
    if dialog.plan is not None:
        dialog.movement.setCurrentIndex(0)
    dialog.save_button.click()
    assert dialog.error.text().startswith("Choose the type of move.")
    assert dialog.isVisible()


def test_release_plan_changed_meanwhile_is_refused_with_a_message(qtbot, demo):
    patient_id = _patient_with(demo, ReleasePlan)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    dialog = _open_plan_dialog(page)
    plan = dialog.plan
    assert plan is not None
    assert dialog.destination.text() == plan.destination
    save_release_plan(
        demo,
        patient_id,
        movement_type=plan.movement_type,
        expected_date=plan.expected_date,
        destination="Changed elsewhere",
        plan_id=plan.id,
        base_rev=plan.rev,
    )
    dialog.notes.setPlainText("my edit")
    dialog.save_button.click()
    assert dialog.isVisible()
    assert "release plan" in dialog.error.text().lower()


# -- new entry ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "label"), ENTRY_KINDS)
def test_new_entry_opens_the_form_of_the_chosen_kind(qtbot, demo, kind, label):
    patient_id = _patient_with(demo, Encounter)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    assert page.new_entry.actions_by_kind[kind].text() == label
    page.new_entry.actions_by_kind[kind].trigger()
    dialog = page.encounter_dialogs[-1]
    try:
        assert dialog.isVisible()
        assert dialog.form.kind is kind
        assert dialog.form.patient_id == patient_id
    finally:
        dialog.close_without_asking()


def test_a_signed_entry_refreshes_the_record(qtbot, demo):
    patient_id = _patient_with(demo, Encounter)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    dialog = page.new_encounter(EncounterKind.GENERAL)
    assert dialog is not None
    changed = []
    page.context.navigator.data_changed.connect(lambda: changed.append(True))
    before = _audits(demo, "view_timeline", patient_id)
    dialog.form.signed.emit("an-encounter-id")
    assert _audits(demo, "view_timeline", patient_id) == before + 1
    assert changed == [True]
    dialog.close_without_asking()


# -- lock --------------------------------------------------------------------------------------


def test_clear_forgets_everything_shown(qtbot, demo):
    patient_id = _patient_with(demo, Observation)
    page = _page(qtbot, demo)
    page.open_target(patient_id)
    _tab(page, "Observations")
    page.timeline.tree.setCurrentItem(page.timeline.tree.topLevelItem(0))
    page.new_entry.screening_action.trigger()
    dialog = page.screening.dialog
    page.clear()
    assert page.stack.currentWidget() is page.placeholder
    assert page.header.name.text() == ""
    assert page.timeline.tree.topLevelItemCount() == 0
    assert page.timeline.detail.toPlainText() == ""
    assert page.observations.table.topLevelItemCount() == 0
    assert page.observations.chart.model.empty
    assert dialog is not None
    assert not dialog.isVisible()
