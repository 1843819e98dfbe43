"""What the record's writing dialogs share (amend, screening, release plan): a problem line
under the form, and a Save button that stays off while the write runs and comes back on failure."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QPushButton

from hjdesk.storage.errors import KnownError
from hjdesk.ui.widgets.message_line import MessageLine


class WriteDialog(QDialog):
    """Subclasses set `self.error` (its message line) and `self.save_button` in their layout."""

    error: MessageLine
    save_button: QPushButton

    def _problem(self, text: str) -> None:
        self.error.problem(text)

    def _failed(self, exc: KnownError) -> None:
        """A refused write: say why on the form and let the user try again."""
        self.save_button.setEnabled(True)
        self._problem(str(exc))
