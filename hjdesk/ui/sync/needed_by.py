"""Safety-critical records not yet at the office: unsynced ACCT contributions and how long until
the case review needs them. Late or within the ACCT policy's warning window shows red and says so
in words; Enter or double-click opens the ACCT case.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hjdesk.clinical.acct import unsynced_warning_window_text
from hjdesk.services.acct import UnsyncedContribution
from hjdesk.services.common import utc_now
from hjdesk.ui.clinic_time import clinic
from hjdesk.ui.context import PageContext
from hjdesk.ui.sync.conflict_fields import label
from hjdesk.ui.theme import severity_colour
from hjdesk.ui.widgets.tables import bulk_fill

COLUMNS = ("Needed by", "Time left", "Patient", "Prison no.", "Contribution", "For")
CASE_ROLE = Qt.ItemDataRole.UserRole + 1


def span(seconds: float) -> str:
    """`2 h 05 min`, `3 days`; whole minutes, rounded down."""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days >= 2:
        return f"{days} days"
    hours += days * 24
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


def time_left(item: UnsyncedContribution, now: datetime) -> str:
    if item.needed_by is None:
        return "no time set"
    seconds = (item.needed_by - now).total_seconds()
    if seconds < 0:
        return f"LATE by {span(seconds)}"
    if item.warn:
        return f"DUE SOON: {span(seconds)} left"
    return f"{span(seconds)} left"


def _when(moment: datetime, now: datetime) -> str:
    local = clinic(moment)
    return local.strftime("%a %d %b %H:%M" if local.year == now.year else "%a %d %b %Y %H:%M")


class NeededByPanel(QWidget):
    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.items: tuple[UnsyncedContribution, ...] = ()
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Safety-critical records not yet at the office")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName("Unsynced safety-critical records, soonest needed first")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.banner.setBuddy(self.table)
        # At most about eight rows: the conflicts below need the room; the rest scrolls.
        self.table.setMaximumHeight(self.fontMetrics().lineSpacing() * 16)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.table)
        self.table.activated.connect(lambda index: self._open(index.row()))
        self.table.cellDoubleClicked.connect(lambda row, _: self._open(row))
        context.privacy.changed.connect(lambda _: self.redraw())

    def show_items(self, items: tuple[UnsyncedContribution, ...]) -> None:
        self.items = items
        self.redraw()

    def clear(self) -> None:
        self.show_items(())

    def redraw(self) -> None:
        now = utc_now()
        items = self.items
        urgent = sum(1 for i in items if i.warn)
        within = unsynced_warning_window_text()  # the window `warn` was worked out with
        if not items:
            self.banner.setText("Safe&ty-critical records: none waiting to reach the office.")
        else:
            self.banner.setText(
                f"Safe&ty-critical records not yet at the office: {len(items)}"
                + (f", {urgent} LATE or due within {within}" if urgent else "")
                + ". Sync now; if that cannot happen in time, tell the ACCT case manager in "
                "person or give them a printed handover."
            )
        with bulk_fill(self.table):
            self._fill(items, now)
        self.table.setVisible(bool(items))

    def _fill(self, items: tuple[UnsyncedContribution, ...], now: datetime) -> None:
        red = severity_colour("RED")
        privacy = self.context.privacy
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            needed = _when(item.needed_by, now) if item.needed_by else ""
            cells = [
                QTableWidgetItem(needed),
                QTableWidgetItem(time_left(item, now)),
                QTableWidgetItem(privacy.name(item.who.display_name)),
                QTableWidgetItem(privacy.identifier(item.who.prison_number)),
                QTableWidgetItem(label(item.contribution_type.lower())),
                QTableWidgetItem(label(item.event_type.lower())),
            ]
            cells[0].setData(CASE_ROLE, item.case_id)
            if item.warn:
                for cell in cells[:2]:
                    cell.setForeground(red)
                    font = cell.font()
                    font.setBold(True)
                    cell.setFont(font)
            for column, cell in enumerate(cells):
                self.table.setItem(row, column, cell)

    def _open(self, row: int) -> None:
        item = self.table.item(row, 0)
        if item is not None and item.data(CASE_ROLE):
            self.context.navigator.open_page("ACCT", item.data(CASE_ROLE))
