"""What every workspace page shares: the hooks the shell calls (its context, `PageContext`, is in
`ui/context.py` so the feature folders can use it without importing the pages).

A page is built once, before anyone unlocks. The workspace then calls:

- `set_vault(vault)` after an unlock (`context.vault` is set by then);
- `on_shown()` whenever the page is shown (by default `refresh()`, which reloads its data);
- `save_drafts()` just before a lock, while the key is still here, so open forms survive;
- `clear()` after a lock: forget everything shown, because the unlock screen must leave nothing
  readable behind it.

Pages talk to each other only through `context.navigator`, never by holding each other.

A dialog holding a form (an encounter, a contribution) may define `close_for_lock()`: save its
draft, close without asking, and return a function that reopens it after the next unlock (or
None). The shell calls it on lock; other dialogs are simply closed.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMessageBox, QStackedWidget, QVBoxLayout, QWidget

from hjdesk.storage.errors import KnownError
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.context import PageContext


class Page(QWidget):
    """Base for a navigation page. Subclasses set `title` and override the hooks they need."""

    title = ""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setAccessibleName(self.title)

    @property
    def vault(self) -> OpenVault | None:
        return self.context.vault

    def set_vault(self, vault: OpenVault) -> None:
        """Just unlocked (`context.vault` is already set). Pages load lazily in `on_shown`, so
        unlocking does not query for every page at once."""

    def refresh(self) -> None:
        """Reload what the page shows."""

    def on_shown(self) -> None:
        """The user navigated here; by default reload, as others may have changed the data."""
        self.refresh()

    def open_target(self, target: object) -> None:
        """Show a particular item (a session id, a case id…) when navigated to with one."""

    def save_drafts(self) -> None:
        """Write any open form to the vault as a draft (called before a lock)."""

    def clear(self) -> None:
        """Forget everything shown (called after a lock)."""

    def lay_out_list_and_detail(
        self, heading: str, message: QLabel, first: QWidget, second: QWidget
    ) -> QStackedWidget:
        """The shape of a list page that opens one item in place: a heading, a problem line,
        then the list and the item stacked (the list first). Returns the stack."""
        stack = QStackedWidget()
        stack.addWidget(first)
        stack.addWidget(second)
        title = QLabel(heading)
        title.setObjectName("heading")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(message)
        layout.addWidget(stack, 1)
        return stack

    def show_error(self, exc: KnownError) -> None:
        """A user-facing failure, in words (bugs never reach here: the runner sends them to the
        crash path)."""
        QMessageBox.warning(self, "HJDesk", str(exc))
