"""An inline message line for forms: friendlier than a dialog, and tests can read it.

Known errors (`KnownError`) are shown here in words; anything else is a bug and is re-raised to the
crash path.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from hjdesk.storage.errors import KnownError
from hjdesk.ui.theme import set_tone


class MessageLine(QLabel):
    """One line under a form: `ok("Saved.")`, `error("…")`, or `fail(exc)` from a task."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setWordWrap(True)
        self.setAccessibleName(accessible_name)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.is_error = False

    def ok(self, text: str) -> None:
        self._show(text, error=False)

    def error(self, text: str) -> None:
        # Said in words ("Not done:"), not by colour alone.
        self._show(f"Not done: {text}", error=True)

    def fail(self, exc: KnownError) -> None:
        self.error(str(exc))

    def clear(self) -> None:
        self._show("", error=False)

    def _show(self, text: str, *, error: bool) -> None:
        self.is_error = error
        set_tone(self, "error" if error else None)
        self.setText(text)
