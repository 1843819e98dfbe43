"""The workspace: navigation, global search, privacy switch, lock, and the status bar.

`app.Shell` stacks it under the unlock screen. Pages register themselves in `Workspace.pages`;
only pages that work are listed, so no control does nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QStackedWidget,
    QStatusBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services import patients, status
from hjdesk.services.patients import PatientRow
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.caseload_model import SEARCH_ROLE, CaseloadModel
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.tasks import TaskRunner


class CaseloadView(QWidget):
    """The establishment's roll grouped by wing, filtered as you type."""

    patient_activated = Signal(str)

    def __init__(self, privacy: PrivacyState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CaseloadModel(privacy)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setRecursiveFilteringEnabled(True)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(0)
        # Filter on the unmasked search text so the privacy switch never hides a match.
        self.proxy.setFilterRole(SEARCH_ROLE)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter the roll: name, prison number or NHS number")
        self.search.setAccessibleName("Filter the roll")
        self.search.setClearButtonEnabled(True)
        self.tree = QTreeView()
        self.tree.setModel(self.proxy)
        self.tree.setAccessibleName("Roll by wing")
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.count = QLabel("")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        self.search.textChanged.connect(self._filter)
        self.tree.activated.connect(self._activated)

    def show_rows(self, rows: list[PatientRow]) -> None:
        self.model.load(rows)
        self.count.setText(f"{len(rows)} on the roll")
        self.tree.expandAll()

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self.tree.expandAll()

    def _activated(self, index: object) -> None:
        patient_id = self.model.patient_id(self.proxy.mapToSource(index))  # type: ignore[arg-type]
        if patient_id:
            self.patient_activated.emit(patient_id)


class Workspace(QWidget):
    """What an unlocked user works in."""

    lock_requested = Signal()

    def __init__(self, runner: TaskRunner, status_bar: QStatusBar, privacy: PrivacyState) -> None:
        super().__init__()
        self.vault: OpenVault | None = None
        self.runner = runner
        self.privacy = privacy
        self.heading = QLabel("")
        self.heading.setObjectName("heading")
        self.privacy_switch = QCheckBox("&Hide names")
        self.privacy_switch.setAccessibleName("Privacy: hide names and identifiers")
        self.privacy_switch.setToolTip("Mask names and numbers on every screen (Ctrl+H)")
        self.lock_button = QPushButton("&Lock")
        self.lock_button.setAccessibleName("Lock the laptop")
        self.lock_button.setToolTip("Lock now (Ctrl+L); drafts are kept")
        self.nav = QListWidget()
        self.nav.setAccessibleName("Navigation")
        self.nav.setMaximumWidth(180)
        self.pages = QStackedWidget()
        self.caseload = CaseloadView(privacy)
        self.add_page("Patients", self.caseload)

        header = QHBoxLayout()
        header.addWidget(self.heading, 1)
        header.addWidget(self.privacy_switch)
        header.addWidget(self.lock_button)
        body = QHBoxLayout()
        body.addWidget(self.nav)
        body.addWidget(self.pages, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(body, 1)
        self.sync_label = QLabel("")
        self.sync_label.setAccessibleName("Sync status")
        status_bar.addPermanentWidget(self.sync_label)
        self.user_label = QLabel("")
        status_bar.addWidget(self.user_label)

        self.nav.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.privacy_switch.toggled.connect(privacy.set_masked)
        privacy.changed.connect(self.privacy_switch.setChecked)
        self.lock_button.clicked.connect(self.lock_requested)
        self._shortcut("Ctrl+L", self.lock_requested.emit)
        self._shortcut("Ctrl+H", self.privacy_switch.toggle)
        self._shortcut("Ctrl+F", self._focus_search)
        self.nav.setCurrentRow(0)

    def _shortcut(self, keys: str, slot: object) -> None:
        action = QAction(self)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)

    def _focus_search(self) -> None:
        self.show_page("Patients")
        self.caseload.search.setFocus()

    def add_page(self, title: str, widget: QWidget) -> None:
        self.nav.addItem(title)
        self.pages.addWidget(widget)

    def show_page(self, title: str) -> None:
        for row in range(self.nav.count()):
            if self.nav.item(row).text() == title:
                self.nav.setCurrentRow(row)
                return

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
        self.heading.setText("HJDesk — " + (", ".join(establishments) or "no patients yet"))
        self.sync_label.setText(sync.text)

    def _failed(self, exc: BaseException) -> None:
        raise exc
