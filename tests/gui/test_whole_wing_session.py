"""A whole wing session through the real app's widgets (issue 4's "done when"):

unlock → open a clinic on a wing → outcomes for ten patients (a REFUSED with its three answers, a
NOT_UNLOCKED with a reason) → a seen patient scoring NEWS2 ≥ 5 cannot be signed until the
escalation is recorded → an ACCT written contribution → a diabetes care plan created and activated
→ a note half-typed when the laptop idles into auto-lock → unlock → everything is still there,
the half-typed note reopens with its text → an AQ-10 recorded in a second-stage assessment → an MH
session signed for the wrong patient (PHQ-9 item 9, escalated, raising a risk-assessment task that
prints on the transfer summary) is marked entered in error from the record's timeline, and the
reprinted summary (read back with pypdf) no longer carries its task → the audit chain verifies.
"""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from hjdesk.clinical.attendance import Outcome
from hjdesk.services import acct, clinics, encounters, patients
from hjdesk.services.care_plans import reads as care_plan_reads
from hjdesk.services.encounters.forms import EncounterKind
from hjdesk.services.patients.record import patient_assessments
from hjdesk.services.settings.audit_check import verify_chain
from hjdesk.storage.vault import Vault
from hjdesk.ui.app import Shell
from hjdesk.ui.encounter import EncounterDialog
from hjdesk.ui.record.timeline import ID_ROLE
from hjdesk.ui.tasks import InlineRunner
from tests.conftest import PASSWORD
from tests.gui.helpers_care import (
    add_written_contribution,
    create_and_activate_diabetes_plan,
    diabetic_prison_number,
    open_acct_from_list,
)
from tests.gui.helpers_clinic import (
    add_patients,
    answer_items,
    fill_escalation,
    fill_vitals,
    open_clinic,
    pick,
    record_outcome,
    sign,
    type_narrative,
)

OTHER_OUTCOMES = (
    Outcome.DNA_PATIENT_CHOSE,
    Outcome.AT_COURT,
    Outcome.NO_OFFICER_ESCORT,
    Outcome.IN_HOSPITAL,
    Outcome.LEGAL_OR_SOCIAL_VISIT,
    Outcome.AT_WORK_EDUCATION,
    Outcome.CANCELLED_BY_HEALTHCARE,
)


def _unlock(qtbot, shell: Shell) -> None:
    screen = shell.unlock_screen
    screen.password.clear()
    qtbot.keyClicks(screen.password, PASSWORD)
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)
    assert shell.opened is not None, screen.message.text()
    assert shell.stack.currentWidget() is shell.workspace


def _open_encounter_windows() -> list[EncounterDialog]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, EncounterDialog) and w.isVisible()
    ]


def _flagged_event(vault) -> tuple[str, str]:
    """An open ACCT (not on the MH caseload) with an event lacking any health input."""
    for row in acct.open_cases(vault):
        if not row.high_flags:
            continue
        view = acct.case_view(vault, row.case_id)
        flagged = {f.event_id for f in view.flags}
        for event in view.events:
            if event.id in flagged and not view.on_mh_caseload:
                return view.id, event.id
    raise AssertionError("the demo has an ACCT event without health input")


RISK_TASK = "Immediate risk assessment"


def _print_summary(record, monkeypatch, path: Path) -> str:
    """Print the transfer summary from the record (the save dialog answered with `path`)."""
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(path), "PDF documents (*.pdf)")
    )
    record.print_button.print_kind("transfer-summary")
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(path).pages)


def _timeline_row(record, encounter_id: str):
    tree = record.timeline.tree
    for number in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(number)
        if item.data(0, ID_ROLE) == encounter_id:
            return item
    raise AssertionError("the signed entry is on the timeline")


