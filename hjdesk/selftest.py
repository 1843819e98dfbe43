"""`hjdesk --self-test`: check that this installation works, end to end, without a screen.

For a healthcare IT team after installing (or CI after building the Windows/Linux bundle): it
creates a small synthetic demo vault in a temporary folder (real SQLCipher encryption and Argon2id
key slots), shows the main window offscreen, unlocks it as the demo nurse, signs a clinical entry
through the same service the app uses and reads it back, checks the audit chain, and deletes the
folder. No patient data is involved; nothing is left behind. Exit code 0 when every step passed.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hjdesk.storage.paths import HomePaths
    from hjdesk.ui.app import Shell

PATIENTS = 150
WAIT_S = 60.0
NARRATIVE = "Self-test entry: seen at the cell door, well."


class SelfTestFailed(Exception):
    pass


@dataclass
class _Run:
    say: Callable[[str], None]
    started: float = 0.0

    def step(self, what: str) -> None:
        self.started = time.monotonic()
        self.say(f"self-test: {what} ...")

    def ok(self, detail: str = "") -> None:
        took = time.monotonic() - self.started
        self.say(f"  ok{f' ({detail})' if detail else ''} [{took:.1f} s]")


def run_self_test(say: Callable[[str], None] = print) -> int:
    """Run every step; 0 when all passed, 1 (with the step and reason) when one did not."""
    # Offscreen whatever the machine has: the test must not pop up a window or need a display.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    run = _Run(say)
    folder = Path(tempfile.mkdtemp(prefix="hjdesk-selftest-"))
    try:
        _steps(run, folder)
    except Exception as exc:
        say(f"self-test FAILED: {type(exc).__name__}: {exc}")
        return 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    say("self-test passed")
    return 0


def _steps(run: _Run, folder: Path) -> None:
    from hjdesk import __version__
    from hjdesk.demo import build_demo
    from hjdesk.storage.paths import HomePaths

    run.say(f"HJDesk {__version__} self-test (Python {sys.version.split()[0]}, {sys.platform})")
    password = secrets.token_urlsafe(18)
    home = HomePaths.resolve(folder / "home")
    run.step(f"building a {PATIENTS}-patient synthetic demo vault in a temporary folder")
    opened, result = build_demo(home, password=password, patients=PATIENTS)
    opened.lock()
    run.ok(f"{result.patients} patients, users {', '.join(result.users)}")

    from hjdesk.ui.app import Shell, make_application
    from hjdesk.ui.tasks import TaskRunner
    from hjdesk.ui.theme import apply_theme

    app = make_application()
    run.step("checking the icon and the style sheets are installed")
    from hjdesk.ui.resources import app_icon

    sizes = sorted(size.width() for size in app_icon().availableSizes())
    if not sizes:
        raise SelfTestFailed("the application icon is missing (resources/icons/png)")
    apply_theme()  # reads resources/qss: raises if a style sheet is missing
    run.ok(f"icon sizes {', '.join(map(str, sizes))}")
    runner = TaskRunner()
    from hjdesk.storage.vault import Vault

    shell = Shell(Vault(home), runner, "nurse")
    try:
        _gui_steps(run, app, shell, password)
        _record_steps(run, shell)
    finally:
        runner.wait()
        if shell.opened is not None:
            shell.opened.lock()
            shell.opened = None
        shell.close()
        shell.deleteLater()
        app.processEvents()
    _check_files(run, home)


def _wait(app: Any, done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not done():
        if time.monotonic() > deadline:
            raise SelfTestFailed(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.01)
    app.processEvents()


def _rendered(shell: Shell) -> str:
    """Grab the window as a picture and check something was drawn."""
    image = shell.grab().toImage()
    if image.isNull() or image.width() < 200 or image.height() < 200:
        raise SelfTestFailed("the window could not be rendered")
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 23) for y in range(0, image.height(), 23)
    }
    if len(colours) < 3:
        raise SelfTestFailed("the rendered window is blank")
    return f"{image.width()}×{image.height()}, {len(colours)} colours sampled"


def _gui_steps(run: _Run, app: Any, shell: Shell, password: str) -> None:
    run.step("rendering the unlock screen offscreen")
    shell.show()
    app.processEvents()
    if shell.stack.currentWidget() is not shell.unlock_screen:
        raise SelfTestFailed("the unlock screen is not showing")
    run.ok(_rendered(shell))

    run.step("unlocking as the demo nurse (Argon2id key slot, SQLCipher vault)")
    shell.unlock_screen.password.setText(password)
    shell.unlock_screen.try_unlock()
    screen = shell.unlock_screen

    def answered() -> bool:
        failed = bool(screen.message.text()) and screen.button.isEnabled()
        return shell.opened is not None or failed

    _wait(app, answered, "the unlock")
    if shell.opened is None:
        raise SelfTestFailed(f"unlock failed: {screen.message.text()}")
    _wait(app, lambda: not getattr(shell.runner, "_live", ()), "the workspace to load")
    if shell.stack.currentWidget() is not shell.workspace:
        raise SelfTestFailed("the workspace is not showing after unlock")
    pages = ", ".join(shell.workspace.pages)
    run.ok(f"{_rendered(shell)}; pages: {pages}")


def _record_steps(run: _Run, shell: Shell) -> None:
    from hjdesk.services import encounters, patients
    from hjdesk.services.encounters import EncounterInput, VitalsInput
    from hjdesk.services.settings import verify_chain

    vault = shell.opened
    assert vault is not None
    run.step("signing a clinical entry through the encounter service and reading it back")
    someone = patients.caseload(vault)[0]
    now = datetime.now(UTC)
    signed = encounters.sign_encounter(
        vault,
        EncounterInput(
            patient_id=someone.id, kind="CELL_DOOR", started_at=now - timedelta(minutes=2),
            narrative=NARRATIVE, place="Self-test", consent_recorded=True,
            vitals=VitalsInput(resp_rate=16, spo2=97, on_oxygen=False, systolic_bp=124, pulse=70,
                               consciousness="A", temperature=36.7),
        ),
    )  # fmt: skip
    history = encounters.encounter_history(vault, signed.id)
    back = history.current
    if back.narrative != NARRATIVE or back.patient_id != someone.id or back.observation is None:
        raise SelfTestFailed("the entry read back differs from the one signed")
    run.ok(f"encounter {signed.id[:8]}…, NEWS2 {back.news2_total}")

    run.step("verifying the audit chain")
    report = verify_chain(vault)
    if not report.ok:
        raise SelfTestFailed(f"audit chain broken at event {report.first_bad_seq}: {report.reason}")
    run.ok(f"{report.checked} events")


def _check_files(run: _Run, home: HomePaths) -> None:
    run.step("checking the vault file is encrypted")
    header = home.vault.read_bytes()[:16]
    if header.startswith(b"SQLite format 3"):
        raise SelfTestFailed("the vault file is plain SQLite: encryption is not working")
    run.ok("no plaintext SQLite header")
