"""The one inline message line for forms, panels and dialogs: friendlier than a message box, and
tests can read it.

A line has four states: a problem (what stopped the action, and what to fix), a warning (done, but
look), information and success (news). The state is said in words as well as by the theme's tone
(`theme.set_tone`): colour never carries it alone. The line is hidden while empty, so a form
keeps its shape until there is something to say. A screen reader hears it: the text is also the
line's accessible description (its name says which line it is), and showing a problem or a warning
raises an accessibility alert.

Known errors (`KnownError`) are shown with `fail(exc)`; anything else is a bug and never reaches
here (the runner sends it to the crash path). Red-flag wording is not a message line: the encounter
form's red-flag banner keeps its own treatment, as the clinical rules require.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleEvent
from PySide6.QtWidgets import QLabel, QWidget

from hjdesk.storage.errors import KnownError
from hjdesk.ui.theme import set_tone


class Tone(Enum):
    """What a message line is saying, and the style-sheet tone that shows it."""

    PROBLEM = "error"
    WARNING = "late"
    INFO = ""
    SUCCESS = "success"


class MessageLine(QLabel):
    """One line under a form: `problem("…")`, `warning("…")`, `info("…")`, `success("…")`,
    `fail(exc)` from a task, `clear()`.

    `problem_prefix` is put before a problem's words where the line sits far from the form it
    refuses (an admin panel's "Not done: …"); a line right under its fields needs none.
    """

    def __init__(
        self,
        accessible_name: str = "Problem",
        parent: QWidget | None = None,
        *,
        problem_prefix: str = "",
    ) -> None:
        super().__init__("", parent)
        self.problem_prefix = problem_prefix
        self.tone = Tone.INFO
        self.setWordWrap(True)
        self.setAccessibleName(accessible_name)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    @property
    def is_error(self) -> bool:
        return self.tone is Tone.PROBLEM and bool(self.text())

    def problem(self, text: str) -> None:
        self.show_message(f"{self.problem_prefix}{text}" if text else "", Tone.PROBLEM)

    def fail(self, exc: KnownError) -> None:
        self.problem(str(exc))

    def warning(self, text: str) -> None:
        self.show_message(text, Tone.WARNING)

    def info(self, text: str) -> None:
        self.show_message(text, Tone.INFO)

    def success(self, text: str) -> None:
        self.show_message(text, Tone.SUCCESS)

    def clear(self) -> None:
        self.show_message("", Tone.INFO)

    def show_message(self, text: str, tone: Tone) -> None:
        self.tone = tone
        set_tone(self, tone.value or None)
        self.setText(text)
        self.setAccessibleDescription(text)
        self.setVisible(bool(text))
        if text and tone in (Tone.PROBLEM, Tone.WARNING):
            QAccessible.updateAccessibility(QAccessibleEvent(self, QAccessible.Event.Alert))
