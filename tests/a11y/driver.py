"""The app under the accessibility walk: a real Shell on the xcb platform, stepped through its
screens for tests/a11y/test_atspi.py. Each screen, once settled, is walked by
tests/a11y/atspi_walk.py and reported as one JSON line; `DONE` at the end.

    python tests/a11y/driver.py DEMO_HOME PASSWORD
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog

from hjdesk.storage import keyslots
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import Vault
from hjdesk.ui.app import Shell, make_application
from hjdesk.ui.pages.base import PageContext
from hjdesk.ui.tasks import TaskRunner
from hjdesk.ui.theme import apply_theme

SYSTEM_PYTHON = "/usr/bin/python3"  # where Debian's python3-pyatspi is
WALKER = Path(__file__).with_name("atspi_walk.py")

# The demo vault was made with the tests' cheap KDF profile; like tests/cli_test_profile.py, this
# test process (and only it) accepts that profile. The application has no such switch.
keyslots.KDF_FLOOR = keyslots.TEST_KDF_FLOOR


def settle(app: QApplication, runner: TaskRunner, seconds: float = 0.8) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        runner.wait()
        app.processEvents()
        time.sleep(0.02)


def step(app: QApplication, runner: TaskRunner, name: str) -> None:
    """Walk the accessibility tree of what is on screen now; the walk's findings go to stdout.

    The walker is another process (a screen reader's view); this one keeps answering the
    accessibility bus while it reads."""
    settle(app, runner)
    walker = subprocess.Popen(
        [SYSTEM_PYTHON, str(WALKER), "HJDesk"], stdout=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while walker.poll() is None and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    if walker.poll() is None:
        walker.kill()
    out, _ = walker.communicate()
    controls = [json.loads(line) for line in out.splitlines() if line.strip()]
    print(json.dumps({"step": name, "code": walker.returncode, "controls": controls}), flush=True)


def _dialogs(context: PageContext, patient: str) -> list[tuple[str, Callable[[], QDialog]]]:
    """The record's and care plans' dialogs, as their pages open them."""
    from datetime import date

    from hjdesk.ui.care_plan.new_plan import NewPlanDialog
    from hjdesk.ui.care_plan.review_dialog import CloseDialog, ReviewDialog
    from hjdesk.ui.record.release_plan_dialog import ReleasePlanDialog
    from hjdesk.ui.record.screening_dialog import ScreeningDialog

    return [
        ("new care plan", lambda: NewPlanDialog(context.privacy)),
        ("care plan review", lambda: ReviewDialog("Plan", date.today())),
        ("close care plan", lambda: CloseDialog("Plan")),
        ("release plan", lambda: ReleasePlanDialog(context, patient, "the patient")),
        ("screening", lambda: ScreeningDialog(context, patient, "the patient")),
    ]


def main() -> int:
    home, password = sys.argv[1], sys.argv[2]
    app = make_application()
    apply_theme()
    runner = TaskRunner()
    with tempfile.TemporaryDirectory() as empty:
        first = Shell(Vault(HomePaths.resolve(empty)), runner)
        first.show()
        step(app, runner, "first-run")
        first.close()
    shell = Shell(Vault(HomePaths.resolve(home)), runner, "admin")
    shell.show()
    step(app, runner, "unlock")
    QTest.keyClicks(shell.unlock_screen.password, password)
    QTest.keyClick(shell.unlock_screen.password, Qt.Key.Key_Return)
    deadline = time.monotonic() + 60
    while shell.opened is None and time.monotonic() < deadline:
        settle(app, runner, 0.2)
    workspace = shell.workspace
    for row in range(workspace.nav.count()):
        workspace.nav.setCurrentRow(row)
        step(app, runner, f"page {workspace.nav.item(row).text()}")
    from hjdesk.services.encounter_forms import EncounterKind
    from hjdesk.services.today import today_worklists
    from hjdesk.ui.encounter import open_encounter_dialog

    assert shell.opened is not None
    patient = today_worklists(shell.opened).ltc_reviews[0].patient_id
    assert patient is not None
    dialog = open_encounter_dialog(
        workspace.context, patient, EncounterKind.CLINIC_VISIT, parent=workspace
    )
    step(app, runner, "dialog encounter")
    dialog.close()
    for name, make in _dialogs(workspace.context, patient):
        other = make()
        other.show()
        step(app, runner, f"dialog {name}")
        other.close()
    workspace.context.navigator.open_patient(patient)
    step(app, runner, "page Patient record")
    print("DONE", flush=True)
    shell.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
