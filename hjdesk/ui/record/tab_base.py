"""What every tab of the patient record shares: loading one patient's data off the UI thread,
dropping answers that arrive for a patient no longer shown, and saying failures inline.

Tabs load lazily (when first shown for a patient), so opening a record reads and audits only what
the clinician actually looks at, and a record with years of history opens at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Generic, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from hjdesk.storage.errors import KnownError
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.clinic_time import clinic
from hjdesk.ui.context import PageContext
from hjdesk.ui.theme import severity_colour
from hjdesk.ui.widgets.message_line import MessageLine

T = TypeVar("T")


def day_text(value: date | None, empty: str = "") -> str:
    return value.strftime("%d %b %Y") if value is not None else empty


def moment_text(value: datetime | None, empty: str = "") -> str:
    """A stored UTC time as London's date and time (H-30), whatever the laptop's zone."""
    return clinic(value).strftime("%d %b %Y %H:%M") if value is not None else empty


def words(code: str | None) -> str:
    """`REVIEW_DUE` → `Review due`: codes read as words on screen."""
    if not code:
        return ""
    text = code.replace("_", " ").lower()
    return text[0].upper() + text[1:]


def make_tree(columns: Sequence[str], name: str, stretch: int | None) -> QTreeWidget:
    """A read-only list: columns fit their contents; `stretch` takes the spare width."""
    tree = QTreeWidget()
    tree.setColumnCount(len(columns))
    tree.setHeaderLabels(list(columns))
    tree.setAccessibleName(name)
    tree.setRootIsDecorated(False)
    tree.setAlternatingRowColors(True)
    tree.setUniformRowHeights(True)
    tree.setWordWrap(False)
    header = tree.header()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return tree


def fit_width(tree: QTreeWidget) -> None:
    """Make a narrow side table exactly as wide as its columns, so it never scrolls sideways."""
    scrollbar = tree.verticalScrollBar().sizeHint().width()
    tree.setMinimumWidth(tree.header().length() + 2 * tree.frameWidth() + scrollbar + 4)


def tree_item(values: Sequence[str], severity: str | None = None) -> QTreeWidgetItem:
    """A row; `severity` colours it (the row's text must already say why)."""
    item = QTreeWidgetItem(list(values))
    if severity is not None:
        for column in range(len(values)):
            item.setForeground(column, severity_colour(severity))
        font = item.font(0)
        font.setBold(True)
        for column in range(len(values)):
            item.setFont(column, font)
    return item


class RecordTab(QWidget, Generic[T]):
    """One tab: `fetch` runs on a worker and returns plain values; `show_data` draws them."""

    title = ""
    # The tab wrote something (an amendment, a plan): the page reloads and tells other pages.
    changed = Signal()

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setAccessibleName(self.title.replace("&", ""))
        self.patient_id: str | None = None
        self.loaded_for: str | None = None
        self._token = 0
        self.message = MessageLine(f"{self.title.replace('&', '')} message")
        # Who the record is for, as dialogs name them (masked when private); set by the page.
        self.who: Callable[[], str] = lambda: ""

    # -- to override ------------------------------------------------------------------------
    def fetch(self, vault: OpenVault, patient_id: str) -> T:
        raise NotImplementedError

    def show_data(self, data: T) -> None:
        raise NotImplementedError

    def reset(self) -> None:
        """Empty every widget (a lock, another patient)."""

    # -- shared -----------------------------------------------------------------------------
    def load(self, patient_id: str) -> None:
        vault = self.context.vault
        if vault is None:
            return
        if patient_id != self.patient_id:
            self.reset()
        self.patient_id = patient_id
        self._token += 1
        token = self._token
        self.context.runner.run_task(
            lambda: self.fetch(vault, patient_id),
            lambda data: self._done(token, patient_id, data),
            lambda exc: self._failed(token, exc),
        )

    def clear(self) -> None:
        self._token += 1  # anything still loading is for a screen that no longer exists
        self.patient_id = None
        self.loaded_for = None
        self.say("")
        self.reset()

    def say(self, text: str) -> None:
        self.message.info(text)

    def _done(self, token: int, patient_id: str, data: T) -> None:
        if token != self._token or self.context.vault is None:
            return
        self.loaded_for = patient_id
        self.say("")
        self.show_data(data)

    def _failed(self, token: int, exc: KnownError) -> None:
        if token != self._token:
            return
        self.reset()
        self.message.fail(exc)
