"""The app's own shell for the GUI-thread probes (ui_probe, large_pages_probe): offscreen, with
the real background runner, unlocked by typing the password into the real unlock screen."""

from __future__ import annotations

import sys
import time
from typing import Any


def unlocked_shell(
    home: str, user: str, password: str, size: tuple[int, int] | None = None
) -> tuple[Any, Any, Any]:
    """(QApplication, TaskRunner, Shell) once the shell holds an open vault (or 60 s passed)."""
    from PySide6.QtWidgets import QApplication

    from hjdesk.storage.paths import HomePaths
    from hjdesk.storage.vault import Vault
    from hjdesk.ui.app import Shell
    from hjdesk.ui.tasks import TaskRunner
    from hjdesk.ui.theme import apply_theme

    app = QApplication(sys.argv)
    apply_theme()
    runner = TaskRunner()
    shell = Shell(Vault(HomePaths.resolve(home)), runner, user)
    if size is not None:
        shell.resize(*size)
    shell.show()
    shell.unlock_screen.password.setText(password)
    shell.unlock_screen.password.returnPressed.emit()
    deadline = time.monotonic() + 60
    while shell.opened is None and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    return app, runner, shell
