"""Users of this laptop: the list for everyone, add / disable / reset / rename for
administrators, and "change my password" for every role.

The writes are the vault's own (`OpenVault.add_user`, `disable_user`, `reset_password`,
`set_role`, `rename_user`, `change_own_password` — the same the `hjdesk users` command uses):
each checks the role, audits and rewrites only the key slot concerned (and, for a name or role,
the staff row). Non-administrators do not get buttons that would only say no: they get the list
and a sentence saying who can change it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hjdesk.storage.errors import KnownError
from hjdesk.storage.vault import ADMIN_ROLE, ROLES, UserInfo
from hjdesk.ui.context import PageContext
from hjdesk.ui.widgets.form_rows import FormRows
from hjdesk.ui.widgets.message_line import MessageLine
from hjdesk.ui.widgets.tables import bulk_fill

COLUMNS = ("User name", "Name", "Role", "State")
READ_ONLY_TEXT = (
    "Only an administrator can add users, disable them or reset their passwords. "
    "You can change your own password below."
)


def _password_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    return field


def _pair_differs(first: QLineEdit, second: QLineEdit) -> str | None:
    if not first.text():
        return "Type the password."
    if first.text() != second.text():
        return "The two passwords differ."
    return None


class UsersPanel(QWidget):
    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._users: list[UserInfo] = []

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName("Users of this laptop")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

        self.read_only = QLabel(READ_ONLY_TEXT)
        self.read_only.setWordWrap(True)
        self.read_only.setAccessibleName("Why you cannot manage users")
        self.admin_box = self._build_admin_box()
        self.own_box = self._build_own_box()
        self.message = MessageLine("Users: result of the last action", problem_prefix="Not done: ")

        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.read_only)
        layout.addWidget(self.admin_box)
        layout.addWidget(self.own_box)
        layout.addWidget(self.message)
        self.table.itemSelectionChanged.connect(self._selection_changed)

    # -- building -------------------------------------------------------------------------
    def _build_admin_box(self) -> QGroupBox:
        box = QGroupBox("Manage users (administrator)")
        self.new_username = QLineEdit()
        self.new_username.setAccessibleName("New user: user name")
        self.new_username.setPlaceholderText("e.g. jsmith")
        self.new_display = QLineEdit()
        self.new_display.setAccessibleName("New user: full name")
        self.new_role = QComboBox()
        self.new_role.setAccessibleName("New user: role")
        self.new_role.addItems(list(ROLES))
        self.new_password = _password_field("New user: initial password")
        self.new_repeat = _password_field("New user: initial password again")
        self.add_button = QPushButton("&Add user")
        self.add_button.setAccessibleName("Add the new user")
        rows = FormRows()
        for label, field in (
            ("User na&me:", self.new_username),
            ("Full &name:", self.new_display),
            ("R&ole:", self.new_role),
            ("Initial &password:", self.new_password),
            ("Repeat pass&word:", self.new_repeat),
        ):
            rows.add(label, field)
        rows.under(self.add_button)
        form = rows.layout

        self.selected_label = QLabel("Select a user in the list.")
        self.disable_button = QPushButton("&Disable selected user")
        self.disable_button.setAccessibleName("Disable the selected user")
        self.reset_password = _password_field("Selected user: new password")
        self.reset_repeat = _password_field("Selected user: new password again")
        self.reset_button = QPushButton("&Reset password")
        self.reset_button.setAccessibleName("Reset the selected user's password")
        reset_row = QHBoxLayout()
        reset_label = QLabel("New pa&ssword:")
        reset_label.setBuddy(self.reset_password)
        reset_row.addWidget(reset_label)
        reset_row.addWidget(self.reset_password, 1)
        again = QLabel("Repeat:")
        again.setBuddy(self.reset_repeat)
        reset_row.addWidget(again)
        reset_row.addWidget(self.reset_repeat, 1)
        reset_row.addWidget(self.reset_button)
        hint = QLabel("Resetting the password of a disabled user enables them again.")
        hint.setWordWrap(True)
        # The role lives in the user's sealed key slot on this laptop, nowhere else.
        self.role_choice = QComboBox()
        self.role_choice.setAccessibleName("Selected user: role")
        self.role_choice.addItems(list(ROLES))
        self.role_button = QPushButton("Change ro&le")
        self.role_button.setAccessibleName("Change the selected user's role")
        role_row = QHBoxLayout()
        role_label = QLabel("Role:")
        role_label.setBuddy(self.role_choice)
        role_row.addWidget(role_label)
        role_row.addWidget(self.role_choice, 1)
        role_row.addWidget(self.role_button)
        self._rename_row = self._build_rename_row()
        return self._lay_out_admin_box(reset_row, hint, role_row, box, form)

    def _build_rename_row(self) -> QHBoxLayout:
        # A name changes on the staff row, which syncs: the hub then renames the name cards
        # other prisons hold of this person (hazard H-37), so their records name them anew.
        self.rename_field = QLineEdit()
        self.rename_field.setAccessibleName("Selected user: full name")
        self.rename_button = QPushButton("Re&name")
        self.rename_button.setAccessibleName("Rename the selected user")
        rename_label = QLabel("Full name:")
        rename_label.setBuddy(self.rename_field)
        row = QHBoxLayout()
        row.addWidget(rename_label)
        row.addWidget(self.rename_field, 1)
        row.addWidget(self.rename_button)
        return row

    def _lay_out_admin_box(
        self,
        reset_row: QHBoxLayout,
        hint: QLabel,
        role_row: QHBoxLayout,
        box: QGroupBox,
        form: QFormLayout,
    ) -> QGroupBox:
        selected = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(self.selected_label, 1)
        top.addWidget(self.disable_button)
        selected.addLayout(top)
        selected.addLayout(reset_row)
        selected.addWidget(hint)
        selected.addLayout(role_row)
        selected.addLayout(self._rename_row)
        selected.addStretch(1)

        layout = QHBoxLayout(box)
        layout.addLayout(form, 1)
        layout.addLayout(selected, 1)
        self.add_button.clicked.connect(self.add_user)
        self.disable_button.clicked.connect(self.disable_selected)
        self.reset_button.clicked.connect(self.reset_selected)
        self.role_button.clicked.connect(self.change_role)
        self.rename_button.clicked.connect(self.rename_selected)
        self.rename_field.returnPressed.connect(self.rename_selected)
        self.new_repeat.returnPressed.connect(self.add_user)
        self.reset_repeat.returnPressed.connect(self.reset_selected)
        return box

    def _build_own_box(self) -> QGroupBox:
        box = QGroupBox("Change my password")
        self.own_current = _password_field("My current password")
        self.own_new = _password_field("My new password")
        self.own_repeat = _password_field("My new password again")
        self.own_button = QPushButton("Chan&ge my password")
        self.own_button.setAccessibleName("Change my password")
        layout = QHBoxLayout(box)
        for label, field in (
            ("&Current:", self.own_current),
            ("N&ew:", self.own_new),
            ("Repe&at:", self.own_repeat),
        ):
            buddy = QLabel(label)
            buddy.setBuddy(field)
            layout.addWidget(buddy)
            layout.addWidget(field, 1)
        layout.addWidget(self.own_button)
        self.own_button.clicked.connect(self.change_own)
        self.own_repeat.returnPressed.connect(self.change_own)
        return box

    # -- loading --------------------------------------------------------------------------
    @property
    def is_admin(self) -> bool:
        vault = self.context.vault
        return vault is not None and vault.actor.role == ADMIN_ROLE

    def refresh(self) -> None:
        vault = self.context.vault
        if vault is None:
            return
        admin = self.is_admin
        self.admin_box.setVisible(admin)
        self.read_only.setVisible(not admin)
        self.context.runner.run_task(vault.vault.users, self._show, self.message.fail)

    def clear(self) -> None:
        self._users = []
        self.table.setRowCount(0)
        self.message.clear()
        for field in (self.new_username, self.new_display):
            field.clear()
        self._clear_passwords()

    def _clear_passwords(self) -> None:
        for field in (
            self.new_password, self.new_repeat, self.reset_password, self.reset_repeat,
            self.own_current, self.own_new, self.own_repeat,
        ):  # fmt: skip
            field.clear()

    def _show(self, users: list[UserInfo]) -> None:
        if self.context.vault is None:
            return
        chosen = self.selected_username()
        self._users = users
        with bulk_fill(self.table):
            self.table.setRowCount(len(users))
            for row, user in enumerate(users):
                state = "disabled" if user.disabled else "active"
                for column, text in enumerate((user.username, user.display_name, user.role, state)):
                    self.table.setItem(row, column, QTableWidgetItem(text))
        for row, user in enumerate(users):
            if user.username == chosen:
                self.table.selectRow(row)
        self._selection_changed()

    def selected_username(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._users):
            return None
        return self._users[rows[0].row()].username

    def select_user(self, username: str) -> None:
        for row, user in enumerate(self._users):
            if user.username == username:
                self.table.selectRow(row)
                return

    def _selection_changed(self) -> None:
        name = self.selected_username()
        chosen = next((u for u in self._users if u.username == name), None)
        self.selected_label.setText(
            "Select a user in the list."
            if chosen is None
            else f"Selected: {chosen.username} ({chosen.role}, "
            f"{'disabled' if chosen.disabled else 'active'})"
        )
        own = self.context.vault is not None and name == self.context.vault.actor.username
        self.disable_button.setEnabled(chosen is not None and not chosen.disabled and not own)
        for widget in (self.reset_password, self.reset_repeat, self.reset_button):
            widget.setEnabled(chosen is not None)
        changeable = chosen is not None and not chosen.disabled and not own
        self.role_choice.setEnabled(changeable)
        self.role_button.setEnabled(changeable)
        if chosen is not None and chosen.role in ROLES:
            self.role_choice.setCurrentText(chosen.role)
        # Anyone's name can be put right, the administrator's own included.
        self.rename_field.setEnabled(chosen is not None)
        self.rename_button.setEnabled(chosen is not None)
        self.rename_field.setText("" if chosen is None else chosen.display_name)

    # -- actions --------------------------------------------------------------------------
    def _write(
        self,
        fn: Callable[[], object],
        done: str | Callable[[object], str],
        after: Callable[[], None] | None = None,
    ) -> None:
        def finished(result: object) -> None:
            self._clear_passwords()
            if after is not None:
                after()
            self.message.info(done if isinstance(done, str) else done(result))
            self.refresh()

        def failed(exc: KnownError) -> None:
            self._clear_passwords()  # type them again, rather than guess which one was wrong
            self.message.fail(exc)

        self.context.runner.run_task(fn, finished, failed, write=True)

    def add_user(self) -> None:
        vault = self.context.vault
        if vault is None:
            return
        problem = _pair_differs(self.new_password, self.new_repeat)
        username = self.new_username.text().strip()
        if not username:
            problem = "Type a user name."
        if problem:
            self.message.problem(problem)
            return
        display = self.new_display.text().strip() or username
        role, password = self.new_role.currentText(), self.new_password.text()

        def added() -> None:
            self.new_username.clear()
            self.new_display.clear()

        self._write(
            lambda: vault.add_user(username, password, display_name=display, role=role),
            f"Added {username.lower()} ({role}).",
            added,
        )

    def disable_selected(self) -> None:
        vault, name = self.context.vault, self.selected_username()
        if vault is None or name is None:
            return

        def said(stranded: object) -> str:
            text = f"Disabled {name}, and changed the vault key: no copy of their slot opens it."
            if isinstance(stranded, list) and stranded:
                # Slots from before this release: they could not be carried to the new key.
                text += f" Reset the password of {', '.join(stranded)} to let them in again."
            return text

        self._write(lambda: vault.disable_user(name), said)

    def change_role(self) -> None:
        vault, name = self.context.vault, self.selected_username()
        if vault is None or name is None:
            return
        role = self.role_choice.currentText()
        self._write(lambda: vault.set_role(name, role), f"{name} is now {role}.")

    def rename_selected(self) -> None:
        vault, name = self.context.vault, self.selected_username()
        if vault is None or name is None:
            return
        new_name = " ".join(self.rename_field.text().split())
        if not new_name:
            self.message.problem("Type the user's full name.")
            return
        self._write(
            lambda: vault.rename_user(name, new_name),
            f"{name} is now shown as {new_name}; "
            "other laptops and prisons see it after the next sync.",
        )

    def reset_selected(self) -> None:
        vault, name = self.context.vault, self.selected_username()
        if vault is None or name is None:
            return
        problem = _pair_differs(self.reset_password, self.reset_repeat)
        if problem:
            self.message.problem(problem)
            return
        password = self.reset_password.text()
        self._write(
            lambda: vault.reset_password(name, password),
            f"Reset the password of {name}; tell them in person.",
        )

    def change_own(self) -> None:
        vault = self.context.vault
        if vault is None:
            return
        problem = _pair_differs(self.own_new, self.own_repeat)
        if not self.own_current.text():
            problem = "Type your current password."
        if problem:
            self.message.problem(problem)
            return
        old, new = self.own_current.text(), self.own_new.text()
        self._write(
            lambda: vault.change_own_password(old, new),
            "Your password is changed: use the new one next time you unlock.",
        )