def _aq10_and_a_withdrawn_entry(qtbot, workspace, vault, patient_id, monkeypatch, tmp_path):
    workspace.open_patient(patient_id)
    record = workspace.page("Patient record")

    # An AQ-10 in a second-stage assessment, scored from the form.
    second = record.new_encounter(EncounterKind.SECOND_STAGE_ASSESSMENT)
    aq10 = second.form.sections["aq10"]
    for combo, score in zip(aq10.items, [1, 1, 1, 1, 0, 1, 1, 0, 1, 0], strict=True):
        pick(combo, score)
    assert aq10.result.text() == "AQ-10 total 7: offer a comprehensive autism assessment"
    type_narrative(qtbot, second.form, "Second-stage assessment; social communication concerns.")
    assert sign(qtbot, second.form), second.form.message.text()

    # An MH session signed for this patient by mistake: item 9 positive, escalated.
    wrong = record.new_encounter(EncounterKind.MH_SESSION)
    answer_items(wrong.form.sections["phq9"], [1, 1, 1, 1, 1, 1, 1, 1, 2])
    fill_escalation(qtbot, wrong.form, told="MH in-reach duty", action="Risk assessment booked")
    type_narrative(qtbot, wrong.form, "Low mood; thoughts of self-harm.")
    wrong_id = sign(qtbot, wrong.form)
    assert wrong_id, wrong.form.message.text()
    assert RISK_TASK in _print_summary(record, monkeypatch, tmp_path / "before.pdf")

    # Marked entered in error from the record's timeline.
    record.open_target(patient_id)
    record.timeline.tree.setCurrentItem(_timeline_row(record, wrong_id))
    record.timeline.amend_button.click()
    amend = record.timeline.amend_dialog
    amend.in_error.setChecked(True)
    qtbot.keyClicks(amend.reason, "Recorded against the wrong patient")
    amend.save_button.click()
    assert encounters.encounter_history(vault, wrong_id).entered_in_error

    printed = _print_summary(record, monkeypatch, tmp_path / "after.pdf")
    number = next(p.prison_number for p in patients.caseload(vault) if p.id == patient_id)
    assert number in printed
    assert RISK_TASK not in printed, "a withdrawn entry's task must not travel"
    aq = [r for r in patient_assessments(vault, patient_id) if r.instrument == "AQ10"]
    assert [(r.total, r.flagged) for r in aq][:1] == [(7, True)]


