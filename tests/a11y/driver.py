"""The app under the accessibility walk: a real Shell on the xcb platform, stepped through its
screens for tests/a11y/test_atspi.py. Each screen, once settled, is walked by
tests/a11y/atspi_walk.py and reported as one JSON line; `DONE` at the end.

    python tests/a11y/driver.py DEMO_HOME PASSWORD

Screens: the first-run screen (both steps), the vault-problem screen, unlock, every page of the
navigation with every tab of its tab widgets, the pages' second states (an ACCT case with its
health-input form, a care plan in the editor, a clinic session, a patient's record), and every
dialog in DIALOGS. tests/a11y/test_dialog_coverage.py fails when a QDialog subclass in hjdesk/ui
is not in DIALOGS: a new dialog is added there, with how to open it.

Qt's own dialogs that HJDesk opens are walked where a page opens them (QT_DIALOGS): Today's
"Close task" question and the encounter form's "Keep a draft?". The other message boxes (a
changed clinic outcome, a full roll import, errors) are the same QMessageBox with other words.
Left out: the operating system's file choosers (save a PDF/FHIR file, choose a roll or CA file),
which are the platform's own dialogs, not HJDesk's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QTabWidget, QWidget

from hjdesk.services.encounters.views import EncounterView
from hjdesk.storage import keyslots
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault
from hjdesk.ui.acct.amend_contribution import ContributionAmendDialog
from hjdesk.ui.app import Shell, make_application
from hjdesk.ui.care_plan.new_plan import NewPlanDialog
from hjdesk.ui.care_plan.review_amend import ReviewAmendDialog
from hjdesk.ui.care_plan.review_dialog import CloseDialog, ReviewDialog
from hjdesk.ui.context import PageContext
from hjdesk.ui.encounter.dialog import EncounterDialog
from hjdesk.ui.main_window import Workspace
from hjdesk.ui.record.amend_dialog import AmendDialog
from hjdesk.ui.record.medicine_dialogs import AllergyDialog, EndDialog, MedicineDialog
from hjdesk.ui.record.release_plan_dialog import ReleasePlanDialog
from hjdesk.ui.record.screening_amend import ScreeningAmendDialog
from hjdesk.ui.record.screening_dialog import ScreeningDialog
from hjdesk.ui.tasks import TaskRunner
from hjdesk.ui.theme import apply_theme
from hjdesk.ui.widgets.withdraw_dialog import WithdrawDialog

SYSTEM_PYTHON = "/usr/bin/python3"  # where Debian's python3-pyatspi is
WALKER = Path(__file__).with_name("atspi_walk.py")


@dataclass(frozen=True)
class Demo:
    """What the dialogs are opened for: a demo patient and one of their signed entries."""

    context: PageContext
    patient: str
    entry: EncounterView
    parent: QWidget  # the workspace, as the pages parent their dialogs


@dataclass(frozen=True)
class DialogCase:
    name: str  # the walk's step is "dialog NAME"
    kind: type[QDialog]  # what `make` opens (checked by the walk)
    make: Callable[[Demo], QDialog]


def _encounter(demo: Demo) -> QDialog:
    from hjdesk.services.encounters.forms import EncounterKind
    from hjdesk.ui.encounter import open_encounter_dialog

    return open_encounter_dialog(
        demo.context, demo.patient, EncounterKind.CLINIC_VISIT, parent=demo.parent
    )


def _contribution_amend(demo: Demo) -> QDialog:
    """Amend the first ACCT health input of a live case, as the ACCT page would."""
    from hjdesk.services.acct.reports import open_cases
    from hjdesk.services.acct.views import case_view
    from hjdesk.services.common import utc_now

    vault = demo.context.require_vault()
    for row in open_cases(vault):
        for event in case_view(vault, row.case_id).events:
            for given in event.contributions:
                return ContributionAmendDialog(given, event, utc_now(), demo.parent)
    raise AssertionError("the demo has no ACCT health input to amend")


def _review_amend(demo: Demo) -> QDialog:
    """Amend the first signed review of a care plan, as the plan editor would."""
    from hjdesk.services.care_plans.lists import plans_list
    from hjdesk.services.care_plans.reads import plan_view

    vault = demo.context.require_vault()
    for row in plans_list(vault):
        view = plan_view(vault, row.plan_id)
        if view.reviews:
            return ReviewAmendDialog(view.title, view.reviews[0], demo.parent)
    raise AssertionError("the demo has no care-plan review to amend")


def _screening_amend(demo: Demo) -> QDialog:
    """Amend the first screening event of someone on the caseload, as the record's tab would."""
    from hjdesk.services import patients
    from hjdesk.services.common import local_today
    from hjdesk.services.patients.screening import screening_history
    from hjdesk.ui.record.screening_tab import programme_name

    vault = demo.context.require_vault()
    for person in patients.caseload(vault):
        for event in screening_history(vault, person.id):
            name = programme_name(event.programme)
            return ScreeningAmendDialog(event, name, local_today(), demo.parent)
    raise AssertionError("the demo has no screening event to amend")


