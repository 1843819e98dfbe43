"""Start the desktop app: the shell window stacking the unlock screen over the workspace."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QStackedWidget

from hjdesk.services import settings
from hjdesk.storage.errors import KnownError
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault
from hjdesk.ui.crash import CrashHandler
from hjdesk.ui.idle import IdleWatcher
from hjdesk.ui.main_window import Workspace
from hjdesk.ui.pages.admin import AdminPage
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.tasks import TaskRunner
from hjdesk.ui.theme import apply_theme


class Shell(QMainWindow):
    """One window: the unlock screen, then the workspace once unlocked, and again on lock."""

    # Emitted just before locking so open forms can autosave their drafts while the key is here.
    lock_requested_save = Signal()

    def __init__(self, vault: Vault, runner: TaskRunner, user: str | None = None) -> None:
        super().__init__()
        from hjdesk.ui.unlock import UnlockScreen

        self.setWindowTitle("HJDesk")
        self.vault = vault
        self.runner = runner
        self.opened: OpenVault | None = None
        self._reopen_after_unlock: list[Callable[[], None]] = []
        self.privacy = PrivacyState()
        self.idle = IdleWatcher(parent=self)
        self.idle.idle.connect(self.lock)
        self.unlock_screen = UnlockScreen(vault, runner)
        self.workspace = Workspace(runner, self.statusBar(), self.privacy)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.unlock_screen)
        self.stack.addWidget(self.workspace)
        self.setCentralWidget(self.stack)
        self.unlock_screen.unlocked.connect(self._on_unlocked)
        self.workspace.lock_requested.connect(self.lock)
        self.lock_requested_save.connect(self.workspace.save_drafts)
        admin = self.workspace.pages.get("Admin")
        if isinstance(admin, AdminPage):
            admin.idle_minutes_changed.connect(self.idle.set_minutes)
        if user:
            self.unlock_screen.reload_users(select=user)
        self.statusBar().hide()
        self.resize(1100, 720)

    def _on_unlocked(self, opened: OpenVault) -> None:
        self.opened = opened
        self.workspace.set_vault(opened)
        self.stack.setCurrentWidget(self.workspace)
        self.statusBar().show()
        self.idle.set_minutes(settings.get(opened, settings.IDLE_MINUTES))
        self.idle.start()
        apply_theme(high_contrast=settings.get(opened, settings.HIGH_CONTRAST))
        pending, self._reopen_after_unlock = self._reopen_after_unlock, []
        for reopen in pending:
            reopen()

    def lock(self) -> None:
        """Cover everything with the unlock screen and forget the key; drafts stay in the vault.

        Open forms (pages and dialogs) save drafts first, while the key is still here. Dialogs
        close too, since the unlock screen must cover every window; those that can reopen
        themselves after the next unlock do so, with their draft."""
        self.idle.stop()
        self.lock_requested_save.emit()
        self._reopen_after_unlock.extend(self._close_dialogs())
        self.workspace.clear()
        self.statusBar().hide()
        self.stack.setCurrentWidget(self.unlock_screen)
        self.unlock_screen.reload_users()
        app = QApplication.instance()
        if app is not None:
            app.processEvents()  # paint the unlock screen before waiting on background work
        # A write still running must finish before the key goes (nothing half-written is lost).
        self.runner.wait()
        if self.opened is not None:
            self.opened.lock()
            self.opened = None

    def _close_dialogs(self) -> list[Callable[[], None]]:
        reopen: list[Callable[[], None]] = []
        for widget in QApplication.topLevelWidgets():
            if widget is self or not widget.isVisible() or not isinstance(widget, QDialog):
                continue
            closer = getattr(widget, "close_for_lock", None)
            if callable(closer):
                again = closer()
                if callable(again):
                    reopen.append(again)
            else:
                widget.reject()
        return reopen

    def closeEvent(self, event: object) -> None:
        self.runner.wait()
        if self.opened is not None:
            self.opened.lock()
        super().closeEvent(event)  # type: ignore[arg-type]


def _configure_logging(home: HomePaths) -> None:
    home.ensure()
    logging.basicConfig(
        filename=home.log,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def run_app(home: str | None = None, user: str | None = None) -> int:
    """The desktop app's main loop; returns the process exit code."""
    paths = HomePaths.resolve(home)
    vault = Vault(paths)
    if not vault.exists():
        raise KnownError(
            f"No vault in {paths.root}: create one with 'hjdesk init' or 'hjdesk demo' first."
        )
    _configure_logging(paths)
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("HJDesk")
    CrashHandler().install()
    apply_theme()
    runner = TaskRunner()
    shell = Shell(vault, runner, user)
    app.installEventFilter(shell.idle)
    shell.show()
    return app.exec()
