"""Start the desktop app: the shell window stacking the unlock screen over the workspace."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QStackedWidget

from hjdesk.storage.errors import KnownError
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault
from hjdesk.ui import heap
from hjdesk.ui.crash import CrashHandler
from hjdesk.ui.idle import IdleWatcher
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.resources import app_icon
from hjdesk.ui.tasks import TaskRunner
from hjdesk.ui.theme import apply_theme, is_high_contrast

if TYPE_CHECKING:
    from hjdesk.services.first_run import Diagnosis
    from hjdesk.ui.first_run import FirstRunScreen, VaultProblemScreen
    from hjdesk.ui.main_window import Workspace

# The workspace, its pages and the services behind them are imported when first needed, not here:
# the unlock screen must appear within 0.6 s (architecture.md §9), and those imports alone took
# longer. `Shell.prepare` loads them in the background while the person types their password.
log = logging.getLogger(__name__)


class Shell(QMainWindow):
    """One window: the unlock screen, then the workspace once unlocked, and again on lock."""

    # Emitted just before locking so open forms can autosave their drafts while the key is here.
    lock_requested_save = Signal()

    def __init__(self, vault: Vault, runner: TaskRunner, user: str | None = None) -> None:
        super().__init__()
        from hjdesk.ui import plain
        from hjdesk.ui.unlock import UnlockScreen

        app = QApplication.instance()
        if isinstance(app, QApplication):
            plain.install(app)  # before any label exists: record data is shown as typed
        self.setWindowTitle("HJDesk")
        self.vault = vault
        self.runner = runner
        self.opened: OpenVault | None = None
        self._reopen_after_unlock: list[Callable[[], None]] = []
        self._locked_by: str | None = None
        self.privacy = PrivacyState()
        self.idle = IdleWatcher(parent=self)
        self.idle.idle.connect(self.lock)
        self.unlock_screen = UnlockScreen(vault, runner)
        self._workspace: Workspace | None = None
        self.first_run: FirstRunScreen | None = None
        self.problem_screen: VaultProblemScreen | None = None
        self.stack = QStackedWidget()
        self.stack.addWidget(self.unlock_screen)
        self.setCentralWidget(self.stack)
        self.unlock_screen.unlocked.connect(self._on_unlocked)
        self.unlock_screen.vault_problem.connect(self._on_vault_problem)
        self.statusBar().hide()
        self.resize(1100, 720)
        self.check_vault(select=user)

    def check_vault(self, select: str | None = None) -> None:
        """Show what the home folder calls for: the unlock screen, the first-run screen for a
        new laptop, or what to do about a vault that cannot be opened."""
        from hjdesk.services.first_run import VaultState, diagnose

        found = diagnose(self.vault)
        if found.state is VaultState.READY:
            self.unlock_screen.reload_users(select=select)
            self.stack.setCurrentWidget(self.unlock_screen)
        elif found.state is VaultState.NONE:
            log.info("no vault in the home folder: first-run screen")
            self._show_first_run()
        else:
            log.warning("the vault cannot be opened (%s): problem screen", found.state.value)
            self._show_problem(found)

    def _show_first_run(self) -> None:
        from hjdesk.ui.first_run import FirstRunScreen

        if self.first_run is None:
            self.first_run = FirstRunScreen(self.vault.home, self.runner)
            self.first_run.finished.connect(self._first_run_done)
            self.stack.addWidget(self.first_run)
        self.stack.setCurrentWidget(self.first_run)
        self.first_run.form.username.setFocus()

    def _first_run_done(self, opened: OpenVault) -> None:
        screen, self.first_run = self.first_run, None
        self.unlock_screen.reload_users(select=opened.actor.username)
        self._on_unlocked(opened)
        if screen is not None:
            self.stack.removeWidget(screen)
            screen.deleteLater()

    def _show_problem(self, found: Diagnosis) -> None:
        from hjdesk.ui.first_run import VaultProblemScreen

        if self.problem_screen is None:
            self.problem_screen = VaultProblemScreen(self.vault.home)
            self.problem_screen.check_again.connect(self.check_vault)
            self.problem_screen.quit_requested.connect(self.close)
            self.stack.addWidget(self.problem_screen)
        self.problem_screen.show_diagnosis(found)
        self.stack.setCurrentWidget(self.problem_screen)

    def _on_vault_problem(self, exc: KnownError) -> None:
        from hjdesk.services.first_run import problem

        self._show_problem(problem(self.vault, exc))

    @property
    def workspace(self) -> Workspace:
        """The workspace, built on first use (see `prepare`)."""
        if self._workspace is None:
            from hjdesk.ui.main_window import Workspace
            from hjdesk.ui.pages.admin import AdminPage

            workspace = Workspace(self.runner, self.statusBar(), self.privacy)
            self.stack.addWidget(workspace)
            workspace.lock_requested.connect(self.lock)
            self.lock_requested_save.connect(workspace.save_drafts)
            admin = workspace.pages.get("Admin")
            if isinstance(admin, AdminPage):
                admin.idle_minutes_changed.connect(self.idle.set_minutes)
            self._workspace = workspace
        return self._workspace

    def prepare_after_first_paint(self, fallback_ms: int = 1000) -> None:
        """`prepare` once the window's first screen has painted: the worker thread's imports
        hold the interpreter lock most of the time, and started before the event loop they
        delayed that paint. A window that never paints (started minimised) is prepared after
        `fallback_ms` all the same."""
        _AfterFirstPaint(self.stack.currentWidget() or self, self.prepare, fallback_ms, parent=self)

    def prepare(self) -> None:
        """Import what unlocking and the workspace need on a worker thread, then build the
        workspace: done while the person types, so neither the first paint nor the unlock
        waits for it."""

        def failed(exc: BaseException) -> None:
            # The same import fails again where it is needed, and is reported there.
            log.warning("background preparation failed: %s", type(exc).__name__)

        def build(_: object) -> None:
            self.workspace  # noqa: B018 - builds it

        self.runner.run_task(_import_for_unlock, build, failed)

    def _on_unlocked(self, opened: OpenVault) -> None:
        from hjdesk.services import settings

        self.opened = opened
        self.workspace.set_vault(opened)
        self.stack.setCurrentWidget(self.workspace)
        self.statusBar().show()
        self.idle.set_minutes(settings.get(opened, settings.IDLE_MINUTES))
        self.idle.start()
        wanted = settings.get(opened, settings.HIGH_CONTRAST)
        app = QApplication.instance()
        # Re-styling every widget of the workspace takes ~0.4 s: only when the theme changes.
        if wanted != is_high_contrast() or (isinstance(app, QApplication) and not app.styleSheet()):
            apply_theme(high_contrast=wanted)
        pending, self._reopen_after_unlock = self._reopen_after_unlock, []
        # Forms reopen only for the person who left them; another user's drafts stay theirs.
        if self._locked_by == opened.actor.username:
            for reopen in pending:
                reopen()
        heap.settle()

    def lock(self) -> None:
        """Cover everything with the unlock screen and forget the key; drafts stay in the vault.

        Open forms (pages and dialogs) save drafts first, while the key is still here. Dialogs
        close too, since the unlock screen must cover every window; those that can reopen
        themselves after the next unlock do so, with their draft."""
        self.idle.stop()
        if self.opened is not None:
            self._locked_by = self.opened.actor.username
        self.lock_requested_save.emit()
        self._reopen_after_unlock.extend(self._close_dialogs())
        self.workspace.clear()
        self.statusBar().hide()
        self.stack.setCurrentWidget(self.unlock_screen)
        # The person who stepped away is the one most likely to come back to the laptop.
        self.unlock_screen.reload_users(select=self._locked_by)
        app = QApplication.instance()
        if app is not None:
            app.processEvents()  # paint the unlock screen before waiting on background work
        # A write still running must finish before the key goes (nothing half-written is lost).
        self.runner.wait()
        if self.opened is not None:
            self.opened.lock()
            self.opened = None
        heap.release_on_lock()

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
        heap.release_on_lock()
        if self.first_run is not None and self.first_run.opened is not None:
            self.first_run.opened.lock()  # created, but closed before "Open HJDesk"
        super().closeEvent(event)  # type: ignore[arg-type]


class _AfterFirstPaint(QObject):
    """Calls `then` once: on the next turn of the event loop after `widget`'s first paint, or
    after `fallback_ms` if that comes first."""

    def __init__(
        self, widget: QObject, then: Callable[[], None], fallback_ms: int, parent: QObject
    ) -> None:
        super().__init__(parent)
        self._widget = widget
        self._then: Callable[[], None] | None = then
        widget.installEventFilter(self)
        QTimer.singleShot(fallback_ms, self, self._fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            # After the paint has finished, not inside it.
            QTimer.singleShot(0, self, self._fire)
        return False

    def _fire(self) -> None:
        then, self._then = self._then, None
        self._widget.removeEventFilter(self)
        if then is not None:
            then()


def _import_for_unlock() -> None:
    """Import the modules behind unlocking and the workspace's pages (no Qt object is made)."""
    import importlib
    import pkgutil

    from hjdesk.storage.vault import prepare_unlock, rehearsal_vault

    # What an unlock meets first, so this thread and the unlock's rarely cross.
    prepare_unlock()
    for package in ("hjdesk.services", "hjdesk.reports"):
        found = importlib.import_module(package)
        for info in pkgutil.iter_modules(found.__path__, f"{package}."):
            importlib.import_module(info.name)
    # The first page's query once on an empty in-memory vault (no key, no data): its one-off
    # costs in a new process are then paid here, not after the unlock (docs/performance.md).
    from hjdesk.services.worklists import today_worklists

    rehearsal = rehearsal_vault()
    try:
        today_worklists(rehearsal)
    finally:
        rehearsal.lock()


def configure_logging(home: HomePaths) -> logging.Handler:
    """Log to the home folder's file, which is the user's alone (0600) like the rest of the home
    folder; a wipe removes it. Records never carry values: see `crash.scrubbed_traceback`."""
    home.ensure()
    os.close(os.open(home.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    if os.name == "posix":
        home.log.chmod(0o600)
    handler = logging.FileHandler(home.log, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler


def make_application() -> QApplication:
    """The process's QApplication (made once), as the app and its self-test use it."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(sys.argv)
    app.setApplicationName("HJDesk")
    app.setDesktopFileName("uk.nhs.hjdesk")  # the Linux desktop entry: taskbar icon and name
    app.setWindowIcon(app_icon())
    return app


def run_app(home: str | None = None, user: str | None = None) -> int:
    """The desktop app's main loop; returns the process exit code."""
    paths = HomePaths.resolve(home)
    vault = Vault(paths)  # no vault yet: the shell shows the first-run screen
    configure_logging(paths)
    app = make_application()
    CrashHandler().install()
    apply_theme()
    runner = TaskRunner()
    shell = Shell(vault, runner, user)
    app.installEventFilter(shell.idle)
    shell.show()
    shell.prepare_after_first_paint()
    return app.exec()
