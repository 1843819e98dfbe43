"""Start-up errors in a window, for `hjdesk-gui`: started from a shortcut, it has no console, so
a message printed there would reach nobody."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMessageBox


def startup_error_box(message: str) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Critical, "HJDesk could not start", message)
    box.setAccessibleName("HJDesk could not start")
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    return box


def show_startup_error(message: str) -> None:
    """Show the message and wait until it is closed (the process ends after it)."""
    from hjdesk.ui.app import make_application

    try:
        make_application()
        startup_error_box(message).exec()
    except Exception:  # noqa: S110 - no display at all: stderr already has the message
        pass
    app = QApplication.instance()
    if app is not None:
        app.processEvents()
