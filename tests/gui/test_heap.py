"""hjdesk.ui.heap through the real shell: the app's long-lived objects (and a large page's rows)
are frozen out of the cycle collector while a session is open, and the lock hands everything
back and collects it, so no patient row outlives the session in memory because of the freeze."""

from __future__ import annotations

import gc

from PySide6.QtCore import Qt

from hjdesk.services.patients import PatientRow
from hjdesk.services.worklists import TodayItem
from hjdesk.storage.vault import Vault
from hjdesk.ui import heap
from hjdesk.ui.app import Shell
from hjdesk.ui.tasks import InlineRunner
from tests.conftest import PASSWORD


def _live(kind: type) -> int:
    return sum(1 for o in gc.get_objects() if type(o) is kind)


def test_settle_and_release() -> None:
    gc.unfreeze()
    heap.settle()
    assert gc.get_freeze_count() > 0
    heap.release_on_lock()
    assert gc.get_freeze_count() == 0


def test_a_session_is_frozen_while_open_and_released_by_the_lock(qtbot, demo_home):
    gc.unfreeze()
    gc.collect()
    # Rows other tests' widgets may still hold: this session's must all be gone after the lock.
    before = {kind: _live(kind) for kind in (TodayItem, PatientRow)}
    shell = Shell(Vault(demo_home), InlineRunner(), "nurse")
    qtbot.addWidget(shell)
    shell.show()
    shell.unlock_screen.password.setText(PASSWORD)
    qtbot.keyClick(shell.unlock_screen.password, Qt.Key.Key_Return)
    assert shell.opened is not None
    assert gc.get_freeze_count() > 0
    shell.workspace.show_page("Patients")
    assert shell.workspace.page("Patients").caseload.model.total() > 0
    # The rows of both large pages are in memory (frozen, so gc.get_objects skips them).
    gc.unfreeze()
    assert _live(TodayItem) > before[TodayItem]
    assert _live(PatientRow) > before[PatientRow]
    heap.settle()

    shell.lock()
    assert gc.get_freeze_count() == 0
    assert _live(TodayItem) <= before[TodayItem]
    assert _live(PatientRow) <= before[PatientRow]
