"""The unlock screen: pick a user of this shared laptop, type a password, see why it failed."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hjdesk.storage.errors import KnownError, UserLockedOut, VaultDamaged, VaultTooNew
from hjdesk.storage.vault import OpenVault, UserInfo, Vault
from hjdesk.ui.tasks import TaskRunner
from hjdesk.ui.widgets.form_rows import FormRows


class UnlockScreen(QWidget):
    """Emits `unlocked(OpenVault)` once a user's password opens the vault."""

    unlocked = Signal(object)
    # A vault found damaged or too new on unlock (KnownError): the shell explains what to do.
    vault_problem = Signal(object)

    def __init__(self, vault: Vault, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.runner = runner
        self.setObjectName("unlockScreen")
        self.title = QLabel("HJDesk")
        self.title.setObjectName("unlockTitle")
        self.subtitle = QLabel("Choose your name and enter your password to unlock this laptop.")
        self.subtitle.setWordWrap(True)
        self.user = QComboBox()
        self.user.setAccessibleName("User")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.button = QPushButton("&Unlock")
        self.button.setDefault(True)
        self.message = QLabel("")
        self.message.setObjectName("unlockMessage")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Unlock message")

        rows = FormRows()
        rows.add("&User", self.user)
        rows.add("&Password", self.password)
        form = rows.layout
        box = QWidget()
        box.setObjectName("unlockBox")
        box.setMaximumWidth(460)
        inner = QVBoxLayout(box)
        inner.setContentsMargins(20, 16, 20, 16)
        inner.setSpacing(10)
        inner.addWidget(self.title)
        inner.addWidget(self.subtitle)
        inner.addLayout(form)
        inner.addWidget(self.button)
        inner.addWidget(self.message)
        # Stretches around the box, not an alignment flag: an aligned widget gets its size
        # hint, which for wrapped text is too short and squashes the fields.
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box, 3)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick)
        self.button.clicked.connect(self.try_unlock)
        self.password.returnPressed.connect(self.try_unlock)
        self.user.currentIndexChanged.connect(self._tick)
        self.reload_users()

    def reload_users(self, select: str | None = None) -> None:
        self.user.clear()
        try:
            users = self.vault.users()
        except KnownError as exc:
            self._show(exc.message, error=True)
            self.button.setEnabled(False)
            return
        for info in users:
            if not info.disabled:
                self.user.addItem(f"{info.display_name} ({info.role})", info.username)
        if select is not None:
            index = self.user.findData(select)
            if index >= 0:
                self.user.setCurrentIndex(index)
        self._tick()

    def _selected(self) -> UserInfo | None:
        username = self.user.currentData()
        for info in self.vault.users():
            if info.username == username:
                return info
        return None

    def _tick(self) -> None:
        info = self._selected()
        wait = info.seconds_to_wait if info else 0.0
        locked_out = wait > 0
        self.button.setEnabled(not locked_out)
        self.password.setEnabled(not locked_out)
        if locked_out:
            self._show(f"Too many wrong passwords. Try again in {int(wait) + 1} s.", error=True)
            self._countdown.start()
        else:
            if self._countdown.isActive():
                self._countdown.stop()
                self._show("")
            self.password.setFocus()

    def _show(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("error", error)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)

    def try_unlock(self) -> None:
        username = self.user.currentData()
        secret = self.password.text()
        if not username:
            return
        if not secret:
            self._show("Enter your password.", error=True)
            return
        self.button.setEnabled(False)
        self._show("Unlocking…")
        self.runner.run_task(
            lambda: self.vault.unlock(username, secret),
            self._on_unlocked,
            self._on_failed,
            write=True,
        )

    def _on_unlocked(self, opened: OpenVault) -> None:
        self.password.clear()
        self._show("")
        self.button.setEnabled(True)
        self.unlocked.emit(opened)

    def _on_failed(self, exc: KnownError) -> None:
        self.password.clear()
        self.button.setEnabled(True)
        if isinstance(exc, UserLockedOut):
            self._tick()
            return
        if isinstance(exc, VaultDamaged | VaultTooNew):
            self._show(exc.message, error=True)
            self.vault_problem.emit(exc)
            return
        self._show(exc.message, error=True)
        self._tick()
        if not self.message.text():
            self._show(exc.message, error=True)
