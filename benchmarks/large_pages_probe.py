"""Child process of the large-establishment page figures: how long the GUI thread is busy when
Today's lists arrive, when a nurse opens each list, and when names are masked; then when the
Patients page's roll arrives and while a nurse types in its filter.

    python -m benchmarks.large_pages_probe HOME USER PASSWORD [REFRESHES]

The app's own shell with the real background runner, offscreen, 1280×800. After the unlock has
settled, Refresh is clicked REFRESHES times (default 5); each time the event loop is run in
slices until the worker is done and the page is idle, and the longest slice is kept (the lists
arriving and being shown). Then every worklist heading is opened in turn, then the privacy switch
masks the names, each timed as one step: the change, the events it posts and the paint they make,
which is what a nurse's click waits for (the Patients page, not yet shown, is masked too). A
forced second repaint of the unchanged view is timed apart: until the eleventh session the probe
counted it in the step, so `open` + `open_repaint` is the earlier sessions' figure. Then the
Patients page is opened and its longest slice kept until the roll is shown, and the filter typed
into and cleared a key at a time (each key's longest slice, its pause included). Prints one JSON
object: {"refresh": [ms...], "open": [ms...], "mask": [ms...], "open_repaint": [ms...],
"mask_repaint": [ms...], "items": N, "shown": N, "roll": [ms], "filter": [ms...],
"patients": N} (`shown`: the rows laid out once every list is open, a page of each).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, QObject


def _longest_slice_until_idle(
    app: Any, runner: Any, limit: float = 120.0, pause: float = 0.0
) -> float:
    """Run the event loop in slices until the background runner has nothing live (and at least
    `pause` seconds, for timers such as the filter's); the longest slice in milliseconds."""
    worst = 0.0
    began = time.monotonic()
    while True:
        start = time.perf_counter()
        app.processEvents()
        worst = max(worst, (time.perf_counter() - start) * 1000)
        waited = time.monotonic() - began
        if (not getattr(runner, "_live", ()) and waited >= pause) or waited > limit:
            break
        time.sleep(0.002)
    start = time.perf_counter()
    app.processEvents()
    return max(worst, (time.perf_counter() - start) * 1000)


class _Paints(QObject):
    """Counts the paint events a widget receives."""

    def __init__(self, widget: Any) -> None:
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def _timed(app: Any, view: Any, step: Callable[[], object]) -> tuple[float, float]:
    """One user step, the events it posts and the paint they make, in milliseconds; then a
    forced second repaint of the unchanged view, timed apart (see the module's note)."""
    viewport = view.viewport()
    paints = _Paints(viewport)
    start = time.perf_counter()
    step()
    app.processEvents()
    if not paints.count:  # a step never escapes its paint
        viewport.repaint()
    took = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    viewport.repaint()
    again = (time.perf_counter() - start) * 1000
    viewport.removeEventFilter(paints)
    return took, again


def _patients_page(app: Any, runner: Any, shell: Any) -> dict[str, Any]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from hjdesk.ui.pages.patients import PatientsPage

    shell.workspace.show_page("Patients")
    roll = [_longest_slice_until_idle(app, runner, pause=0.3)]
    page = shell.workspace.page("Patients")
    assert isinstance(page, PatientsPage)
    box = page.caseload.search
    typed: list[float] = []
    for text in ("smi", "\b\b\b", "Z1", "\b\b"):
        for char in text:
            start = time.perf_counter()
            if char == "\b":
                QTest.keyClick(box, Qt.Key.Key_Backspace)
            else:
                QTest.keyClicks(box, char)
            key = (time.perf_counter() - start) * 1000
            typed.append(max(key, _longest_slice_until_idle(app, runner, pause=0.3)))
    return {"roll": roll, "filter": typed, "patients": page.caseload.model.total()}


def main(home: str, user: str, password: str, refreshes: str = "5") -> int:
    from benchmarks.probe_shell import unlocked_shell
    from hjdesk.ui.pages.today import TodayPage

    app, runner, shell = unlocked_shell(home, user, password, size=(1280, 800))
    _longest_slice_until_idle(app, runner)
    page = shell.workspace.page("Today")
    assert isinstance(page, TodayPage)

    refresh: list[float] = []
    for _ in range(int(refreshes)):
        page.reload.click()
        refresh.append(_longest_slice_until_idle(app, runner))
    model, tree = page.model, page.tree
    opened = [
        _timed(app, tree, partial(tree.setExpanded, model.index(row, 0), True))
        for row in range(model.rowCount())
    ]
    mask = [_timed(app, tree, lambda: shell.workspace.privacy_switch.setChecked(True))]
    shown = sum(model.rowCount(model.index(r, 0)) for r in range(model.rowCount()))
    found: dict[str, Any] = {"refresh": refresh, "items": model.total()}
    for name, steps in (("open", opened), ("mask", mask)):
        found[name] = [took for took, _ in steps]
        found[f"{name}_repaint"] = [again for _, again in steps]
    found["shown"] = shown  # a page of each list, and its "show more" row
    found.update(_patients_page(app, runner, shell))
    print(json.dumps(found))
    shell.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
