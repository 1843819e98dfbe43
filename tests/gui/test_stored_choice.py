"""`StoredChoice`: a stored code the list does not offer reads back as stored (offscreen)."""

from __future__ import annotations

from typing import Any

from hjdesk.ui.widgets.stored_fields import StoredChoice

CHOICES = (("OPEN", "Open"), ("DONE", "Done"))


def _choice(qtbot: Any, blank: str | None = None) -> StoredChoice:
    combo = StoredChoice("Plan status", CHOICES, blank)
    qtbot.addWidget(combo)
    return combo


def test_a_known_value_is_chosen_and_nothing_is_added(qtbot: Any) -> None:
    combo = _choice(qtbot, blank="not recorded")
    combo.keep("DONE")
    assert (combo.currentText(), combo.value(), combo.count()) == ("Done", "DONE", 3)
    assert not combo.unknown()
    assert combo.problem("plan status") is None
    combo.keep(None)
    assert (combo.currentText(), combo.value()) == ("not recorded", None)


def test_an_unknown_value_shows_as_itself_and_reads_back_until_another_is_chosen(
    qtbot: Any,
) -> None:
    combo = _choice(qtbot)
    combo.keep("ON_HOLD")
    assert combo.currentText() == "\u2018ON_HOLD\u2019 — not known to this version (kept)"
    assert combo.value() == "ON_HOLD"
    assert combo.unknown()
    assert combo.toolTip()
    assert combo.accessibleDescription()
    assert combo.problem("plan status") == (
        "The plan status reads \u2018ON_HOLD\u2019, which this version does not know: choose "
        "one from the list to save."
    )
    combo.setCurrentIndex(combo.findData("OPEN"))  # a person chooses another entry
    assert (combo.value(), combo.unknown(), combo.toolTip()) == ("OPEN", False, "")
    combo.setCurrentIndex(combo.findData("ON_HOLD"))  # and may go back to the stored one
    assert combo.value() == "ON_HOLD"


def test_keeping_another_record_drops_the_earlier_unknown_entry(qtbot: Any) -> None:
    combo = _choice(qtbot)
    combo.keep("ON_HOLD")
    combo.keep("DONE")
    assert combo.findData("ON_HOLD") < 0
    assert combo.count() == len(CHOICES)


def test_hostile_text_is_shown_on_one_short_line_and_kept_whole(qtbot: Any) -> None:
    stored = "line one\nline two " + "x" * 1000
    combo = _choice(qtbot)
    combo.keep(stored)
    assert "\n" not in combo.currentText()
    assert len(combo.currentText()) < 100
    assert combo.value() == stored
