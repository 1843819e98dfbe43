"""A wing session with the keyboard alone: every key goes to whichever widget has the focus,
every control is reached with Tab (or its shortcut), and any mouse event fails the test.

unlock → Wing clinics (Alt+2) → a new session → outcomes by their keys (a seen patient with a
NEWS2 needing escalation, signed with Ctrl+Return; a refusal with its answers; a not-unlocked
with a reason) → ACCT (Alt+4): a case opened from the list, an event chosen, health input signed
→ Care plans (Alt+5): a live plan opened, a review recorded in its dialog and signed → lock
(Ctrl+L) → unlock → what was recorded is stored, as the services read it back.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QTableWidget,
    QWidget,
)

from hjdesk.clinical.attendance import Outcome
from hjdesk.services import acct, clinics, encounters, patients
from hjdesk.services.care_plans.reads import DisplayStatus, plan_view
from hjdesk.storage.vault import Vault
from hjdesk.ui.app import Shell
from hjdesk.ui.tasks import InlineRunner
from tests.conftest import PASSWORD

MOUSE_EVENTS = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonRelease,
    QEvent.Type.MouseButtonDblClick,
    QEvent.Type.Wheel,
}


class _NoMouse(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in MOUSE_EVENTS:
            self.seen.append(f"{event.type().name} on {type(watched).__name__}")
        return False


@pytest.fixture
def no_mouse() -> Iterator[_NoMouse]:
    watcher = _NoMouse()
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(watcher)
    yield watcher
    app.removeEventFilter(watcher)
    assert watcher.seen == [], "the keyboard-only run used the mouse"


class Keyboard:
    """Keys to whatever has the focus, as a person at the keyboard presses them."""

    def __init__(self, qtbot) -> None:
        self.qtbot = qtbot

    def focus(self) -> QWidget:
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has the keyboard focus"
        return widget

    def press(self, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        self.qtbot.keyClick(self.focus(), key, modifier)

    def type(self, text: str) -> None:
        self.qtbot.keyClicks(self.focus(), text)

    def tab_to(self, target: QWidget, limit: int = 150) -> None:
        for _ in range(limit):
            if self.focus() is target:
                return
            self.press(Qt.Key.Key_Tab)
        raise AssertionError(f"{target.accessibleName() or target} is not reachable with Tab")

    def choose(self, combo: QComboBox, value: object) -> None:
        self.tab_to(combo)
        self.press(Qt.Key.Key_Home)
        for _ in range(combo.count()):
            if combo.currentData() == value:
                return
            self.press(Qt.Key.Key_Down)
        raise AssertionError(f"{value!r} not offered by {combo.accessibleName()}")

    def row(self, table: QTableWidget, row: int) -> None:
        """Up or Down in the list until `row` is the current one."""
        self.tab_to(table)
        for _ in range(table.rowCount() + 1):
            if table.currentRow() == row:
                return
            self.press(Qt.Key.Key_Down if table.currentRow() < row else Qt.Key.Key_Up)
        raise AssertionError(f"row {row} cannot be reached with the arrow keys")

    def view_row(self, view: QAbstractItemView, row: int) -> None:
        """Ctrl+Home, then Down, in a list of rows: `row` becomes the current and chosen one (Space
        chooses it when the arrows did not move: the focus alone makes a row current)."""
        self.tab_to(view)
        self.press(Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)  # the first row
        for _ in range(row):
            self.press(Qt.Key.Key_Down)
        assert view.currentIndex().row() == row
        if not view.selectionModel().isRowSelected(row):
            self.press(Qt.Key.Key_Space)
        assert [i.row() for i in view.selectionModel().selectedRows()] == [row]

    def fill(self, field: QWidget, text: str) -> None:
        self.tab_to(field)
        self.press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        self.type(text)


def _activate(qtbot, window: QWidget) -> None:
    # The window manager's job when a window opens; offscreen, the test does it.
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)


def test_a_wing_session_with_the_keyboard_alone(qtbot, demo_home, no_mouse) -> None:
    shell = Shell(Vault(demo_home), InlineRunner(), "nurse")
    qtbot.addWidget(shell)
    shell.resize(1280, 800)
    shell.show()
    qtbot.waitExposed(shell)
    _activate(qtbot, shell)
    keys = Keyboard(qtbot)

    # -- unlock: the password field has the focus ------------------------------------------
    assert keys.focus() is shell.unlock_screen.password
    keys.type(PASSWORD)
    keys.press(Qt.Key.Key_Return)
    assert shell.opened is not None
    workspace = shell.workspace

    # -- Wing clinics, a new session on wing A ---------------------------------------------
    keys.press(Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    page = workspace.page("Wing clinics")
    assert workspace.current_page is page
    keys.tab_to(page.new_button)
    keys.press(Qt.Key.Key_Space)
    creator = page.creator
    keys.choose(creator.clinic_type, "GENERAL_NURSE")
    keys.choose(creator.period, "AM")
    keys.fill(creator.wings, "A")
    keys.fill(creator.officer, "Officer Hughes")
    keys.tab_to(creator.create_button)
    keys.press(Qt.Key.Key_Space)
    assert page.view is not None, creator.message.text()
    vault = shell.opened
    wing = page.view.wings[0]
    for person in [p for p in patients.caseload(vault) if p.wing == wing][:3]:
        clinics.add_to_session(vault, page.view.id, person.id, "Wing health check")  # booking
    page.show_session(page.view.id)
    session_id = page.view.id

    # -- row 1: seen; the encounter form opens ---------------------------------------------
    keys.row(page.table, 0)
    keys.press(Qt.Key.Key_1)
    dialog = page.dialog
    assert dialog is not None
    assert dialog.isVisible()
    _activate(qtbot, dialog)
    form = dialog.form
    vitals = form.vitals
    for field, value in ((vitals.resp_rate, "24"), (vitals.spo2, "93"), (vitals.systolic, "105"),
                         (vitals.pulse, "115"), (vitals.temperature, "38.6")):  # fmt: skip
        keys.fill(field, value)
    keys.choose(vitals.scale, 1)
    keys.choose(vitals.oxygen, False)
    keys.choose(vitals.consciousness, "A")
    keys.fill(form.narrative.text, "Feverish and breathless on the wing.")
    keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "escalation" in form.message.text().lower()  # NEWS2 >= 5: not signed yet
    keys.fill(form.escalation.to, "Duty GP, Dr Okafor")
    keys.fill(form.escalation.action, "Transferred to HCU for review")
    keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not dialog.isVisible(), form.message.text()
    _activate(qtbot, shell)

    # -- row 2: refused, with its answers; row 3: not unlocked, with a reason --------------
    assert keys.focus() is page.table  # closing the form gives the list its focus back
    keys.row(page.table, 1)
    keys.press(Qt.Key.Key_4)
    panel = page.outcomes
    keys.choose(panel.risks, True)
    keys.choose(panel.capacity, False)
    keys.fill(panel.witness, "Officer Hughes")
    keys.press(Qt.Key.Key_Return)
    keys.row(page.table, 2)
    keys.press(Qt.Key.Key_6)
    keys.fill(panel.reason, "Wing short-staffed after an incident")
    keys.press(Qt.Key.Key_Return)

    # -- ACCT: health input for a review of the first open case ---------------------------
    keys.press(Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
    acct_page = workspace.page("ACCT")
    assert workspace.current_page is acct_page
    case_id = acct_page.list.shown_rows()[0].case_id
    keys.view_row(acct_page.list.table, 0)
    keys.press(Qt.Key.Key_Return)  # opens the case
    detail = acct_page.detail
    assert detail.view is not None
    assert detail.view.id == case_id
    keys.view_row(detail.event_table, 0)
    event_id = detail.events.rows[0].id
    contribution = acct_page.form
    assert contribution.add_button.isEnabled(), contribution.refusal.text()
    keys.choose(contribution.kind, "WRITTEN_CONTRIBUTION")
    keys.fill(contribution.summary, "Seen on the wing today; engaging, no new self-harm.")
    keys.tab_to(contribution.add_button)
    keys.press(Qt.Key.Key_Space)
    assert "Added" in contribution.done.text(), contribution.problem.text()

    # -- Care plans: a review of the first live plan ---------------------------------------
    keys.press(Qt.Key.Key_5, Qt.KeyboardModifier.AltModifier)
    plans_page = workspace.page("Care plans")
    assert workspace.current_page is plans_page
    listed = plans_page.list.model.rows
    row = next(i for i, r in enumerate(listed) if r.display_status is not DisplayStatus.DRAFT)
    plan_id = listed[row].plan_id
    reviews_before = len(plan_view(vault, plan_id).reviews)
    keys.view_row(plans_page.list.table, row)
    keys.press(Qt.Key.Key_Return)  # opens the plan in the editor
    editor = plans_page.editor
    assert editor.plan_id == plan_id
    keys.tab_to(editor.review_button)
    keys.press(Qt.Key.Key_Space)
    review = editor.lifecycle.review_dialog
    assert review is not None
    assert review.isVisible()
    _activate(qtbot, review)
    keys.fill(review.attendees, "Alex Morgan, patient")
    keys.fill(review.outcome, "Sleeping better; goals on track.")
    keys.fill(review.changes, "None.")
    keys.tab_to(review.buttons.button(QDialogButtonBox.StandardButton.Ok))
    keys.press(Qt.Key.Key_Space)
    assert not review.isVisible(), review.problem.text()
    _activate(qtbot, shell)

    # -- lock and unlock from the keyboard -------------------------------------------------
    keys.press(Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert shell.stack.currentWidget() is shell.unlock_screen
    assert keys.focus() is shell.unlock_screen.password
    keys.type(PASSWORD)
    keys.press(Qt.Key.Key_Return)
    vault = shell.opened
    assert vault is not None

    stored = clinics.session_view(vault, session_id).appointments
    assert [a.outcome for a in stored] == [Outcome.ATTENDED, Outcome.REFUSED,
                                           Outcome.NOT_UNLOCKED]  # fmt: skip
    assert stored[1].witness_name == "Officer Hughes"
    assert (stored[1].risks_explained, stored[1].capacity_concern) == (True, False)
    assert stored[2].outcome_reason == "Wing short-staffed after an incident"
    assert stored[0].encounter_id is not None
    signed = encounters.encounter_history(vault, stored[0].encounter_id).current
    assert signed.escalated_to == "Duty GP, Dr Okafor"

    (event,) = [e for e in acct.case_view(vault, case_id).events if e.id == event_id]
    (given,) = [c for c in event.contributions if c.contribution_type == "WRITTEN_CONTRIBUTION"
                and c.summary == "Seen on the wing today; engaging, no new self-harm."]  # fmt: skip
    assert (given.team, given.planned, given.signed_at is not None) == ("PRIMARY_CARE", False, True)
    assert given.counts_as_health_input

    reviews = plan_view(vault, plan_id).reviews
    assert len(reviews) == reviews_before + 1
    (recorded,) = [r for r in reviews if r.outcome == "Sleeping better; goals on track."]
    assert recorded.attendees == ("Alex Morgan", "patient")
    assert (recorded.decision, recorded.changes) == ("CONTINUE", "None.")
    assert recorded.signed_at is not None
