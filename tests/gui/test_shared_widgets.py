"""The shared message line and form-row builder (ui/widgets): what every form relies on them for
— a problem said in words and announced, a caption that focuses its field, a name for screen
readers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from hjdesk.storage.errors import KnownError
from hjdesk.ui.widgets.form_rows import FormRows, plain
from hjdesk.ui.widgets.message_line import MessageLine, Tone


def test_a_message_line_is_hidden_until_it_has_something_to_say(qtbot: QtBot) -> None:
    holder = QWidget()
    qtbot.addWidget(holder)
    line = MessageLine("Roll import: problem", holder, problem_prefix="Not done: ")
    holder.show()
    assert line.isHidden()
    assert line.accessibleName() == "Roll import: problem"

    line.problem("The file has no header row.")
    assert line.isVisible()
    assert line.text() == "Not done: The file has no header row."
    assert line.accessibleDescription() == line.text()  # what a screen reader reads out
    assert line.is_error
    assert line.tone is Tone.PROBLEM
    assert line.property("tone") == "error"

    line.clear()
    assert line.isHidden()
    assert line.text() == ""
    assert not line.is_error


def test_each_state_has_its_own_tone_and_only_a_problem_is_an_error(qtbot: QtBot) -> None:
    line = MessageLine("Needed by")
    qtbot.addWidget(line)
    for say, tone, property_value in (
        (line.warning, Tone.WARNING, "late"),
        (line.info, Tone.INFO, ""),
        (line.success, Tone.SUCCESS, "success"),
    ):
        say("Less than 2 hours away: sync now.")
        assert line.tone is tone
        assert line.property("tone") == property_value
        assert not line.is_error
    line.fail(KnownError("The laptop is locked."))
    assert line.is_error
    assert line.text() == "The laptop is locked."


def test_a_row_caption_is_the_fields_buddy_and_names_it(qtbot: QtBot) -> None:
    form = QWidget()
    qtbot.addWidget(form)
    rows = FormRows()
    form.setLayout(rows.layout)
    reason = QLineEdit()
    named = QLineEdit()
    named.setAccessibleName("Reason for the amendment")
    row = rows.add("Rea&son:", reason)
    rows.add("&Other:", named)

    assert row.caption is not None
    assert row.caption.buddy() is reason
    assert reason.accessibleName() == "Reason"
    assert named.accessibleName() == "Reason for the amendment"  # a better name is kept
    assert row.problem is None

    form.show()
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form, timeout=3000)
    named.setFocus()
    qtbot.keyClick(named, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # the caption's mnemonic
    assert QApplication.focusWidget() is reason


def test_a_required_row_says_so_in_words_and_can_carry_its_own_problem_line(
    qtbot: QtBot,
) -> None:
    rows = FormRows()
    host = QWidget()
    host.setLayout(rows.layout)
    qtbot.addWidget(host)
    witness = QLineEdit()
    row = rows.add(
        "&Witness name:", witness, required=True, description="Who saw the refusal.", problem=True
    )
    assert row.caption is not None
    assert row.caption.text() == "&Witness name (required):"
    assert witness.accessibleDescription() == "Required. Who saw the refusal."
    assert row.problem is not None
    assert row.problem.accessibleName() == "Witness name: problem"
    assert row.problem.isHidden()
    row.problem.problem("Record the name of the witness to the refusal.")
    host.show()
    assert row.problem.isVisible()


def test_a_check_box_row_has_no_caption_and_plain_drops_the_mnemonic() -> None:
    rows = FormRows()
    box = QCheckBox("&Planned — not given yet")
    assert rows.add("", box).caption is None
    assert plain("R&&D &team:") == "R&D team"