# Every dialog of hjdesk/ui, opened with what its page would give it. A new QDialog subclass goes
# here (tests/a11y/test_dialog_coverage.py says which are missing).
DIALOGS: tuple[DialogCase, ...] = (
    DialogCase("encounter", EncounterDialog, _encounter),
    DialogCase(
        "amend entry",
        AmendDialog,
        lambda d: AmendDialog(d.context, d.entry, "the patient", d.parent),
    ),
    DialogCase(
        "entered in error",
        WithdrawDialog,
        lambda d: WithdrawDialog("Health input: attended the case review.", d.parent),
    ),
    DialogCase(
        "new care plan", NewPlanDialog, lambda d: NewPlanDialog(d.context.privacy, d.parent)
    ),
    DialogCase(
        "care plan review", ReviewDialog, lambda d: ReviewDialog("Plan", date.today(), d.parent)
    ),
    DialogCase("close care plan", CloseDialog, lambda d: CloseDialog("Plan", d.parent)),
    DialogCase(
        "release plan",
        ReleasePlanDialog,
        lambda d: ReleasePlanDialog(d.context, d.patient, "the patient", parent=d.parent),
    ),
    DialogCase("amend health input", ContributionAmendDialog, _contribution_amend),
    DialogCase("amend care plan review", ReviewAmendDialog, _review_amend),
    DialogCase("amend screening", ScreeningAmendDialog, _screening_amend),
    DialogCase(
        "screening",
        ScreeningDialog,
        lambda d: ScreeningDialog(d.context, d.patient, "the patient", d.parent),
    ),
    DialogCase(
        "allergy",
        AllergyDialog,
        lambda d: AllergyDialog(d.context, d.patient, "the patient", d.parent),
    ),
    DialogCase(
        "medicine",
        MedicineDialog,
        lambda d: MedicineDialog(d.context, d.patient, "the patient", d.parent),
    ),
    DialogCase(
        "medicine stopped",
        EndDialog,
        lambda d: EndDialog(
            d.context,
            "Medicine stopped",
            "Medicine: Levetiracetam 500 mg twice daily.",
            "the patient",
            lambda _vault: None,
            d.parent,
        ),
    ),
)


# Qt's dialogs, walked as the app opens them (_qt_dialogs): step "dialog NAME".
QT_DIALOGS = ("close task", "keep a draft")


def settle(app: QApplication, runner: TaskRunner, seconds: float = 0.8) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        runner.wait()
        app.processEvents()
        time.sleep(0.02)


def step(app: QApplication, runner: TaskRunner, name: str, dialog: QDialog | None = None) -> None:
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
    found: dict[str, object] = {"step": name, "code": walker.returncode, "controls": controls}
    if dialog is not None:
        kind = type(dialog)
        found["dialog"] = f"{kind.__module__}.{kind.__qualname__}"
        found["visible"] = dialog.isVisible()
    print(json.dumps(found), flush=True)


def walk_tabs(app: QApplication, runner: TaskRunner, name: str, within: QWidget) -> None:
    """The screen as it is, then each other tab of each tab widget on it."""
    step(app, runner, name)
    for tabs in within.findChildren(QTabWidget):
        if not tabs.isVisible():
            continue
        first = tabs.currentIndex()
        for index in range(tabs.count()):
            if index == first:
                continue
            tabs.setCurrentIndex(index)
            step(app, runner, f"{name} / {tabs.tabText(index).replace('&', '')}")
        tabs.setCurrentIndex(first)


def _first_run(app: QApplication, runner: TaskRunner) -> None:
    with tempfile.TemporaryDirectory() as empty:
        first = Shell(Vault(HomePaths.resolve(empty)), runner)
        first.show()
        step(app, runner, "first-run")
        screen = first.first_run
        assert screen is not None
        screen.setCurrentWidget(screen.steps_page)  # after the vault is made
        step(app, runner, "first-run: connect and load the roll")
        first.close()
    with tempfile.TemporaryDirectory() as damaged:
        home = HomePaths.resolve(damaged)
        home.ensure()
        home.vault.write_bytes(b"not a vault")  # and no key slots: the problem screen
        problem = Shell(Vault(home), runner)
        problem.show()
        step(app, runner, "vault problem")
        problem.close()


def _demo(vault: OpenVault, workspace: Workspace) -> Demo:
    """The first patient on the caseload with a signed entry (the amend dialog needs one)."""
    from hjdesk.services import patients
    from hjdesk.services.encounters.signing import encounter_history
    from hjdesk.services.encounters.views import patient_timeline

    for person in patients.caseload(vault):
        signed = [i for i in patient_timeline(vault, person.id) if not i.entered_in_error]
        if signed:
            entry = encounter_history(vault, signed[0].encounter_id).current
            return Demo(workspace.context, person.id, entry, workspace)
    raise AssertionError("no demo patient has a signed entry to amend")


