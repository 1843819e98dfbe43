"""Child process of the Today-page figures: how long the GUI thread is busy when Today's lists
arrive, when a nurse opens each list, and when names are masked.

    python -m benchmarks.today_page_probe HOME USER PASSWORD [REFRESHES]

The app's own shell with the real background runner, offscreen, 1280×800. After the unlock has
settled, Refresh is clicked REFRESHES times (default 5); each time the event loop is run in
slices until the worker is done and the page is idle, and the longest slice is kept (the lists
arriving and being shown). Then every worklist heading is opened in turn and the view repainted,
then the privacy switch masks the names, each timed as one step. Prints one JSON object:
{"refresh": [ms...], "open": [ms...], "mask": [ms...], "items": N}.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any


def _longest_slice_until_idle(app: Any, runner: Any, limit: float = 120.0) -> float:
    """Run the event loop in slices until the background runner has nothing live; the longest
    slice in milliseconds."""
    worst = 0.0
    deadline = time.monotonic() + limit
    while True:
        start = time.perf_counter()
        app.processEvents()
        worst = max(worst, (time.perf_counter() - start) * 1000)
        if not getattr(runner, "_live", ()) or time.monotonic() > deadline:
            break
        time.sleep(0.002)
    start = time.perf_counter()
    app.processEvents()
    return max(worst, (time.perf_counter() - start) * 1000)


def _timed(app: Any, view: Any, step: Callable[[], object]) -> float:
    """One user step, the events it posts and a repaint of the view, in milliseconds."""
    start = time.perf_counter()
    step()
    app.processEvents()
    view.viewport().repaint()
    return (time.perf_counter() - start) * 1000


def main(home: str, user: str, password: str, refreshes: str = "5") -> int:
    from PySide6.QtWidgets import QApplication

    from hjdesk.storage.paths import HomePaths
    from hjdesk.storage.vault import Vault
    from hjdesk.ui.app import Shell
    from hjdesk.ui.pages.today import TodayPage
    from hjdesk.ui.tasks import TaskRunner
    from hjdesk.ui.theme import apply_theme

    app = QApplication(sys.argv)
    apply_theme()
    runner = TaskRunner()
    shell = Shell(Vault(HomePaths.resolve(home)), runner, user)
    shell.resize(1280, 800)
    shell.show()
    shell.unlock_screen.password.setText(password)
    shell.unlock_screen.password.returnPressed.emit()
    deadline = time.monotonic() + 120
    while shell.opened is None and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
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
    items = sum(model.rowCount(model.index(r, 0)) for r in range(model.rowCount()))
    print(json.dumps({"refresh": refresh, "open": opened, "mask": mask, "items": items}))
    shell.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
