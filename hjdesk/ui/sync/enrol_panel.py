"""Enrolment: which hub this laptop syncs with, or the form to enrol it (administrators).

`hjdesk.sync.client.enrol` does the work off the UI thread: it checks the address, copies the CA
bundle into the HJDesk folder, exchanges the one-time code and stores the device token in the
vault. Its errors (used code, wrong address, untrusted certificate) are shown under the form.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hjdesk.storage.errors import KnownError
from hjdesk.storage.vault import ADMIN_ROLE
from hjdesk.sync.client import EnrolResult, enrol
from hjdesk.ui.context import PageContext
from hjdesk.ui.widgets.form_rows import FormRows
from hjdesk.ui.widgets.message_line import MessageLine


class EnrolPanel(QGroupBox):
    enrolled = Signal(object)  # EnrolResult

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__("Hub", parent)
        self.context = context
        self.state = QLabel("")
        self.state.setWordWrap(True)
        self.state.setAccessibleName("Enrolment state")
        self.hub_url = QLineEdit()
        self.hub_url.setAccessibleName("Hub address")
        self.hub_url.setPlaceholderText("https://hub.example.nhs.uk:8443")
        self.code = QLineEdit()
        self.code.setAccessibleName("One-time enrolment code")
        self.code.setPlaceholderText("from the hub administrator")
        self.ca_bundle = QLineEdit()
        self.ca_bundle.setAccessibleName("CA bundle file (optional)")
        self.ca_bundle.setPlaceholderText("optional: the PEM file of the CA that signed the hub")
        self.browse = QPushButton("B&rowse…")
        self.browse.setAccessibleName("Choose the CA bundle file")
        self.enrol_button = QPushButton("&Enrol this laptop")
        self.enrol_button.setAccessibleName("Enrol this laptop with the hub")
        self.message = MessageLine("Enrolment: problem", problem_prefix="Not done: ")

        self.form = QWidget()
        rows = FormRows(QFormLayout(self.form))
        rows.layout.setContentsMargins(0, 0, 0, 0)
        bundle_row = QHBoxLayout()
        bundle_row.addWidget(self.ca_bundle, 1)
        bundle_row.addWidget(self.browse)
        rows.add("Hub &address:", self.hub_url)
        rows.add("Enrolment &code:", self.code)
        rows.add("CA &bundle:", self.ca_bundle, shown=bundle_row)
        rows.under(self.enrol_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addWidget(self.form)
        layout.addWidget(self.message)
        self.browse.clicked.connect(self._browse)
        self.enrol_button.clicked.connect(self.enrol)
        self.code.returnPressed.connect(self.enrol)

    def show_state(self, hub_url: str | None, establishment: str | None) -> None:
        vault = self.context.vault
        admin = vault is not None and vault.actor.role == ADMIN_ROLE
        if hub_url:
            self.state.setText(
                f"Enrolled with the hub at {hub_url} for establishment {establishment}."
            )
            self.form.hide()
        elif admin:
            self.state.setText(
                "This laptop is not enrolled with a hub yet, so nothing leaves it. Enter the "
                "hub's address and the one-time code from the hub administrator."
            )
            self.form.show()
        else:
            self.state.setText(
                "This laptop is not enrolled with a hub yet, so nothing leaves it. Only an "
                "administrator can enrol it: ask them to sign in here and enrol it."
            )
            self.form.hide()

    def clear(self) -> None:
        for field in (self.hub_url, self.code, self.ca_bundle):
            field.clear()
        self.state.clear()
        self.message.clear()

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Choose the hub's CA bundle", "", "PEM files (*.pem *.crt);;All files (*)"
        )
        if chosen:
            self.ca_bundle.setText(chosen)

    def enrol(self) -> None:
        vault = self.context.vault
        if vault is None:
            return
        url, code = self.hub_url.text().strip(), self.code.text().strip()
        if not url or not code:
            self.message.problem("Type the hub's address and the enrolment code.")
            return
        bundle_text = self.ca_bundle.text().strip()
        bundle = Path(bundle_text) if bundle_text else None
        self.message.info("Enrolling…")
        self.enrol_button.setEnabled(False)

        def done(result: EnrolResult) -> None:
            self.enrol_button.setEnabled(True)
            self.code.clear()
            self.message.info(
                f"Enrolled as a laptop of {result.establishment}. It syncs whenever the hub "
                "answers."
            )
            self.enrolled.emit(result)

        def failed(exc: KnownError) -> None:
            self.enrol_button.setEnabled(True)
            self.message.fail(exc)

        self.context.runner.run_task(
            lambda: enrol(vault, url, code, ca_bundle=bundle), done, failed, write=True
        )
