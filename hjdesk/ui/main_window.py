"""The workspace: navigation, global search, privacy switch, lock, and the status bar.

`app.Shell` stacks it under the unlock screen. The pages come from `pages.registry`; they reach
each other through the shared `Navigator`, which this workspace carries out.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services import patients
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.context import PageContext
from hjdesk.ui.global_search import GlobalSearch
from hjdesk.ui.nav_icons import nav_icon
from hjdesk.ui.pages.base import Page
from hjdesk.ui.pages.registry import navigation_pages, other_pages
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.sync_controller import SyncController
from hjdesk.ui.tasks import TaskRunner

PATIENT_RECORD = "Patient record"


WAITING_MESSAGE = "Saving: waiting a moment while sync stores what it received…"


class Workspace(QWidget):
    """What an unlocked user works in."""

    lock_requested = Signal()
    # From the vault, on the thread of a save that waits for another of this app's writes.
    write_waiting = Signal(bool)

    def __init__(self, runner: TaskRunner, status_bar: QStatusBar, privacy: PrivacyState) -> None:
        super().__init__()
        self.runner = runner
        self.privacy = privacy
        self.context = PageContext(runner=runner, privacy=privacy)
        self.heading = QLabel("")
        self.heading.setObjectName("heading")
        self.search = GlobalSearch(self.context)
        self.privacy_switch = QCheckBox("&Hide names")
        self.privacy_switch.setAccessibleName("Privacy: hide names and identifiers")
        self.privacy_switch.setToolTip("Mask names and numbers on every screen (Ctrl+H)")
        self.lock_button = QPushButton("&Lock")
        self.lock_button.setAccessibleName("Lock the laptop")
        self.lock_button.setToolTip("Lock now (Ctrl+L); drafts are kept")
        self.nav = QListWidget()
        self.nav.setAccessibleName("Navigation")
        self.nav.setObjectName("navigation")
        self.nav.setMaximumWidth(190)
        self.nav.setIconSize(QSize(20, 20))
        self.stack = QStackedWidget()
        self.pages: dict[str, Page] = {}
        self.sync = SyncController(self.context, self)
        for page in navigation_pages(self.context, self.sync):
            self.nav.addItem(QListWidgetItem(nav_icon(self.style(), page.title), page.title))
            self._add(page)
        for page in other_pages(self.context):
            self._add(page)
        self._lay_out(status_bar, privacy)

    def _lay_out(self, status_bar: QStatusBar, privacy: PrivacyState) -> None:
        self.header = QWidget()
        self.header.setObjectName("appHeader")
        header = QHBoxLayout(self.header)
        header.setContentsMargins(12, 8, 12, 8)
        header.setSpacing(12)
        header.addWidget(self.heading)
        header.addWidget(self.search, 1)
        header.addWidget(self.privacy_switch)
        header.addWidget(self.lock_button)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 8, 8)
        body.setSpacing(12)
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.header)
        layout.addLayout(body, 1)
        self.sync_label = QLabel("")
        self.sync_label.setAccessibleName("Sync status")
        status_bar.addPermanentWidget(self.sync_label)
        self.user_label = QLabel("")
        status_bar.addWidget(self.user_label)
        self.status_bar = status_bar
        self.write_waiting.connect(self._show_write_waiting)

        navigator = self.context.navigator
        navigator.patient_requested.connect(self.open_patient)
        navigator.page_requested.connect(self.show_page)
        self.sync.status_changed.connect(self.sync_label.setText)
        # The hub had this laptop wiped: its vault is gone, so lock at once.
        self.sync.wiped.connect(self.lock_requested)
        self.search.patient_chosen.connect(navigator.open_patient)
        self.nav.currentRowChanged.connect(self._nav_changed)
        self.privacy_switch.toggled.connect(privacy.set_masked)
        privacy.changed.connect(self.privacy_switch.setChecked)
        self.lock_button.clicked.connect(self.lock_requested)
        self._shortcut("Ctrl+L", self.lock_requested.emit)
        self._shortcut("Ctrl+H", self.privacy_switch.toggle)
        self._shortcut("Ctrl+K", self._focus_search)
        self._shortcut("Ctrl+F", self._focus_search)
        for number in range(1, min(self.nav.count(), 9) + 1):
            self._shortcut(f"Alt+{number}", self._go_to_row(number - 1))

    def _add(self, page: Page) -> None:
        self.pages[page.title] = page
        self.stack.addWidget(page)

    def _go_to_row(self, row: int) -> Callable[[], None]:
        def go() -> None:
            self.nav.setCurrentRow(row)
            self.nav.setFocus()

        return go

    def _shortcut(self, keys: str, slot: Callable[[], object]) -> None:
        action = QAction(self)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def page(self, title: str) -> Page:
        return self.pages[title]

    @property
    def current_page(self) -> Page:
        page = self.stack.currentWidget()
        assert isinstance(page, Page)
        return page

    def _nav_changed(self, row: int) -> None:
        if row < 0:
            return
        self._show(self.pages[self.nav.item(row).text()])

    def _show(self, page: Page) -> None:
        already = self.stack.currentWidget() is page
        self.stack.setCurrentWidget(page)
        if self.context.vault is not None and not already:
            page.on_shown()

    def show_page(self, title: str, target: object = None) -> None:
        page = self.pages.get(title)
        if page is None:
            return
        rows = [r for r in range(self.nav.count()) if self.nav.item(r).text() == title]
        self.nav.blockSignals(True)
        if rows:
            self.nav.setCurrentRow(rows[0])
        else:
            self.nav.clearSelection()
            self.nav.setCurrentRow(-1)
        self.nav.blockSignals(False)
        self._show(page)
        if target is not None:
            page.open_target(target)

    def open_patient(self, patient_id: str) -> None:
        if PATIENT_RECORD in self.pages:
            self.show_page(PATIENT_RECORD, patient_id)

    def _show_write_waiting(self, waiting: bool) -> None:
        """A save held up by the app's own sync says so (and never that the vault is busy)."""
        if waiting:
            self.status_bar.showMessage(WAITING_MESSAGE)
        elif self.status_bar.currentMessage() == WAITING_MESSAGE:
            self.status_bar.clearMessage()

    def set_vault(self, vault: OpenVault) -> None:
        self.context.vault = vault
        vault.add_wait_listener(self.write_waiting.emit)
        actor = vault.actor
        self.user_label.setText(f"Signed in: {actor.username} ({actor.role})")
        for page in self.pages.values():
            page.set_vault(vault)
        self.sync.set_vault(vault)
        self.current_page.on_shown()
        self.runner.run_task(
            lambda: patients.establishment_names(vault), self._show_heading, lambda _: None
        )

    def _show_heading(self, names: list[str]) -> None:
        if self.context.vault is not None:
            self.heading.setText(", ".join(names) or "No patients yet")

    def save_drafts(self) -> None:
        """Before a lock, while the key is still here: every open form becomes a draft."""
        for page in self.pages.values():
            page.save_drafts()

    def clear(self) -> None:
        """Forget everything shown: called on lock, before the unlock screen covers it."""
        self.context.vault = None
        self.sync.clear()
        self.search.clear_results()
        for page in self.pages.values():
            page.clear()
        self.heading.clear()
        self.user_label.clear()
        self.sync_label.clear()
