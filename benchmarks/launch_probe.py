"""Child process of the launch figures (benchmarks.launch): the real app, watched.

    python -m benchmarks.launch_probe launch HOME USER
    python -m benchmarks.launch_probe unlock HOME USER PASSWORD
    python -m benchmarks.launch_probe bare

`launch` runs `hjdesk --home HOME --user USER` (hjdesk.cli.entry) and prints "painted" when the
unlock screen has been painted for the first time, then quits; the parent times the whole process
from its start. `unlock` then waits as a person would (at least TYPING_S, and until the app has
nothing running in the background), types the password, presses Enter, and prints the seconds until
the workspace's first page is showing its list with nothing left loading. `bare` paints an empty
PySide6 window: the reference of §9.
"""

from __future__ import annotations

import sys
import time
from typing import Any

TYPING_S = 1.5


def _bare() -> int:
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication(sys.argv)
    window = QWidget()

    class Watch(QObject):
        def eventFilter(self, obj: Any, event: Any) -> bool:
            if event.type() == QEvent.Type.Paint:
                print("painted", flush=True)
                window.removeEventFilter(self)
                QTimer.singleShot(0, app.quit)
            return False

    watch = Watch()
    window.installEventFilter(watch)
    window.resize(1100, 720)
    window.show()
    return app.exec()


def _app(mode: str, home: str, user: str, password: str) -> int:
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    import hjdesk.ui.app as app_module

    class Watch(QObject):
        """Waits for the unlock screen's first paint, then (unlock mode) drives the unlock."""

        def __init__(self, shell: Any) -> None:
            super().__init__()
            self.shell = shell
            self.painted_at = 0.0
            self.pressed_at = 0.0
            self.timer = QTimer()
            self.timer.setInterval(2)
            self.timer.timeout.connect(self.poll)

        def eventFilter(self, obj: Any, event: Any) -> bool:
            if event.type() == QEvent.Type.Paint and not self.painted_at:
                self.painted_at = time.perf_counter()
                print("painted", flush=True)
                if mode == "launch":
                    QTimer.singleShot(0, QApplication.quit)
                else:
                    self.timer.start()
            return False

        def busy(self) -> bool:
            return bool(getattr(self.shell.runner, "_live", ()))

        def poll(self) -> None:
            now = time.perf_counter()
            shell = self.shell
            if not self.pressed_at:
                if now - self.painted_at < TYPING_S or self.busy():
                    return
                shell.unlock_screen.password.setText(password)
                self.pressed_at = time.perf_counter()
                shell.unlock_screen.password.returnPressed.emit()
                return
            if now - self.pressed_at > 60:
                print("unlock did not finish in 60 s", flush=True)
                QApplication.exit(3)
                return
            if shell.opened is None or shell.stack.currentWidget() is not shell.workspace:
                return
            if self.busy():
                return
            shell.workspace.repaint()
            print(f"unlocked {time.perf_counter() - self.pressed_at:.6f}", flush=True)
            self.timer.stop()
            QTimer.singleShot(0, QApplication.quit)

    original_show = app_module.Shell.show
    watches: list[Watch] = []

    def show(shell: Any) -> None:
        watch = Watch(shell)
        watches.append(watch)
        shell.unlock_screen.installEventFilter(watch)
        original_show(shell)

    app_module.Shell.show = show  # type: ignore[method-assign]
    from hjdesk.cli import main

    return main(["--home", home, "--user", user])


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[0] == "bare":
        sys.exit(_bare())
    sys.exit(_app(args[0], args[1], args[2], args[3] if len(args) > 3 else ""))
