"""Child process of the UI-thread figure: how long the GUI thread is busy per event while a
person types in the global search and the roll filter, and pages through the roll.

    python -m benchmarks.ui_probe HOME USER PASSWORD

The app's own shell (hjdesk.ui.app.Shell) with the real background runner, offscreen. Each key
press is sent synchronously (QTest.keyClick returns once its handlers have run) and timed; between
presses, at typing speed, the event loop is run in slices and every slice that did work is timed
too (a slice's time bounds every handler in it: results arriving from workers, repaints). Prints
one JSON object: {"search": [ms...], "filter": [ms...], "scrolling": [ms...]}.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

KEY_GAP_S = 0.12  # a quick typist: about 8 keys a second
BUSY_MS = 1.0  # slices shorter than this did nothing worth counting


def main(home: str, user: str, password: str) -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QAbstractItemView, QLineEdit

    from benchmarks.probe_shell import unlocked_shell

    app, runner, shell = unlocked_shell(home, user, password)

    def busy() -> bool:
        return bool(getattr(runner, "_live", ()))

    def settle(limit: float = 60.0) -> None:
        deadline = time.monotonic() + limit
        while True:
            app.processEvents()
            if not busy() or time.monotonic() > deadline:
                break
            time.sleep(0.005)
        app.processEvents()

    def pump(seconds: float, out: list[float]) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            start = time.perf_counter()
            app.processEvents()
            took = (time.perf_counter() - start) * 1000
            if took >= BUSY_MS:
                out.append(took)
            time.sleep(0.002)

    def key(widget: Any, text: str, out: list[float]) -> None:
        for char in text:
            start = time.perf_counter()
            if char == "\b":
                QTest.keyClick(widget, Qt.Key.Key_Backspace)
            else:
                QTest.keyClicks(widget, char)
            out.append((time.perf_counter() - start) * 1000)
            pump(KEY_GAP_S, out)

    settle()

    typing: list[float] = []
    filtering: list[float] = []
    search = shell.workspace.search
    search.setFocus()
    for word in ("smi", "Z1", "999 0"):
        key(search, word, typing)
        pump(0.5, typing)
        search.clear()
        settle()

    shell.workspace.show_page("Patients")
    settle()
    page = shell.workspace.page("Patients")
    views = sorted(
        page.findChildren(QAbstractItemView),
        key=lambda v: v.model().rowCount() if v.model() is not None else 0,
    )
    roll = views[-1] if views else None
    boxes = [w for w in page.findChildren(QLineEdit) if w.isVisibleTo(page)]
    if boxes:
        boxes[0].setFocus()
        key(boxes[0], "jon", filtering)
        pump(0.5, filtering)
        for _ in range(3):
            key(boxes[0], "\b", filtering)
        settle()

    scrolling: list[float] = []
    if roll is not None:
        roll.setFocus()
        for _ in range(25):
            start = time.perf_counter()
            QTest.keyClick(roll, Qt.Key.Key_PageDown)
            scrolling.append((time.perf_counter() - start) * 1000)
            pump(0.05, scrolling)
        bar = roll.verticalScrollBar()
        for step in range(20):
            start = time.perf_counter()
            bar.setValue(bar.maximum() * (20 - step) // 20)
            roll.viewport().repaint()
            scrolling.append((time.perf_counter() - start) * 1000)
            pump(0.03, scrolling)
    print(json.dumps({"search": typing, "filter": filtering, "scrolling": scrolling}))
    shell.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
