"""The form that creates the vault: first administrator, password twice, establishment code.

The work is `services.first_run.create_vault`, the same call `hjdesk init` makes; it runs on the
write pool (the key derivation takes a moment) and its errors are shown under the form.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from hjdesk.services.first_run import PASSWORD_RULE, create_vault
from hjdesk.storage.errors import InvalidInput, KnownError
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.tasks import TaskRunner
from hjdesk.ui.widgets.form_rows import FormRows
from hjdesk.ui.widgets.message_line import MessageLine


def _field(accessible: str, placeholder: str = "", *, secret: bool = False) -> QLineEdit:
    field = QLineEdit()
    field.setAccessibleName(accessible)
    field.setPlaceholderText(placeholder)
    if secret:
        field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class CreateVaultForm(QWidget):
    """Emits `created(OpenVault)`: the vault exists and its administrator is signed in."""

    created = Signal(object)

    def __init__(self, home: HomePaths, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.home = home
        self.runner = runner
        intro = QLabel(
            "This laptop has no HJDesk vault yet. Create it here: you become its first "
            "administrator, and can add the other staff from Admin once it is open. Everything "
            f"is kept encrypted in {home.root}."
        )
        intro.setWordWrap(True)
        self.username = _field("Administrator user name", "letters, digits, . _ -")
        self.full_name = _field("Administrator full name", "as colleagues know you")
        self.password = _field("New password", secret=True)
        self.repeat = _field("Repeat the password", secret=True)
        self.rule = QLabel(PASSWORD_RULE)
        self.rule.setObjectName("hint")
        self.rule.setWordWrap(True)
        self.establishment = _field("Establishment code", "three letters, e.g. MDI")
        self.establishment.setMaxLength(3)
        self.create_button = QPushButton("&Create the vault")
        self.create_button.setAccessibleName("Create the vault")
        self.create_button.setDefault(True)
        self.message = MessageLine("Create the vault: problem", problem_prefix="Not done: ")

        rows = FormRows()
        for text, field in (
            ("&User name:", self.username),
            ("&Full name:", self.full_name),
            ("&Password:", self.password),
            ("&Repeat password:", self.repeat),
        ):
            rows.add(text, field)
        rows.under(self.rule)
        rows.add("&Establishment:", self.establishment)
        form = rows.layout
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.create_button)
        layout.addWidget(self.message)
        self.create_button.clicked.connect(self.submit)
        for field in (self.username, self.full_name, self.password, self.repeat):
            field.returnPressed.connect(self.submit)
        self.establishment.returnPressed.connect(self.submit)

    def _check(self) -> None:
        if not self.username.text().strip():
            raise InvalidInput("Type a user name for the administrator.")
        if not self.password.text():
            raise InvalidInput("Type a password, twice.")
        if self.password.text() != self.repeat.text():
            raise InvalidInput("The two passwords differ: type them again.")
        if not self.establishment.text().strip():
            raise InvalidInput("Type this laptop's establishment code, e.g. MDI.")

    def submit(self) -> None:
        if not self.create_button.isEnabled():
            return
        try:
            self._check()
        except InvalidInput as exc:
            self.message.problem(exc.message)
            return
        home, admin = self.home, self.username.text().strip()
        secret, name = self.password.text(), self.full_name.text()
        code = self.establishment.text()
        self.create_button.setEnabled(False)
        self.message.info("Creating the vault…")

        def done(opened: OpenVault) -> None:
            self._forget_passwords()
            self.message.info("")
            self.create_button.setEnabled(True)
            self.created.emit(opened)

        def failed(exc: KnownError) -> None:
            self._forget_passwords()
            self.create_button.setEnabled(True)
            self.message.fail(exc)

        self.runner.run_task(
            lambda: create_vault(
                home, admin=admin, password=secret, full_name=name, establishment=code
            ),
            done,
            failed,
            write=True,
        )

    def _forget_passwords(self) -> None:
        self.password.clear()
        self.repeat.clear()
