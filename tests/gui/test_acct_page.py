"""The ACCT page on the demo vault, driven through its widgets (offscreen)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from hjdesk.clinical import acct as rules
from hjdesk.services import acct
from hjdesk.services.acct.health_input import InputStatus
from hjdesk.services.common import utc_now
from hjdesk.services.drafts import list_drafts
from hjdesk.storage.vault import Vault
from hjdesk.ui.acct.case_list import flags_text
from hjdesk.ui.pages.acct import AcctPage
from hjdesk.ui.theme import severity_colour
from tests.conftest import PASSWORD
from tests.gui.helpers_care import (
    add_contribution,
    add_written_contribution,
    choose,
    open_acct_from_list,
    page_context,
    show,
)


@pytest.fixture
def no_boxes(monkeypatch):
    def no_box(*args, **kwargs):
        raise AssertionError(f"unexpected message box: {args}")

    for name in ("warning", "information", "question", "critical"):
        monkeypatch.setattr(QMessageBox, name, no_box)


@pytest.fixture
def page(qtbot, demo, no_boxes):
    page = AcctPage(page_context(demo))
    show(qtbot, page)
    page.on_shown()
    return page


def _column(page, title: str) -> int:
    return [c.title for c in page.list.model.columns].index(title)


def _event_status(page, event_id: str) -> str:
    model = page.detail.events
    column = [c.title for c in model.columns].index("Health input")
    row = next(n for n, e in enumerate(model.rows) if e.id == event_id)
    return model.index(row, column).data()


def _event_flags(page, event_id: str) -> str:
    model = page.detail.events
    column = [c.title for c in model.columns].index("Flags")
    row = next(n for n, e in enumerate(model.rows) if e.id == event_id)
    return model.index(row, column).data()


def _warned_event(vault) -> tuple[str, str]:
    """(case id, event id) of a review due within 24 hours with no input planned."""
    due = [d for d in acct.input_due(vault) if not d.late]
    assert due, "the demo has a review due within 24 hours with no input planned"
    return due[0].case_id, due[0].event_id


def _flagged_event(vault) -> tuple[str, str]:
    """(case id, event id) of a held first review or closure with no input at all (HIGH)."""
    for row in acct.open_cases(vault):
        if not row.high_flags:
            continue
        view = acct.case_view(vault, row.case_id)
        for event in view.events:
            high = any(
                f.event_id == event.id
                and f.severity is rules.Severity.HIGH
                and f.code is rules.FlagCode.ACCT_NO_HEALTH_INPUT
                for f in view.flags
            )
            if high and not view.on_mh_caseload:
                return view.id, event.id
    raise AssertionError("the demo has a HIGH no-health-input flag")


def test_open_cases_listed_with_flags_matching_services(page, demo):
    expected = {r.case_id: r for r in acct.open_cases(demo)}
    model = page.list.model
    assert {r.case_id for r in model.rows} == set(expected)
    column = _column(page, "Input gaps")
    red, amber = severity_colour("RED"), severity_colour("AMBER")
    for number, row in enumerate(model.rows):
        service = expected[row.case_id]
        text = model.index(number, column).data()
        colour = model.index(number, column).data(Qt.ItemDataRole.ForegroundRole)
        if service.high_flags:
            assert f"HIGH ×{service.high_flags}" in text
            assert colour.color() == red
        elif service.medium_flags:
            assert f"MEDIUM ×{service.medium_flags}" in text
            assert "HIGH" not in text
            assert colour.color() == amber
        else:
            assert text == "No gaps"
            assert colour is None
    # The most urgent first: anything due within 24 hours, then HIGH gaps.
    assert model.rows[0].warnings or model.rows[0].late or model.rows[0].high_flags


def test_each_event_shows_its_health_input_status_and_flags(qtbot, page, demo):
    case_id, event_id = _flagged_event(demo)
    open_acct_from_list(qtbot, page, case_id)
    view = acct.case_view(demo, case_id)
    words = {
        InputStatus.QUALIFYING: "Given",
        InputStatus.PLANNED: "Planned",
        InputStatus.NON_QUALIFYING_ONLY: "None that counts",
    }
    for event in view.events:
        shown = _event_status(page, event.id)
        if event.input_status in words:
            assert words[event.input_status] in shown
        flags = [f for f in view.flags if f.event_id == event.id]
        for flag in flags:
            assert flag.severity.value in _event_flags(page, event.id)
        if not flags and event.id not in view.late_event_ids:
            assert "HIGH" not in _event_flags(page, event.id)
    assert "HIGH: no health input" in _event_flags(page, event_id)
    assert _event_status(page, event_id).startswith("MISSING")
    assert "HIGH" in page.detail.alerts.text()


def test_written_contribution_clears_the_gap(qtbot, page, demo):
    case_id, event_id = _flagged_event(demo)
    before = len(acct.case_view(demo, case_id).flags)
    open_acct_from_list(qtbot, page, case_id)
    add_written_contribution(qtbot, page, event_id, "Seen on the wing; supports current obs.")
    assert not page.detail.form.problem.isVisible(), page.detail.form.problem.text()
    view = acct.case_view(demo, case_id)
    event = next(e for e in view.events if e.id == event_id)
    assert event.input_status is InputStatus.QUALIFYING
    assert [c.contribution_type for c in event.contributions][-1] == "WRITTEN_CONTRIBUTION"
    assert len(view.flags) == before - 1
    # The screen follows: the event now says "Given", its flag has gone, the form says so.
    assert _event_status(page, event_id) == "Given"
    assert "HIGH" not in _event_flags(page, event_id)
    assert "Added (signed): Written contribution" in page.detail.form.done.text()
    assert page.detail.given.rowCount() == len(event.contributions)
    assert page.detail.form.summary.toPlainText() == ""


@pytest.mark.parametrize("kind", [t.value for t in rules.ContributionType])
def test_each_contribution_type_can_be_added(qtbot, page, demo, kind):
    case_id, event_id = _warned_event(demo)
    open_acct_from_list(qtbot, page, case_id)
    assert page.detail.chosen_event().id == event_id  # the urgent event is offered first
    counts = rules.counts_as_health_input(rules.ContributionType(kind))

    def given_count() -> int:
        found = acct.case_view(demo, case_id).events
        return len(next(e for e in found if e.id == event_id).contributions)

    before = given_count()
    add_contribution(qtbot, page, event_id, kind, "Risk-relevant summary." if counts else "")
    if rules.ContributionType(kind) in rules.ATTENDANCE_TYPES:
        # The review is still to come: attendance can only be planned (a given one would
        # clear the flag for a review nobody has attended yet).
        assert "has not taken place yet" in page.detail.form.problem.text()
        assert given_count() == before
        return
    assert not page.detail.form.problem.isVisible(), page.detail.form.problem.text()
    view = acct.case_view(demo, case_id)
    event = next(e for e in view.events if e.id == event_id)
    added = event.contributions[-1]
    assert added.contribution_type == kind
    assert added.needed_by == event.scheduled_at  # safety-critical: needed by the review
    assert not added.synced
    shown = _event_status(page, event_id)
    if counts:
        assert event.input_status is InputStatus.QUALIFYING
        assert shown == "Given"
    else:
        assert event.input_status is InputStatus.NON_QUALIFYING_ONLY
        assert shown.startswith("None that counts")
    # The 24-hour warning goes only when input that counts is on its way.
    warned = any(d.event_id == event_id for d in page.list.banner.items)
    assert warned is not counts
    # Signed on the laptop: safety-critical until the office has it.
    assert page.detail.given.index(0, 2).data() in ("waiting to sync", "NOT SYNCED")


def test_planned_input_satisfies_the_warning_but_is_marked_planned(qtbot, page, demo):
    case_id, event_id = _warned_event(demo)
    open_acct_from_list(qtbot, page, case_id)
    add_contribution(qtbot, page, event_id, "ATTENDED_IN_PERSON", "", planned=True)
    assert _event_status(page, event_id).startswith("Planned")
    assert not any(d.event_id == event_id for d in page.list.banner.items)
    assert "Needed by" in page.detail.form.needed_by.text()


def test_24_hour_warning_shows_due_and_late_reviews(qtbot, page, demo):
    case_id, event_id = _warned_event(demo)
    banner = page.list.banner
    assert banner.isVisible()
    assert "HEALTH INPUT NEEDED" in banner.heading.text()
    line = next(
        t for t, i in zip(banner.lines(), banner.items, strict=True) if i.event_id == event_id
    )
    assert line.startswith("DUE in ")
    assert "no health input planned" in line
    row = next(r for r in page.list.shown_rows() if r.case_id == case_id)
    assert (
        page.list.model.index(page.list.shown_rows().index(row), _column(page, "24 hours")).data()
        == "DUE < 24 hours"
    )

    # A review whose time has passed with no input at all is LATE, listed first.
    late = acct.add_event(demo, case_id, "CASE_REVIEW", scheduled_at=utc_now() - timedelta(hours=3))
    page.refresh()
    assert banner.items[0].event_id == late.id
    assert banner.items[0].late
    assert banner.lines()[0].startswith("LATE by 3 h")
    assert "(1 late)" in banner.heading.text()

    # Enter on a warning line opens that case with that event chosen.
    banner.list.setCurrentRow(0)
    banner.list.setFocus()
    qtbot.keyClick(banner.list, Qt.Key.Key_Return)
    assert page.stack.currentWidget() is page.detail
    assert page.detail.chosen_event().id == late.id
    assert _event_status(page, late.id).startswith("LATE")


def test_invalid_contribution_gives_a_clear_message_and_stores_nothing(qtbot, page, demo):
    case_id, event_id = _flagged_event(demo)
    before = len(
        next(e for e in acct.case_view(demo, case_id).events if e.id == event_id).contributions
    )
    open_acct_from_list(qtbot, page, case_id)
    add_written_contribution(qtbot, page, event_id, "")
    form = page.detail.form
    assert form.problem.isVisible()
    assert form.problem.text() == "Write the risk-relevant summary shared with the case manager."
    # No type chosen at all.
    choose(form.kind, None)
    qtbot.keyClicks(form.summary, "Something")
    qtbot.mouseClick(form.add_button, Qt.MouseButton.LeftButton)
    assert "Choose how healthcare contributed from the list." in form.problem.text()
    assert form.summary.toPlainText() == "Something"  # what was typed is kept
    # A held review cannot take planned input: the box is not offered.
    assert not form.planned.isEnabled()
    after = next(e for e in acct.case_view(demo, case_id).events if e.id == event_id)
    assert len(after.contributions) == before


def test_mh_in_reach_caseload_variant(qtbot, page, demo):
    qtbot.mouseClick(page.list.mh_only, Qt.MouseButton.LeftButton)
    shown = page.list.shown_rows()
    expected = {r.case_id for r in acct.open_cases(demo) if r.on_mh_caseload}
    assert expected
    assert {r.case_id for r in shown} == expected
    open_acct_from_list(qtbot, page, shown[0].case_id)
    assert "MH in-reach caseload" in page.detail.facts.text()


def test_open_target_by_event_id_and_privacy(qtbot, page, demo):
    case_id, event_id = _warned_event(demo)
    page.open_target(event_id)
    assert page.detail.view.id == case_id
    assert page.detail.chosen_event().id == event_id
    name = page.detail.patient.display_name
    assert name in page.detail.heading.text()
    page.context.privacy.set_masked(True)
    assert name not in page.detail.heading.text()
    assert all(name not in line for line in page.list.banner.lines())


def test_unsent_input_survives_a_lock(qtbot, page, demo, demo_home):
    case_id, event_id = _warned_event(demo)
    page.open_target(event_id)
    choose(page.detail.form.kind, "WRITTEN_CONTRIBUTION")
    qtbot.keyClicks(page.detail.form.summary, "Low mood today; protective factors discussed.")
    page.save_drafts()
    page.clear()
    demo.lock()
    reopened = Vault(demo_home).unlock("nurse", PASSWORD)
    page.context.vault = reopened
    try:
        page.set_vault(reopened)
        form = page.detail.form
        assert page.detail.chosen_event().id == event_id
        assert form.summary.toPlainText() == "Low mood today; protective factors discussed."
        assert form.kind.currentData() == "WRITTEN_CONTRIBUTION"
        qtbot.mouseClick(form.add_button, Qt.MouseButton.LeftButton)
        event = next(e for e in acct.case_view(reopened, case_id).events if e.id == event_id)
        assert event.input_status is InputStatus.QUALIFYING
        assert list_drafts(reopened, form="acct_contribution") == ()
    finally:
        reopened.lock()


def test_hca_sees_gaps_but_cannot_contribute(qtbot, demo_home, no_boxes):
    hca = Vault(demo_home).unlock("hca", PASSWORD)
    try:
        page = AcctPage(page_context(hca))
        show(qtbot, page)
        page.on_shown()
        assert page.list.model.rowCount() > 0
        case_id, _ = _warned_event(hca)
        page.open_target(case_id)
        form = page.detail.form
        assert not form.add_button.isEnabled()
        assert "Only registered clinicians record health input" in form.refusal.text()
    finally:
        hca.lock()


def test_flags_text_words(demo):
    rows = acct.open_cases(demo)
    assert any("HIGH ×" in flags_text(r) for r in rows)
    assert all(flags_text(r) == "No gaps" for r in rows if not r.flag_count)


def test_models_pass_the_qt_model_tester(qtbot, qtmodeltester, page, demo):
    qtmodeltester.check(page.list.model)
    case_id, _ = _flagged_event(demo)
    open_acct_from_list(qtbot, page, case_id)
    qtmodeltester.check(page.detail.events)
    qtmodeltester.check(page.detail.given)


def test_mh_in_reach_staff_start_on_their_caseload(qtbot, demo_home, no_boxes):
    mh = Vault(demo_home).unlock("mhnurse", PASSWORD)
    try:
        page = AcctPage(page_context(mh))
        show(qtbot, page)
        page.on_shown()
        assert page.list.mh_only.isChecked()
        assert all(r.on_mh_caseload for r in page.list.shown_rows())
        _, event_id = _warned_event(mh)
        page.open_target(event_id)
        # They record input for their own team only: the team is set and fixed.
        assert page.detail.form.team.currentData() == "MH_IN_REACH"
        assert not page.detail.form.team.isEnabled()
    finally:
        mh.lock()


def _team_pulled(vault, team: str) -> None:
    """The signed-in user's own staff record, as a pull brings a newer revision of it (an
    administrator on a newer laptop gave them a team this version does not know)."""
    from sqlalchemy import select

    from hjdesk.storage.models import Staff
    from hjdesk.storage.serialise import row_payload
    from hjdesk.sync.cycle import remote_session
    from hjdesk.sync.local_apply import PageResult, apply_changes
    from hjdesk.sync.protocol import Change

    with vault.session() as session:
        staff = session.scalar(select(Staff).where(Staff.id == vault.actor.staff_id))
        payload = {**row_payload(staff), "team": team, "rev": staff.rev + 1}
    result = PageResult()
    change = Change(seq=1, kind="staff", record_id=payload["id"], rev=payload["rev"],
                    patient_id=None, payload=payload)  # fmt: skip
    with remote_session(vault) as session:
        apply_changes(session, [change], result)
    assert (result.applied, result.quarantined) == (1, 0)


def test_a_team_this_version_does_not_know_is_shown_as_itself_and_said_on_signing(
    qtbot, page, demo
):
    """A clinician whose team came from a newer laptop: the form shows that team (fixed), not
    the first team of the list, and Sign says why input cannot be recorded here, writing
    nothing (before, Sign was refused as 'your own team only', naming a team not theirs)."""
    _team_pulled(demo, "DENTAL")
    case_id, event_id = _warned_event(demo)
    page.refresh()
    open_acct_from_list(qtbot, page, case_id)
    assert page.detail.choose_event(event_id)
    form = page.detail.form
    assert form.team.value() == "DENTAL"
    assert "‘DENTAL’ — not known to this version" in form.team.currentText()
    assert not form.team.isEnabled()
    before = acct.case_view(demo, case_id)
    form.choose_type("WRITTEN_CONTRIBUTION")
    qtbot.keyClicks(form.summary, "Seen today; no new risk.")
    form.add_button.click()
    assert "Your team, ‘DENTAL’, is not one this version of HJDesk knows" in form.problem.text()
    assert acct.case_view(demo, case_id) == before


def test_a_second_live_acct_for_one_person_is_said_on_the_case(qtbot, page, demo):
    """Two live ACCTs for one person come only through the estate (H-38: a roll's HA alert
    mirrored one before the history brought the one that travelled): the case says so, in
    red, with when the other was opened; a person with one live ACCT sees no such line."""
    from tests.sync.test_hostile_content import Hostile, store_as_pulled

    case_id, _ = _warned_event(demo)
    patient_id = acct.case_view(demo, case_id).patient_id
    others = [r.case_id for r in acct.open_cases(demo) if r.who.patient_id != patient_id]
    store_as_pulled(demo, Hostile("acct_case", {"status": "OPEN"}), patient_id)
    assert len(acct.case_view(demo, case_id).other_live_opened) == 1
    page.refresh()
    open_acct_from_list(qtbot, page, case_id)
    alerts = page.detail.alerts
    assert "ANOTHER OPEN ACCT for this person (opened " in alerts.text()
    assert "ask the case manager which is current" in alerts.text()
    assert severity_colour("RED").name() in alerts.styleSheet()
    page.open_target(others[0])
    assert "ANOTHER OPEN ACCT" not in page.detail.alerts.text()


def test_input_marked_entered_in_error_from_the_case_brings_the_gap_back(qtbot, page, demo):
    case_id, event_id = _warned_event(demo)
    open_acct_from_list(qtbot, page, case_id)
    add_contribution(qtbot, page, event_id, "WRITTEN_CONTRIBUTION", "Wrong patient's summary.")
    assert _event_status(page, event_id) == "Given"
    table = page.detail.given_table
    assert not page.detail.withdraw_button.isEnabled()
    last = page.detail.given.rowCount() - 1
    table.selectRow(last)
    assert page.detail.withdraw_button.isEnabled()
    page.detail.withdraw_button.click()
    dialog = page.withdraw_dialog
    assert dialog is not None
    dialog.ok.click()
    assert "Give the reason" in dialog.problem.text()
    qtbot.keyClicks(dialog.reason, "Written for another patient")
    dialog.ok.click()
    assert page.withdraw_dialog is None
    event = next(e for e in acct.case_view(demo, case_id).events if e.id == event_id)
    assert all(c.summary != "Wrong patient's summary." for c in event.contributions)
    assert _event_status(page, event_id) != "Given"
    assert "entered in error" in page.detail.form.done.text()


def _given_row(page, summary: str) -> int:
    return next(n for n, c in enumerate(page.detail.given.rows) if c.summary == summary)


def test_input_amended_from_the_case_is_recounted_and_keeps_the_original(qtbot, page, demo):
    """The Amend action: a corrected entry replaces the original (kept, readable), and the
    flags follow the correction at once."""
    case_id, event_id = _flagged_event(demo)
    open_acct_from_list(qtbot, page, case_id)
    add_written_contribution(qtbot, page, event_id, "Shared the wrong review's summary.")
    assert "HIGH" not in _event_flags(page, event_id)
    assert not page.detail.amend_button.isEnabled()
    page.detail.given_table.selectRow(_given_row(page, "Shared the wrong review's summary."))
    assert page.detail.amend_button.isEnabled()
    qtbot.mouseClick(page.detail.amend_button, Qt.MouseButton.LeftButton)
    dialog = page.amend_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.summary.toPlainText() == "Shared the wrong review's summary."
    dialog.sign_button.click()
    assert "Give the reason" in dialog.problem.text()
    qtbot.keyClicks(dialog.reason, "Was invited but could not attend; nothing was shared")
    dialog.sign_button.click()
    assert "Nothing has been corrected" in dialog.problem.text()
    choose(dialog.kind, "INVITED_UNABLE_TO_ATTEND")
    dialog.summary.setPlainText("")
    dialog.sign_button.click()
    assert page.amend_dialog is None, dialog.problem.text()
    # The correction no longer counts: the HIGH gap is back on the screen and in the service.
    assert "HIGH" in _event_flags(page, event_id)
    view = acct.case_view(demo, case_id)
    assert any(f.event_id == event_id and f.severity is rules.Severity.HIGH for f in view.flags)
    event = next(e for e in view.events if e.id == event_id)
    fixed = next(c for c in event.contributions if c.amends_id is not None)
    assert fixed.contribution_type == "INVITED_UNABLE_TO_ATTEND"
    assert fixed.replaced == "Written contribution: Shared the wrong review's summary."
    assert all(c.summary != "Shared the wrong review's summary." for c in event.contributions)
    row = next(n for n, c in enumerate(page.detail.given.rows) if c.id == fixed.id)
    assert page.detail.given.index(row, 0).data().endswith("(corrected)")
    tip = page.detail.given.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "Shared the wrong review's summary." in tip
    assert "Amended" in page.detail.form.done.text()


def test_an_hca_cannot_amend_or_withdraw_health_input(qtbot, demo_home, no_boxes):
    hca = Vault(demo_home).unlock("hca", PASSWORD)
    try:
        page = AcctPage(page_context(hca))
        show(qtbot, page)
        page.on_shown()
        case_id, _ = _flagged_event(hca)
        event = next(e for e in acct.case_view(hca, case_id).events if e.contributions)
        open_acct_from_list(qtbot, page, case_id)
        assert page.detail.choose_event(event.id)
        page.detail.given_table.selectRow(0)
        assert page.detail.chosen_input() is not None
        assert not page.detail.amend_button.isEnabled()
        assert not page.detail.withdraw_button.isEnabled()
        assert "registered clinician" in page.detail.amend_button.toolTip()
    finally:
        hca.lock()


def test_another_teams_input_cannot_be_corrected_from_the_case(qtbot, page, demo):
    """As when signing, a clinician corrects only their own team's input (the nurse is primary
    care; MH in-reach input stays theirs)."""
    found = next(
        (view.id, event.id, c.id)
        for row in acct.open_cases(demo)
        for view in [acct.case_view(demo, row.case_id)]
        for event in view.events
        for c in event.contributions
        if c.team == "MH_IN_REACH"
    )
    case_id, event_id, contribution_id = found
    open_acct_from_list(qtbot, page, case_id)
    assert page.detail.choose_event(event_id)
    row = next(n for n, c in enumerate(page.detail.given.rows) if c.id == contribution_id)
    page.detail.given_table.selectRow(row)
    assert not page.detail.amend_button.isEnabled()
    assert not page.detail.withdraw_button.isEnabled()


def test_a_correction_being_typed_survives_a_lock(qtbot, page, demo):
    """At a lock the amend dialog keeps what was typed as a draft (in the vault) and closes;
    amending the same input again brings it back; signing discards the draft."""
    case_id, event_id = _flagged_event(demo)
    open_acct_from_list(qtbot, page, case_id)
    add_written_contribution(qtbot, page, event_id, "Summary for the wrong review.")
    page.detail.given_table.selectRow(_given_row(page, "Summary for the wrong review."))
    page.detail.amend_button.click()
    dialog = page.amend_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.reason, "Typed against the wrong review")
    dialog.summary.setPlainText("Settled; sleeping better.")
    dialog.close_for_lock()  # what the shell does to every dialog when the laptop locks
    assert page.amend_dialog is None
    (kept,) = list_drafts(demo, form="amend_acct_contribution")
    page.detail.given_table.selectRow(_given_row(page, "Summary for the wrong review."))
    page.detail.amend_button.click()
    again = page.amend_dialog
    assert again is not None
    assert again.reason.text() == "Typed against the wrong review"
    assert again.summary.toPlainText() == "Settled; sleeping better."
    assert "before the laptop locked" in again.problem.text()
    again.sign_button.click()
    assert page.amend_dialog is None, again.problem.text()
    assert list_drafts(demo, form="amend_acct_contribution") == ()
    event = next(e for e in acct.case_view(demo, case_id).events if e.id == event_id)
    assert "Settled; sleeping better." in [c.summary for c in event.contributions]
    assert kept.context_id is not None


@pytest.mark.parametrize(
    ("scheduled_in", "said", "not_said"),
    [
        (timedelta(hours=1), "less than 2 hours away", "has passed"),
        (-timedelta(hours=3), "That time has passed", "less than 2 hours away"),
    ],
)
def test_the_form_says_whether_the_needed_by_time_is_near_or_has_passed(
    qtbot, page, demo, scheduled_in, said, not_said
):
    """A review not yet held: input needed within 2 hours is "less than 2 hours away"; input
    whose needed-by time has gone says so plainly (the review may go ahead without it), never
    that it is still ahead. Both are warnings."""
    from hjdesk.ui.widgets.message_line import Tone

    case_id, _ = _warned_event(demo)
    event = acct.add_event(demo, case_id, "CASE_REVIEW", scheduled_at=utc_now() + scheduled_in)
    open_acct_from_list(qtbot, page, case_id)
    assert page.detail.choose_event(event.id)
    line = page.detail.form.needed_by
    assert said in line.text()
    assert not_said not in line.text()
    assert line.tone is Tone.WARNING
    assert line.isVisible()


@pytest.mark.parametrize(
    ("window", "said"),
    [
        (timedelta(minutes=90), "less than 90 minutes away"),
        (timedelta(hours=3), "less than 3 hours away"),
        (timedelta(minutes=30), None),
    ],
)
def test_the_forms_warning_window_follows_the_acct_policy(
    qtbot, page, demo, monkeypatch, window, said
):
    """Change the policy's sync-warning window and the form's words and tone change with it:
    input needed in an hour is inside a 90-minute or a 3-hour window, and the warning names
    that window; outside a 30-minute one it is only information."""
    from hjdesk.clinical import acct as rules
    from hjdesk.ui.widgets.message_line import Tone

    policy = rules.AcctPolicy(unsynced_warning_window=window)
    monkeypatch.setattr(rules, "DEFAULT_ACCT_POLICY", policy)
    case_id, _ = _warned_event(demo)
    soon = utc_now() + timedelta(hours=1)
    event = acct.add_event(demo, case_id, "CASE_REVIEW", scheduled_at=soon)
    open_acct_from_list(qtbot, page, case_id)
    assert page.detail.choose_event(event.id)
    line = page.detail.form.needed_by
    assert "2 hours" not in line.text()
    if said is None:
        assert "away" not in line.text()
        assert line.tone is not Tone.WARNING
    else:
        assert said in line.text()
        assert line.tone is Tone.WARNING


@pytest.mark.parametrize(
    ("window", "said"), [(timedelta(hours=12), "12 hours"), (timedelta(minutes=90), "90 minutes")]
)
def test_the_case_lists_window_words_come_from_the_policy_it_is_given(qtbot, demo, window, said):
    """The open-ACCT list given another upcoming window (H-14): its column, the DUE cells, the
    warning's heading and its name all say that window, never "24 hours"."""
    from hjdesk.ui.acct.case_list import AcctCaseList

    policy = rules.AcctPolicy(upcoming_window=window)
    listing = AcctCaseList(page_context(demo).privacy, policy=policy)
    show(qtbot, listing)
    listing.show_rows(list(acct.open_cases(demo)), list(acct.input_due(demo)))
    titles = [c.title for c in listing.model.columns]
    assert said.capitalize() in titles
    assert "24 hours" not in titles
    column = titles.index(said.capitalize())
    shown = listing.shown_rows()
    warned = [n for n, r in enumerate(shown) if r.warnings and not r.late]
    assert warned, "the demo has a review due soon with no input planned"
    for number in warned:
        assert listing.model.index(number, column).data() == f"DUE < {said}"
    heading = listing.banner.heading.text()
    assert f"health input within {said} or already late" in heading
    assert "24 hours" not in heading
    assert said in listing.banner.heading.accessibleName()

    listing.show_rows([], [])
    assert listing.banner.heading.text() == (
        f"No ACCT review needs health input in the next {said}."
    )


