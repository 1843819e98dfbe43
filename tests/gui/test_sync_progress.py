"""The Sync page shows a long sync's records, rate and time left, driven by the real client's
progress callbacks against a real hub (small batches, so the client reports several times; the
page's meter reads a stepped clock so the rate is the same on any machine)."""

from __future__ import annotations

import functools
import re
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from hjdesk.storage.models import Patient
from hjdesk.sync import client
from hjdesk.sync.progress import RateMeter
from hjdesk.ui.pages import sync as sync_page_module
from tests.gui.helpers_sync import GuiLaptop, gui_hub, sync_page
from tests.sync.helpers import HubProcess

__all__ = ["gui_hub"]  # the module-scoped hub fixture


class SteppedClock:
    """Two seconds pass between one progress report and the next."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 2.0
        return self.now


def test_the_page_shows_records_rate_and_time_left_as_the_sync_runs(
    qtbot, gui_hub: HubProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = GuiLaptop(tmp_path, "progress")
    establishment = laptop.add_establishment("GPR")
    laptop.enrol(gui_hub, "GPR")
    monkeypatch.setattr(client, "sync", functools.partial(client.sync, batch_size=10))
    monkeypatch.setattr(
        sync_page_module, "RateMeter", lambda: RateMeter(clock=SteppedClock(), settle=1.0)
    )
    with laptop.vault() as opened:
        page, controller = sync_page(qtbot, opened)  # enrolled and online: synced already
        with opened.transaction() as s:  # work done since: the sync below sends it
            s.add_all(
                Patient(prison_number=f"G{i:04d}PR", family_name="Progress", given_names="Pat",
                        family_fold="progress", given_fold="pat", date_of_birth=date(1980, 1, 1),
                        sex="M", establishment_id=establishment)
                for i in range(40)
            )  # fmt: skip
        shown: list[str] = []
        bars: list[tuple[int, int]] = []

        def seen(_step: object) -> None:  # after the page's own slot: what a person sees now
            shown.append(page.step.text())
            bars.append((page.progress.value(), page.progress.maximum()))

        controller.progress.connect(seen)
        with qtbot.waitSignal(controller.finished, timeout=30_000):
            qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)

    pushes = [t for t in shown if t.startswith("sent ")]
    assert len(pushes) >= 4, shown
    total = int(re.match(r"sent [\d,]+ of ([\d,]+) records", pushes[0])[1].replace(",", ""))
    assert total >= 40
    assert pushes[0] == f"sent 10 of {total} records"  # one report: no rate yet
    # 10 more records every 2 s: 5 records/s, and the rest at that rate.
    assert pushes[1] == f"sent 20 of {total} records, 5 records/s, about {(total - 20) // 5} s left"
    assert any(t.startswith(f"sent {total} of {total} records") for t in pushes)
    assert (20, total) in bars  # the bar follows the same counts
    assert any(t.startswith("received ") for t in shown)
    assert page.progress.isHidden()
    assert page.step.text() == ""
