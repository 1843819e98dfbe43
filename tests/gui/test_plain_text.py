"""Record data is shown as typed on every page and dialog: markup in names, notes and plan text is
never interpreted (a roll name with `<img src=...>` must not load an image), hjdesk/ui/plain.py."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QTextBrowser, QWidget
from sqlalchemy import select

from hjdesk.services import care_plans, encounters
from hjdesk.services.encounters.forms import EncounterInput, VitalsInput
from hjdesk.services.release.plans import save_release_plan
from hjdesk.services.roll.importing import import_roll
from hjdesk.storage.models import Patient
from hjdesk.storage.vault import Vault
from hjdesk.ui.app import Shell
from hjdesk.ui.main_window import WAITING_MESSAGE
from hjdesk.ui.plain import tooltip_markup
from hjdesk.ui.record.release_plan_dialog import ReleasePlanDialog
from hjdesk.ui.tasks import InlineRunner
from tests.conftest import FAST_KDF, PASSWORD

FAMILY = '<b>BIG</b><img src="/tmp/hjdesk-probe.png">'
GIVEN = "Tom &amp; <i>Jerry</i>"
NOTE = "Plan: <b>bold</b> &amp; <img src='x.png'> <a href='http://x'>link</a>"
MARKERS = ("<b>", "<B>", "&amp;", "<img", "<IMG", "<i>", "<a href")


def _seed(vault, roll) -> str:
    path = roll.write([roll.line("A1234BC", family_name=FAMILY, given_names=GIVEN)])
    import_roll(vault, path, full_roll=False)
    vault.add_user("nurse", PASSWORD, display_name="Nurse <u>N</u>", role="RN", kdf=FAST_KDF)
    with vault.session() as session:
        patient_id = session.scalar(select(Patient.id).where(Patient.prison_number == "A1234BC"))
    vault.lock()
    nurse = Vault(vault.home).unlock("nurse", PASSWORD)
    now = datetime.now(UTC)
    encounters.sign_encounter(
        nurse,
        EncounterInput(
            patient_id=patient_id, kind="CELL_DOOR", started_at=now - timedelta(minutes=5),
            narrative=NOTE, place="A wing <b>cell</b>", consent_recorded=True,
            vitals=VitalsInput(resp_rate=16, spo2=97, on_oxygen=False, systolic_bp=126,
                               pulse=74, consciousness="A", temperature=36.8),
        ),
    )  # fmt: skip
    care_plans.create_plan(nurse, patient_id, "SOCIAL_CARE", title=f"Care {NOTE}"[:120])
    save_release_plan(
        nurse, patient_id, movement_type="RELEASE", expected_date=None,
        destination="Hostel <b>X</b> &amp; Co", notes=NOTE,
    )  # fmt: skip
    nurse.lock()
    return patient_id


def _shown_as_typed(root: QWidget) -> int:
    """Every label plain text; every text browser shows the markup characters literally.
    Returns how many widgets showed seeded record data."""
    seen = 0
    for label in root.findChildren(QLabel):
        assert label.textFormat() != Qt.TextFormat.AutoText or not label.isVisible(), (
            label.objectName(),
            label.text(),
        )
        if any(m in label.text() for m in MARKERS) and label.isVisible():
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
            seen += 1
    for browser in root.findChildren(QTextBrowser):
        text = browser.toPlainText()
        if "BIG" in text or "bold" in text:
            assert "<b>" in text or "<B>" in text, text  # the tags are text, not formatting
            seen += 1
    return seen


def test_every_page_and_dialog_shows_markup_as_typed(qtbot, vault, roll):
    patient_id = _seed(vault, roll)
    shell = Shell(Vault(vault.home), InlineRunner(), user="nurse")
    qtbot.addWidget(shell)
    shell.show()
    shell.unlock_screen.reload_users(select="nurse")
    qtbot.keyClicks(shell.unlock_screen.password, PASSWORD)
    qtbot.keyClick(shell.unlock_screen.password, Qt.Key.Key_Return)
    assert shell.opened is not None, shell.unlock_screen.message.text()
    workspace = shell.workspace
    for row in range(workspace.nav.count()):
        workspace.nav.setCurrentRow(row)
        _shown_as_typed(shell)
    workspace.open_patient(patient_id)
    page = workspace.current_page
    seen = 0
    for index in range(page.tabs.count()):
        page.tabs.setCurrentIndex(index)
        seen += _shown_as_typed(shell)
    assert seen >= 3  # the header name, the timeline entry, the release summary at least
    page.new_entry.release_action.trigger()
    dialog = page.release.dialog
    assert isinstance(dialog, ReleasePlanDialog)
    assert dialog.notes.toPlainText() == NOTE
    _shown_as_typed(dialog)
    dialog.reject()
    box = QMessageBox(QMessageBox.Icon.Warning, "HJDesk", f"Could not save {FAMILY}")
    box.show()
    assert _shown_as_typed(box) == 1
    box.close()


def test_tooltips_show_their_text_exactly():
    for text in (FAMILY, GIVEN, NOTE, "plain", "a < b & c > d"):
        document = QTextDocument()
        document.setHtml(tooltip_markup(text))
        assert document.toPlainText() == text


def test_a_save_held_up_by_sync_says_it_is_waiting_not_busy(qtbot, vault):
    shell = Shell(Vault(vault.home), InlineRunner(), user="admin")
    qtbot.addWidget(shell)
    workspace = shell.workspace
    workspace.set_vault(vault)
    held, done = threading.Event(), threading.Event()

    def sync_page() -> None:  # stands in for the sync worker storing one page
        with vault.writing():
            held.set()
            time.sleep(0.8)

    def save() -> None:
        held.wait()
        vault.audit("probe")
        done.set()

    threads = [threading.Thread(target=sync_page), threading.Thread(target=save)]
    for thread in threads:
        thread.start()
    qtbot.waitUntil(lambda: shell.statusBar().currentMessage() == WAITING_MESSAGE, timeout=5000)
    qtbot.waitUntil(done.is_set, timeout=5000)
    qtbot.waitUntil(lambda: shell.statusBar().currentMessage() == "", timeout=5000)
    for thread in threads:
        thread.join()
    assert QApplication.instance() is not None
