"""The workspace: the roll by wing, search, lock, and the sync state in the status bar.

`Workspace` is the unlocked part; `app.Shell` stacks it under the unlock screen. The desktop
issue adds Today, clinics, records, ACCT and care plans; this window shows only what
works now, so no control does nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStatusBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services import patients, status
from hjdesk.services.patients import PatientRow
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.caseload_model import CaseloadModel
from hjdesk.ui.tasks import TaskRunner


class CaseloadView(QWidget):
    """The establishment's roll grouped by wing, filtered as you type."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CaseloadModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setRecursiveFilteringEnabled(True)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search name, prison number or NHS number  (Ctrl+F)")
        self.search.setAccessibleName("Search the roll")
        self.search.setClearButtonEnabled(True)
        self.tree = QTreeView()
        self.tree.setModel(self.proxy)
        self.tree.setAccessibleName("Roll by wing")
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.count = QLabel("")
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        self.search.textChanged.connect(self._filter)

    def show_rows(self, rows: list[PatientRow]) -> None:
        self.model.load(rows)
        self.count.setText(f"{len(rows)} on the roll")
        self.tree.expandAll()

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self.tree.expandAll()


class Workspace(QWidget):
    """What an unlocked user works in (inside the shell's stack, under the unlock screen)."""

    lock_requested = Signal()

    def __init__(self, runner: TaskRunner, status_bar: QStatusBar) -> None:
        super().__init__()
        self.vault: OpenVault | None = None
        self.runner = runner
        self.caseload = CaseloadView()
        self.heading = QLabel("")
        self.heading.setObjectName("heading")
        self.lock_button = QPushButton("&Lock")
        self.lock_button.setAccessibleName("Lock the laptop")
        self.lock_button.setToolTip("Lock now (Ctrl+L); drafts are kept")
        header = QHBoxLayout()
        header.addWidget(self.heading, 1)
        header.addWidget(self.lock_button)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.caseload, 1)
        self.sync_label = QLabel("")
        self.sync_label.setAccessibleName("Sync status")
        status_bar.addPermanentWidget(self.sync_label)
        self.user_label = QLabel("")
        status_bar.addWidget(self.user_label)

        lock = QAction("Lock", self)
        lock.setShortcut(QKeySequence("Ctrl+L"))
        lock.triggered.connect(self.lock_requested)
        find = QAction("Find", self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(lambda: self.caseload.search.setFocus())
        self.addActions([lock, find])
        self.lock_button.clicked.connect(self.lock_requested)

    def set_vault(self, vault: OpenVault) -> None:
        self.vault = vault
        actor = vault.actor
        self.user_label.setText(f"Signed in: {actor.username} ({actor.role})")
        self.refresh()

    def clear(self) -> None:
        """Forget everything shown: called on lock, before the unlock screen covers it."""
        self.vault = None
        self.caseload.show_rows([])
        self.caseload.search.clear()
        self.heading.clear()
        self.user_label.clear()
        self.sync_label.clear()

    def refresh(self) -> None:
        vault = self.vault
        if vault is None:
            return
        self.runner.run_task(
            lambda: (patients.caseload(vault), status.sync_status(vault)),
            self._show,
            self._failed,
        )

    def _show(self, result: tuple[list[PatientRow], status.SyncStatus]) -> None:
        rows, sync = result
        self.caseload.show_rows(rows)
        establishments = sorted({r.establishment for r in rows})
        self.heading.setText("Roll by wing — " + (", ".join(establishments) or "no patients yet"))
        self.sync_label.setText(sync.text)

    def _failed(self, exc: BaseException) -> None:
        raise exc