def _second_states(app: QApplication, runner: TaskRunner, workspace: Workspace) -> None:
    """The pages' other faces: a case, a plan, a session opened from their lists."""
    from hjdesk.services import acct, clinics
    from hjdesk.services.care_plans import lists as care_plan_lists

    vault = workspace.context.vault
    assert vault is not None
    targets = (
        ("ACCT", "case", acct.open_cases(vault)[0].case_id),
        ("Care plans", "plan", care_plan_lists.plans_list(vault)[0].plan_id),
        ("Wing clinics", "session", clinics.list_sessions(vault)[0].id),
    )
    for title, what, target in targets:
        workspace.context.navigator.open_page(title, target)
        settle(app, runner)
        walk_tabs(app, runner, f"page {title} / {what}", workspace.page(title))


def walk_modal(
    app: QApplication, runner: TaskRunner, name: str, open_it: Callable[[], object]
) -> None:
    """`open_it` opens a modal dialog and waits in it (QInputDialog.getText, QMessageBox.question):
    the walk runs from inside that wait, then dismisses the dialog (Cancel)."""
    seen: list[QDialog] = []
    tries = iter(range(200))

    def walk_it() -> None:
        modal = QApplication.activeModalWidget()
        if not isinstance(modal, QDialog):
            if next(tries, None) is not None:
                QTimer.singleShot(50, walk_it)
            return
        seen.append(modal)
        step(app, runner, f"dialog {name}", modal)
        modal.reject()

    QTimer.singleShot(100, walk_it)
    open_it()
    assert seen, f"{name}: no dialog opened"


def _qt_dialogs(app: QApplication, runner: TaskRunner, workspace: Workspace, demo: Demo) -> None:
    from hjdesk.ui.pages.today import TodayPage

    workspace.context.navigator.open_page("Today")
    settle(app, runner)
    today = workspace.page("Today")
    assert isinstance(today, TodayPage)
    model = today.model
    rows = [model.index(r, 0, model.index(g, 0)) for g in range(model.rowCount())
            for r in range(model.rowCount(model.index(g, 0)))]  # fmt: skip
    for index in rows:  # the first row that is a task: "Close task…" is enabled for it
        today.tree.setCurrentIndex(index)
        if today.close_task.isEnabled():
            break
    assert today.close_task.isEnabled(), "Today lists no task to close"
    walk_modal(app, runner, "close task", today.close_task.click)
    dialog = _encounter(demo)
    assert isinstance(dialog, EncounterDialog)
    dialog.form.narrative.text.setPlainText("Started, not finished.")
    walk_modal(app, runner, "keep a draft", dialog.close)  # Cancel: the form stays open
    dialog.close_without_asking()
    settle(app, runner, 0.2)


def _unlock(app: QApplication, runner: TaskRunner, shell: Shell, password: str) -> None:
    QTest.keyClicks(shell.unlock_screen.password, password)
    QTest.keyClick(shell.unlock_screen.password, Qt.Key.Key_Return)
    deadline = time.monotonic() + 60
    while shell.opened is None and time.monotonic() < deadline:
        settle(app, runner, 0.2)
    assert shell.opened is not None, "the demo vault did not unlock"


def main() -> int:
    # The demo vault was made with the tests' cheap KDF profile; like tests/cli_test_profile.py,
    # this test process (and only it) accepts that profile. The application has no such switch.
    keyslots.KDF_FLOOR = keyslots.TEST_KDF_FLOOR
    home, password = sys.argv[1], sys.argv[2]
    app = make_application()
    apply_theme()
    runner = TaskRunner()
    _first_run(app, runner)
    # A nurse sees the clinical pages as they are used; the administrator, Admin's own controls.
    shell = Shell(Vault(HomePaths.resolve(home)), runner, "nurse")
    shell.show()
    step(app, runner, "unlock")
    _unlock(app, runner, shell, password)
    workspace = shell.workspace
    for row in range(workspace.nav.count()):
        workspace.nav.setCurrentRow(row)
        title = workspace.nav.item(row).text()
        walk_tabs(app, runner, f"page {title}", workspace.page(title))
    _second_states(app, runner, workspace)
    assert shell.opened is not None
    demo = _demo(shell.opened, workspace)
    for case in DIALOGS:
        dialog = case.make(demo)
        dialog.show()  # the encounter form shows itself; show() again does nothing
        step(app, runner, f"dialog {case.name}", dialog)
        dialog.close()
        settle(app, runner, 0.2)
    _qt_dialogs(app, runner, workspace, demo)
    workspace.context.navigator.open_patient(demo.patient)
    settle(app, runner)
    walk_tabs(app, runner, "page Patient record", workspace.page("Patient record"))
    shell.lock()
    shell.unlock_screen.reload_users(select="admin")
    _unlock(app, runner, shell, password)
    workspace.context.navigator.open_page("Admin")
    walk_tabs(app, runner, "administrator: page Admin", workspace.page("Admin"))
    print("DONE", flush=True)
    shell.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
