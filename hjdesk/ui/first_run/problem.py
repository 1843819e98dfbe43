"""A vault this copy of HJDesk cannot open (damaged, half missing, or from a newer version):
what happened and what to do, in words, with the backups found and the folder one click away.

Nothing here changes a file: restoring is for IT support, who can then choose "Check again".
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from hjdesk.services.first_run import Diagnosis, VaultState
from hjdesk.storage.paths import HomePaths
from hjdesk.ui.first_run.screen import card, centred

TITLES = {
    VaultState.DAMAGED: "The vault cannot be opened",
    VaultState.TOO_NEW: "This vault needs a newer HJDesk",
}


def _text(accessible: str, object_name: str = "") -> QLabel:
    label = QLabel("")
    label.setWordWrap(True)
    label.setAccessibleName(accessible)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if object_name:
        label.setObjectName(object_name)
    return label


class VaultProblemScreen(QWidget):
    """Emits `check_again()` when the person (or IT support) wants the folder looked at again,
    and `quit_requested()` to close HJDesk."""

    check_again = Signal()
    quit_requested = Signal()

    def __init__(self, home: HomePaths, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.home = home
        self.setObjectName("vaultProblem")
        self.happened_title = QLabel("What happened")
        self.happened_title.setObjectName("subheading")
        self.happened = _text("What happened", "errorText")
        self.todo_title = QLabel("What to do")
        self.todo_title.setObjectName("subheading")
        self.todo = _text("What to do")
        self.backups = _text("Backups found")
        self.open_folder = QPushButton("Open the HJDesk &folder")
        self.open_folder.setAccessibleName("Open the HJDesk folder")
        self.again = QPushButton("&Check again")
        self.again.setAccessibleName("Check the vault again")
        self.quit = QPushButton("&Quit")
        self.quit.setAccessibleName("Quit HJDesk")
        buttons = QWidget()
        row = QHBoxLayout(buttons)
        row.setContentsMargins(0, 0, 0, 0)
        for button in (self.again, self.open_folder, self.quit):
            row.addWidget(button)
        row.addStretch(1)
        self.card = card(
            "", self.happened_title, self.happened, self.todo_title, self.todo, self.backups,
            buttons,
        )  # fmt: skip
        self.title = self.card.findChild(QLabel, "cardTitle")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(centred(self.card))
        self.again.clicked.connect(self.check_again)
        self.quit.clicked.connect(self.quit_requested)
        self.open_folder.clicked.connect(self._open_folder)

    def show_diagnosis(self, diagnosis: Diagnosis) -> None:
        if self.title is not None:
            self.title.setText(TITLES.get(diagnosis.state, "HJDesk cannot start"))
        self.happened.setText(diagnosis.what_happened)
        self.todo.setText(diagnosis.what_to_do)
        if diagnosis.backups:
            lines = [
                f"{b.path.name}  ({b.taken:%d/%m/%Y %H:%M} UTC, {b.size // 1024} KiB)"
                for b in diagnosis.backups
            ]
            self.backups.setText("Copies in backups/, newest first:\n" + "\n".join(lines))
        else:
            self.backups.setText("No copies in backups/.")
        self.again.setFocus()

    def _open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.home.root)))
