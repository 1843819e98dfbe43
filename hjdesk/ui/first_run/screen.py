"""The first-run screen: create the vault, then (optionally) enrol with a hub and import a roll.

The optional steps are the Sync page's enrolment panel and the Admin page's roll import panel,
given the newly opened vault; both stay on those pages for later.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.context import PageContext
from hjdesk.ui.first_run.create_form import CreateVaultForm
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.tasks import TaskRunner


def card(title: str, *parts: QWidget) -> QWidget:
    """A centred box with a heading, as the unlock screen has."""
    box = QWidget()
    box.setObjectName("card")
    # A fixed width: centred by its size hint alone, a card of wrapped text gets too narrow and
    # then too short for its fields.
    box.setFixedWidth(600)
    heading = QLabel(title)
    heading.setObjectName("cardTitle")
    heading.setWordWrap(True)
    inner = QVBoxLayout(box)
    # Margins in the layout, not style-sheet padding, which the layout's size hint ignores.
    inner.setContentsMargins(20, 16, 20, 16)
    inner.setSpacing(10)
    inner.addWidget(heading)
    for part in parts:
        inner.addWidget(part)
    return box


def centred(box: QWidget) -> QScrollArea:
    """The box in the middle of the window, scrolling when the window is small."""
    holder = QWidget()
    # Stretches around the box, not an alignment flag: an aligned widget gets its size hint,
    # which for wrapped text is too short and squashes the fields.
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(box)
    row.addStretch(1)
    outer = QVBoxLayout(holder)
    outer.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(2)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setWidget(holder)
    # Tab moves between the fields (the scroll area follows the focus), never onto the
    # scroll area itself, which a screen reader would announce as an unnamed pane.
    scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return scroll


class OptionalSteps(QWidget):
    """After the vault exists: enrol with a hub and import a roll, or go straight in."""

    finished = Signal()

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from hjdesk.ui.admin.roll_panel import RollImportPanel
        from hjdesk.ui.sync.enrol_panel import EnrolPanel

        self.context = PageContext(runner=runner, privacy=PrivacyState())
        intro = QLabel(
            "The vault is ready. Two more steps, both optional: connect this laptop to your "
            "hub so records are shared and backed up, and load the prison roll. You can do "
            "either later: enrolment is on the Sync page, the roll on Admin › Roll import."
        )
        intro.setWordWrap(True)
        self.enrol = EnrolPanel(self.context)
        self.roll = RollImportPanel(self.context)
        self.roll.rows.setMinimumHeight(120)
        self.open_button = QPushButton("&Open HJDesk")
        self.open_button.setAccessibleName("Open HJDesk")
        self.open_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addWidget(self.enrol)
        roll_title = QLabel("Prison roll")
        roll_title.setObjectName("subheading")
        layout.addWidget(roll_title)
        layout.addWidget(self.roll)
        layout.addWidget(self.open_button)
        self.enrol.enrolled.connect(self._enrolled)
        self.open_button.clicked.connect(self.finished)

    def set_vault(self, vault: OpenVault) -> None:
        self.context.vault = vault
        self.enrol.show_state(None, None)
        self.roll.refresh()

    def _enrolled(self, result: object) -> None:
        hub_url = getattr(result, "hub_url", None)
        self.enrol.show_state(hub_url, getattr(result, "establishment", None))

    def clear(self) -> None:
        self.context.vault = None
        self.enrol.clear()
        self.roll.clear()


class FirstRunScreen(QStackedWidget):
    """Emits `finished(OpenVault)` when the new vault's administrator goes into the workspace."""

    finished = Signal(object)

    def __init__(self, home: HomePaths, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRun")
        self.opened: OpenVault | None = None
        self.form = CreateVaultForm(home, runner)
        self.steps = OptionalSteps(runner)
        self.create_page = centred(card("Welcome to HJDesk: set up this laptop", self.form))
        self.steps_page = centred(card("Connect and load the roll", self.steps))
        self.addWidget(self.create_page)
        self.addWidget(self.steps_page)
        self.form.created.connect(self._created)
        self.steps.finished.connect(self._finish)

    def _created(self, opened: OpenVault) -> None:
        self.opened = opened
        self.steps.set_vault(opened)
        self.setCurrentWidget(self.steps_page)
        self.steps.enrol.hub_url.setFocus()

    def _finish(self) -> None:
        opened, self.opened = self.opened, None
        if opened is None:
            return
        self.steps.clear()
        self.finished.emit(opened)
