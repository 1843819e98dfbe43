"""Admin: the laptop's users, the prison roll import and the settings, one tab each.

Every role reaches this page: anyone can change their own password and their idle lock and
theme; what only some roles may do is shown read-only with a sentence saying who can.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from hjdesk.ui.admin.roll_panel import RollImportPanel
from hjdesk.ui.admin.settings_panel import SettingsPanel
from hjdesk.ui.admin.users_panel import UsersPanel
from hjdesk.ui.context import PageContext
from hjdesk.ui.pages.base import Page


class AdminPage(Page):
    title = "Admin"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.users = UsersPanel(context)
        self.roll = RollImportPanel(context)
        self.settings = SettingsPanel(context)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Admin sections")
        self.tabs.addTab(self.users, "&Users")
        self.tabs.addTab(self.roll, "Roll &import")
        self.tabs.addTab(self.settings, "Se&ttings")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        # Re-exported for the shell: apply the idle lock and theme without a new unlock.
        self.idle_minutes_changed = self.settings.idle_minutes_changed
        self.high_contrast_changed = self.settings.high_contrast_changed

    def refresh(self) -> None:
        if self.vault is None:
            return
        self.users.refresh()
        self.roll.refresh()
        self.settings.refresh()

    def open_target(self, target: object) -> None:
        """`"users"`, `"roll"` or `"settings"` opens that tab."""
        panels = {"users": self.users, "roll": self.roll, "settings": self.settings}
        if isinstance(target, str) and target in panels:
            self.tabs.setCurrentWidget(panels[target])

    def clear(self) -> None:
        self.users.clear()
        self.roll.clear()
        self.settings.clear()