def test_a_whole_wing_session(qtbot, demo_home, monkeypatch, tmp_path):
    shell = Shell(Vault(demo_home), InlineRunner(), "nurse")
    qtbot.addWidget(shell)
    shell.resize(1280, 800)
    shell.show()
    qtbot.waitExposed(shell)
    _unlock(qtbot, shell)
    workspace = shell.workspace
    context = workspace.context

    # -- a clinic on wing A, ten outcomes ----------------------------------------------------
    workspace.show_page("Wing clinics")
    page = workspace.page("Wing clinics")
    open_clinic(qtbot, context, wing="A", page=page)
    add_patients(context, page, 10, reason="Wing health check")
    assert len(page.view.appointments) == 10
    session_id = page.view.id
    row_ids = [a.id for a in page.view.appointments]

    dialog = record_outcome(qtbot, page, 0, Outcome.ATTENDED)
    assert dialog is not None, "a seen patient opens the encounter form"
    form = dialog.form
    fill_vitals(qtbot, form, resp_rate=24, spo2=93, systolic=105, pulse=115, temp="38.6")
    type_narrative(qtbot, form, "Feverish and breathless on the wing.")
    assert sign(qtbot, form) is None, "NEWS2 >= 5 must not sign without an escalation"
    assert "escalation" in form.message.text().lower()
    fill_escalation(qtbot, form, told="Duty GP, Dr Okafor", action="Transferred to HCU for review")
    encounter_id = sign(qtbot, form)
    assert encounter_id, form.message.text()

    record_outcome(
        qtbot,
        page,
        1,
        Outcome.REFUSED,
        risks_explained=True,
        capacity_concern=False,
        witness="Officer Hughes",
    )
    unlock_reason = "Wing short-staffed after an incident"
    record_outcome(qtbot, page, 2, Outcome.NOT_UNLOCKED, reason=unlock_reason)
    for row, outcome in enumerate(OTHER_OUTCOMES, start=3):
        reason = "Regime" if outcome is Outcome.NO_OFFICER_ESCORT else None
        record_outcome(qtbot, page, row, outcome, reason=reason)
    assert not _open_encounter_windows()

    # -- an ACCT written contribution --------------------------------------------------------
    case_id, event_id = _flagged_event(shell.opened)
    workspace.show_page("ACCT")
    acct_page = workspace.page("ACCT")
    open_acct_from_list(qtbot, acct_page, case_id)
    add_written_contribution(qtbot, acct_page, event_id, "Seen on the wing today; eating again.")
    assert not acct_page.detail.form.problem.isVisible(), acct_page.detail.form.problem.text()

    # -- a diabetes care plan, created and activated -----------------------------------------
    workspace.show_page("Care plans")
    plans_page = workspace.page("Care plans")
    plan_id = create_and_activate_diabetes_plan(
        qtbot, plans_page, diabetic_prison_number(shell.opened)
    )

    # -- a note half-typed from the patient record, then the laptop idles --------------------
    patient_id = page.view.appointments[4].patient_id
    workspace.open_patient(patient_id)
    record = workspace.page("Patient record")
    note = record.new_encounter(EncounterKind.CELL_DOOR)
    type_narrative(qtbot, note.form, "Spoke at the door; will return after lunch")
    opened = shell.opened
    shell.idle.set_interval_ms(50)
    shell.idle.start()
    qtbot.waitUntil(lambda: shell.stack.currentWidget() is shell.unlock_screen, timeout=5000)
    assert opened.is_locked
    assert not _open_encounter_windows(), "the unlock screen covers every window"

    # -- unlock: everything is still there ---------------------------------------------------
    assert shell.unlock_screen.user.currentData() == "nurse", "whoever stepped away is offered"
    _unlock(qtbot, shell)
    vault = shell.opened
    reopened = _open_encounter_windows()
    assert len(reopened) == 1
    assert reopened[0].form.patient_id == patient_id
    narrative = reopened[0].form.narrative.text
    qtbot.waitUntil(
        lambda: narrative.toPlainText() == "Spoke at the door; will return after lunch",
        timeout=3000,
    )

    stored = {a.id: a for a in clinics.session_view(vault, session_id).appointments}
    rows = [stored[i] for i in row_ids]
    expected = [Outcome.ATTENDED, Outcome.REFUSED, Outcome.NOT_UNLOCKED, *OTHER_OUTCOMES]
    assert [a.outcome for a in rows] == expected
    assert rows[0].encounter_id == encounter_id
    assert (rows[1].risks_explained, rows[1].capacity_concern) == (True, False)
    assert rows[1].witness_name == "Officer Hughes"
    assert rows[2].outcome_reason == unlock_reason

    signed = encounters.encounter_history(vault, encounter_id).current
    assert signed.escalated_to == "Duty GP, Dr Okafor"
    assert signed.escalation_action == "Transferred to HCU for review"

    view = acct.case_view(vault, case_id)
    event = next(e for e in view.events if e.id == event_id)
    assert [c.contribution_type for c in event.contributions][-1] == "WRITTEN_CONTRIBUTION"

    assert care_plan_reads.plan_view(vault, plan_id).status == "ACTIVE"
    reopened[0].close_without_asking()

    # -- an AQ-10, and an entry in error that leaves the printed transfer summary -----------
    _aq10_and_a_withdrawn_entry(qtbot, workspace, vault, rows[5].patient_id, monkeypatch, tmp_path)

    report = verify_chain(vault)
    assert report.ok, report.reason
    assert report.checked > 0
