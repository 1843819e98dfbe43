"""Today's worklists as a tree model: a heading per worklist, its items beneath. Hand-written (not
QStandardItemModel) because at 100,000 patients Today lists ~26,000 items: building six
QStandardItems for each held the GUI thread for 1.2-2.2 s after every refresh (docs/performance.md,
"Today's page at 100,000 patients"). Here a load only keeps the service's tuples, and each cell's
text and colours are worked out when the view asks for it, which is for the rows on screen."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFont

from hjdesk.services.worklists import HIGH, MEDIUM, TodayItem, TodayLists
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.theme import severity_colour, tone_colours

ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Worklist / patient", "Prison no.", "Location", "What", "Due", "Urgency")
DUE, URGENCY = 4, 5
_URGENCY = {HIGH: ("High", "RED"), MEDIUM: ("Medium", "AMBER")}
# Internal id of a heading's index; an item's is its heading's row + 1.
_HEADING = 0
Index = QModelIndex | QPersistentModelIndex


def due_text(item: TodayItem, today: date, now: datetime) -> str:
    """When an item is due, as the list shows it: a time (and "late") for timed items, a date
    (and "overdue") for the rest."""
    if item.due_at is not None:
        when = item.due_at.astimezone()
        day = "today" if when.date() == today else when.strftime("%d %b")
        late = " (late)" if item.due_at < now else ""
        return f"{day} {when:%H:%M}{late}"
    if item.due is None:
        return ""
    if item.due < today:
        return f"{item.due:%d %b %Y} (overdue)"
    return "today" if item.due == today else f"{item.due:%d %b %Y}"


class TodayModel(QAbstractItemModel):
    """Top level: one heading per worklist, in `TodayLists.named()` order, titled with its
    count; children: that list's items, in the service's order."""

    def __init__(self, privacy: PrivacyState | None = None) -> None:
        super().__init__()
        self.privacy = privacy or PrivacyState()
        self._lists: tuple[tuple[str, tuple[TodayItem, ...]], ...] = ()
        self._today = date.today()
        self._now = datetime.now(UTC)
        self._bold = QFont()
        self._bold.setBold(True)
        self.privacy.changed.connect(lambda _: self._text_changed())

    def load(self, lists: TodayLists | None, *, now: datetime | None = None) -> None:
        """Show `lists` (None: nothing). `now` fixes "today", "late" and "overdue" for the load
        (the lists were worked out for a moment too)."""
        self.beginResetModel()
        self._lists = lists.named() if lists is not None else ()
        moment = now or datetime.now(UTC)
        self._now = moment
        self._today = moment.astimezone().date()
        self.endResetModel()

    def heading_name(self, row: int) -> str:
        return self._lists[row][0]

    def total(self) -> int:
        return sum(len(items) for _, items in self._lists)

    def _text_changed(self) -> None:
        """Masking changes only text: say so list by list, with no layout change."""
        last = len(COLUMNS) - 1
        for row, (_, items) in enumerate(self._lists):
            if items:
                parent = self.index(row, 0)
                last_row = self.index(len(items) - 1, last, parent)
                self.dataChanged.emit(self.index(0, 0, parent), last_row)

    # -- structure -------------------------------------------------------------------------
    # The view calls these for every row of a list it lays out (7,000 rows for one list at
    # 100,000 patients), so they check bounds themselves: `hasIndex` would call back into
    # rowCount and columnCount through Qt for each (docs/performance.md).
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not 0 <= column < len(COLUMNS) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            if row < len(self._lists):
                return self.createIndex(row, column, _HEADING)
            return QModelIndex()
        heading = parent.row()
        if parent.internalId() != _HEADING or parent.column() != 0:
            return QModelIndex()
        if row < len(self._lists[heading][1]):
            return self.createIndex(row, column, heading + 1)
        return QModelIndex()

    def parent(self, child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not child.isValid() or child.internalId() == _HEADING:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, _HEADING)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._lists)
        if parent.internalId() == _HEADING and parent.column() == 0:
            return len(self._lists[parent.row()][1])
        return 0

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        # Items never have children: answered without an index or a row count.
        if not parent.isValid():
            return bool(self._lists)
        if parent.internalId() == _HEADING and parent.column() == 0:
            return bool(self._lists[parent.row()][1])
        return False

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    # -- data ------------------------------------------------------------------------------
    def item_at(self, index: Index) -> TodayItem | None:
        if not index.isValid() or index.internalId() == _HEADING:
            return None
        return self._lists[index.internalId() - 1][1][index.row()]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = index.column()
        if index.internalId() == _HEADING:
            return self._heading(index.row(), column, role)
        item = self._lists[index.internalId() - 1][1][index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, column)
        if role == ITEM_ROLE:
            return item if column == 0 else None
        if role == Qt.ItemDataRole.ToolTipRole and column == 3:
            return item.what
        if column in (DUE, URGENCY):
            return self._urgency_style(item, column, role)
        return None

    def _heading(self, row: int, column: int, role: int) -> Any:
        name, items = self._lists[row]
        if column != 0:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{name} ({len(items)})"
        if role == Qt.ItemDataRole.FontRole:
            return self._bold
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{name}: {len(items)} items"
        return None

    def _display(self, item: TodayItem, column: int) -> str:
        privacy = self.privacy
        if column == 0:
            return privacy.name(item.patient_name) if item.patient_name else "(wing)"
        if column == 1:
            return privacy.identifier(item.prison_number)
        if column == 2:
            return item.location
        if column == 3:
            return item.what
        if column == DUE:
            return due_text(item, self._today, self._now)
        return _URGENCY.get(item.severity, ("Low", ""))[0]

    def _urgency_style(self, item: TodayItem, column: int, role: int) -> Any:
        """High and medium urgency in their colours (urgency in bold); a late time in the
        "late" tone instead, a warning band rather than one more red."""
        colour = _URGENCY.get(item.severity, ("Low", ""))[1]
        late = column == DUE and item.due_at is not None and item.due_at < self._now
        if role == Qt.ItemDataRole.ForegroundRole:
            if late:
                return QBrush(tone_colours("late")[0])
            return QBrush(severity_colour(colour)) if colour else None
        if role == Qt.ItemDataRole.BackgroundRole and late:
            return QBrush(tone_colours("late")[1])
        if role == Qt.ItemDataRole.FontRole and column == URGENCY and colour:
            return self._bold
        return None
