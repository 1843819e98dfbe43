"""Launch to the unlock screen (architecture.md §9: median <= 0.6 s): nothing heavy runs before
its first paint (docs/performance.md, "Launch: fifth session").

- Telling a ready vault from a new or damaged one (`services.first_run.diagnose`) must not load
  SQLAlchemy, the models or Alembic: a feature package's face does, and importing it there cost
  the first paint ~0.2 s quiet, seconds on a busy laptop.
- The background preparation for the unlock starts after that paint, not before the event loop,
  where its imports held the interpreter lock while the screen waited to be drawn."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QWidget

from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault
from hjdesk.ui.app import Shell
from hjdesk.ui.tasks import InlineRunner

ROOT = Path(__file__).resolve().parents[2]

# Everything the app does before its event loop starts, in a fresh interpreter, as `run_app`.
_UP_TO_THE_UNLOCK_SCREEN = """
import sys
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import Vault
from hjdesk.ui.app import Shell, configure_logging, make_application
from hjdesk.ui.crash import CrashHandler
from hjdesk.ui.tasks import TaskRunner
from hjdesk.ui.theme import apply_theme

paths = HomePaths.resolve(sys.argv[1])
vault = Vault(paths)
configure_logging(paths)
app = make_application()
CrashHandler().install()
apply_theme()
shell = Shell(vault, TaskRunner(), "admin")
shell.show()
app.processEvents()
assert shell.stack.currentWidget() is shell.unlock_screen, "not the unlock screen"
heavy = ("sqlalchemy", "alembic", "hjdesk.storage.models", "hjdesk.services.settings")
print(" ".join(name for name in heavy if name in sys.modules) or "none")
"""


def test_the_unlock_screen_shows_without_loading_the_database_layers(
    admin_vault: OpenVault, tmp_path: Path
) -> None:
    home = admin_vault.home.root
    admin_vault.lock()
    found = subprocess.run(
        [sys.executable, "-c", _UP_TO_THE_UNLOCK_SCREEN, str(home)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=120,
    )
    assert found.returncode == 0, found.stderr[-2000:]
    assert found.stdout.split() == ["none"]


def test_preparation_waits_for_the_first_paint(qtbot, home: HomePaths, vault: OpenVault) -> None:
    vault.lock()
    shell = Shell(Vault(home), InlineRunner())
    qtbot.addWidget(shell)
    calls: list[str] = []
    shell.prepare = lambda: calls.append("prepared")  # type: ignore[method-assign]
    shell.prepare_after_first_paint(fallback_ms=60_000)
    assert calls == []  # not before the window exists on screen
    shell.show()
    qtbot.waitUntil(lambda: calls == ["prepared"], timeout=5000)
    shell.unlock_screen.repaint()
    qtbot.wait(50)
    assert calls == ["prepared"]  # once, whatever paints next


def test_a_window_that_never_paints_is_prepared_all_the_same(
    qtbot, home: HomePaths, vault: OpenVault
) -> None:
    vault.lock()
    shell = Shell(Vault(home), InlineRunner())
    qtbot.addWidget(shell)
    calls: list[str] = []
    shell.prepare = lambda: calls.append("prepared")  # type: ignore[method-assign]
    shell.prepare_after_first_paint(fallback_ms=100)  # never shown: started minimised, say
    qtbot.waitUntil(lambda: calls == ["prepared"], timeout=5000)
    assert isinstance(shell.stack.currentWidget(), QWidget)