def test_the_pages_window_words_follow_the_acct_policy(qtbot, demo, no_boxes, monkeypatch):
    """The page takes no policy: it reads the one the services use when it is made, and so does
    the case it opens, so a changed upcoming window is said everywhere the window is named."""
    from hjdesk.ui.record.acct_tab import event_input

    monkeypatch.setattr(
        rules, "DEFAULT_ACCT_POLICY", rules.AcctPolicy(upcoming_window=timedelta(hours=36))
    )
    page = AcctPage(page_context(demo))
    show(qtbot, page)
    page.on_shown()
    case_id, event_id = _warned_event(demo)
    assert "36 hours" in [c.title for c in page.list.model.columns]
    assert "health input within 36 hours or already late" in page.list.banner.heading.text()
    open_acct_from_list(qtbot, page, case_id)
    assert "DUE within 36 hours" in _event_flags(page, event_id)
    assert _event_status(page, event_id) == "NEEDED within 36 hours: none planned"
    # The patient record's ACCT tab says it the same way.
    view = acct.case_view(demo, case_id)
    event = next(e for e in view.events if e.id == event_id)
    warnings = [w for w in view.warnings if w.event_id == event_id]
    assert warnings
    text, _ = event_input(event, [], warnings)
    assert text.endswith("WARNING: due within 36 hours, none planned")
