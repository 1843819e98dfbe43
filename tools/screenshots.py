"""Take the README's screenshots from the real app on a demo vault, under Xvfb.

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python tools/screenshots.py --home .demo

Unlocks by typing into the real unlock screen, visits each page through the navigation, waits
for its background work, and saves the whole screen (dialogs included) to docs/screens/.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import Vault
from hjdesk.ui.app import Shell, make_application
from hjdesk.ui.pages.patient_record import PatientRecordPage
from hjdesk.ui.tasks import TaskRunner
from hjdesk.ui.theme import apply_theme

OUT = Path(__file__).resolve().parent.parent / "docs" / "screens"


def settle(app: QApplication, runner: TaskRunner, seconds: float = 0.6) -> None:
    """Let background tasks finish and their results paint."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        runner.wait()
        app.processEvents()
        time.sleep(0.02)


def shoot(app: QApplication, runner: TaskRunner, name: str) -> None:
    settle(app, runner)
    screen = QGuiApplication.primaryScreen()
    path = OUT / f"{name}.png"
    screen.grabWindow(0).save(str(path))
    print(f"saved {path}")


def _medicines_shot(
    app: QApplication, runner: TaskRunner, shell: Shell, page: PatientRecordPage
) -> None:
    """The Medicines tab of someone with a critical medicine among several."""
    from sqlalchemy import func, select

    from hjdesk.services.patients import medicines_and_allergies, record_allergy
    from hjdesk.storage.models import Medicine

    vault = shell.opened
    assert vault is not None
    with vault.session() as session:
        critical = select(Medicine.patient_id).where(Medicine.critical.is_(True))
        medicated = session.execute(
            select(Medicine.patient_id)
            .where(Medicine.patient_id.in_(critical))
            .group_by(Medicine.patient_id)
            .order_by(func.count().desc(), Medicine.patient_id)
            .limit(1)
        ).scalar_one()
    # The demo writes few allergies: one is recorded as a nurse would.
    if not any(a.active for a in medicines_and_allergies(vault, medicated).allergies):
        record_allergy(vault, medicated, "Penicillin", "Anaphylaxis")
    shell.workspace.open_patient(medicated)
    settle(app, runner, 1.0)
    page.tabs.setCurrentWidget(page.medicines)
    settle(app, runner, 1.0)
    shoot(app, runner, "medicines")


def _extra_shots(
    app: QApplication, runner: TaskRunner, shell: Shell
) -> dict[str, Callable[[], None]]:
    """Screens reached from a page: an encounter with a red flag, a record, a plan, an ACCT."""
    from hjdesk.services.encounters import EncounterKind
    from hjdesk.services.worklists import today_worklists
    from hjdesk.ui.encounter import open_encounter_dialog

    workspace = shell.workspace
    vault = shell.opened
    assert vault is not None
    lists = today_worklists(vault)

    def encounter() -> None:
        patient = lists.ltc_reviews[0].patient_id
        assert patient is not None
        dialog = open_encounter_dialog(
            workspace.context, patient, EncounterKind.CLINIC_VISIT, parent=workspace
        )
        dialog.move(150, 0)
        vitals = dialog.form.vitals
        for field, value in (
            (vitals.resp_rate, "24"),
            (vitals.spo2, "93"),
            (vitals.systolic, "105"),
            (vitals.pulse, "115"),
            (vitals.temperature, "38.6"),
        ):
            QTest.keyClicks(field, value)
        vitals.oxygen.setCurrentIndex(vitals.oxygen.findData(False))
        vitals.consciousness.setCurrentIndex(vitals.consciousness.findData("A"))
        vitals.temperature.setFocus()
        shoot(app, runner, "encounter")
        dialog.close_without_asking()

    def record() -> None:
        from sqlalchemy import func, select

        from hjdesk.storage.models import Observation

        with vault.session() as session:
            busiest = session.execute(
                select(Observation.patient_id)
                .group_by(Observation.patient_id)
                .order_by(func.count().desc())
                .limit(1)
            ).scalar_one()
        workspace.open_patient(busiest)
        settle(app, runner, 1.0)
        page = workspace.page("Patient record")
        assert isinstance(page, PatientRecordPage)
        page.tabs.setCurrentIndex(1)  # observations and the trend chart
        shoot(app, runner, "patient-record")
        _medicines_shot(app, runner, shell, page)

    def care_plan() -> None:
        workspace.show_page("Care plans", lists.care_plan_reviews[0].target_id)
        settle(app, runner, 1.0)
        shoot(app, runner, "care-plan-editor")

    def acct_case() -> None:
        workspace.show_page("ACCT", lists.acct[0].target_id)
        settle(app, runner, 1.0)
        shoot(app, runner, "acct-case")

    return {
        "Wing clinics": encounter,
        "Patients": record,
        "Care plans": care_plan,
        "ACCT": acct_case,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", default=".demo")
    parser.add_argument("--user", default="nurse")
    parser.add_argument("--password", default="demo-password")
    parser.add_argument("--only", nargs="*", help="page titles to shoot (default: all)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    app = make_application()
    QCoreApplication.setApplicationName("HJDesk")
    apply_theme()
    runner = TaskRunner()
    with tempfile.TemporaryDirectory() as empty:  # a new laptop: the first-run screen
        first = Shell(Vault(HomePaths.resolve(empty)), runner)
        first.resize(1280, 760)
        first.move(0, 0)
        first.show()
        shoot(app, runner, "first-run")
        first.close()
    shell = Shell(Vault(HomePaths.resolve(args.home)), runner, args.user)
    app.installEventFilter(shell.idle)
    shell.resize(1280, 760)
    shell.move(0, 0)
    shell.show()
    settle(app, runner)
    shoot(app, runner, "unlock")
    QTest.keyClicks(shell.unlock_screen.password, args.password)
    QTest.keyClick(shell.unlock_screen.password, Qt.Key.Key_Return)
    deadline = time.monotonic() + 30
    while shell.opened is None and time.monotonic() < deadline:
        settle(app, runner, 0.2)
    if shell.opened is None:
        print("could not unlock", file=sys.stderr)
        return 1
    workspace = shell.workspace
    extra = _extra_shots(app, runner, shell)
    for row in range(workspace.nav.count()):
        title = workspace.nav.item(row).text()
        if args.only and title not in args.only:
            continue
        workspace.nav.setCurrentRow(row)
        settle(app, runner, 1.0)
        shoot(app, runner, title.lower().replace(" ", "-"))
        if title in extra:
            extra[title]()
    shell.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
