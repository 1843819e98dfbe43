"""Today: the worklists a nurse starts the shift with, each line opening the right place."""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services.worklists import (
    HIGH,
    LONG_OVERDUE_SECOND_STAGE,
    MEDIUM,
    TodayItem,
    TodayLists,
    complete_task,
    today_worklists,
)
from hjdesk.ui.context import PageContext
from hjdesk.ui.pages.base import Page
from hjdesk.ui.theme import severity_colour, tone_colours

ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Worklist / patient", "Prison no.", "Location", "What", "Due", "Urgency")
_URGENCY = {HIGH: ("High", "RED"), MEDIUM: ("Medium", "AMBER")}
ALL_WINGS = "All wings"

# Where each kind of item opens: a page title, or the patient's record.
_PAGE_FOR = {"acct_case": "ACCT", "care_plan": "Care plans"}


# Lists longer than this start collapsed, so every worklist's heading and count stays in view.
EXPAND_UP_TO = 12
# A backlog kept in view (its heading and count) without burying this shift's work: it starts
# collapsed whatever its length, and opens like any other list.
START_COLLAPSED = {LONG_OVERDUE_SECOND_STAGE}


def _due_text(item: TodayItem, today: date) -> str:
    if item.due_at is not None:
        when = item.due_at.astimezone()
        day = "today" if when.date() == today else when.strftime("%d %b")
        late = " (late)" if when < datetime.now(tz=UTC) else ""
        return f"{day} {when:%H:%M}{late}"
    if item.due is None:
        return ""
    if item.due < today:
        return f"{item.due:%d %b %Y} (overdue)"
    return "today" if item.due == today else f"{item.due:%d %b %Y}"


class TodayPage(Page):
    """One tree: a heading row per worklist with its count, its items beneath."""

    title = "Today"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._lists: TodayLists | None = None
        self.wing = QComboBox()
        self.wing.setAccessibleName("Show worklists for wing")
        self.wing.addItem(ALL_WINGS, None)
        wing_label = QLabel("&Wing:")
        wing_label.setBuddy(self.wing)
        self.reload = QPushButton("&Refresh")
        self.reload.setAccessibleName("Refresh the worklists")
        self.close_task = QPushButton("&Close task…")
        self.close_task.setAccessibleName("Close the selected task, saying what was done")
        self.close_task.setEnabled(False)
        self.summary = QLabel("")
        self.summary.setAccessibleName("Worklist summary")
        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(COLUMNS))
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setAccessibleName("Today's worklists")
        self.tree.setEditTriggers(QTreeView.EditTrigger.NoEditTriggers)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        hint = QLabel("Enter or double-click opens the item.")
        hint.setObjectName("hint")

        top = QHBoxLayout()
        top.addWidget(wing_label)
        top.addWidget(self.wing)
        top.addWidget(self.reload)
        top.addWidget(self.close_task)
        top.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        layout.addWidget(hint)

        self.wing.activated.connect(lambda _: self.refresh())
        self.reload.clicked.connect(self.refresh)
        self.tree.activated.connect(self._open)
        self.close_task.clicked.connect(self._close_task)
        selection = self.tree.selectionModel()
        selection.currentChanged.connect(lambda current, _: self._selected(current))
        context.privacy.changed.connect(lambda _: self._redraw())

    def refresh(self) -> None:
        vault = self.vault
        if vault is None:
            return
        wing = self.wing.currentData()
        self.context.runner.run_task(
            lambda: today_worklists(vault, wing=wing), self._show, self.show_error
        )

    def clear(self) -> None:
        self._lists = None
        self.model.removeRows(0, self.model.rowCount())
        self.summary.clear()

    def _show(self, lists: TodayLists) -> None:
        if self.vault is None:  # locked while the query ran
            return
        self._lists = lists
        self._remember_wings(lists)
        self._redraw()

    def _remember_wings(self, lists: TodayLists) -> None:
        known = {self.wing.itemData(i) for i in range(1, self.wing.count())}
        wings = {i.wing for _, items in lists.named() for i in items if i.wing}
        for wing in sorted(wings - known):
            self.wing.addItem(wing, wing)

    def _redraw(self) -> None:
        lists = self._lists
        expanded = {
            self.model.item(r).text().split(" (")[0]
            for r in range(self.model.rowCount())
            if self.tree.isExpanded(self.model.index(r, 0))
        }
        self.model.removeRows(0, self.model.rowCount())
        if lists is None:
            return
        today = date.today()
        total = 0
        for name, items in lists.named():
            total += len(items)
            heading = QStandardItem(f"{name} ({len(items)})")
            font = heading.font()
            font.setBold(True)
            heading.setFont(font)
            heading.setAccessibleText(f"{name}: {len(items)} items")
            for item in items:
                heading.appendRow(self._row(item, today))
            self.model.appendRow([heading] + [QStandardItem() for _ in COLUMNS[1:]])
            index = heading.index()
            # First load: open the short lists that have work; afterwards keep the user's choice.
            first_load = not expanded
            opened = 0 < len(items) <= EXPAND_UP_TO and name not in START_COLLAPSED
            self.tree.setExpanded(index, opened if first_load else name in expanded)
        self.summary.setText(f"{total} items across {len(lists.named())} worklists")

    def _row(self, item: TodayItem, today: date) -> list[QStandardItem]:
        privacy = self.context.privacy
        urgency, colour = _URGENCY.get(item.severity, ("Low", ""))
        cells = [
            QStandardItem(privacy.name(item.patient_name) if item.patient_name else "(wing)"),
            QStandardItem(privacy.identifier(item.prison_number)),
            QStandardItem(item.location),
            QStandardItem(item.what),
            QStandardItem(_due_text(item, today)),
            QStandardItem(urgency),
        ]
        cells[0].setData(item, ITEM_ROLE)
        cells[3].setToolTip(item.what)
        if colour:
            brush = QBrush(severity_colour(colour))
            cells[5].setForeground(brush)
            cells[4].setForeground(brush)
            font = cells[5].font()
            font.setBold(True)
            cells[5].setFont(font)
        if cells[4].text().endswith("(late)"):
            # "Late" has its own treatment (theme tones): a warning band, not one more red.
            ink, band = tone_colours("late")
            cells[4].setForeground(QBrush(ink))
            cells[4].setBackground(QBrush(band))
        return cells

    def _task_ids(self) -> set[str]:
        return {i.source_id for i in self._lists.tasks} if self._lists else set()

    def _selected(self, index: QModelIndex) -> None:
        item = self.item_at(index)
        self.close_task.setEnabled(item is not None and item.source_id in self._task_ids())

    def _close_task(self) -> None:
        item = self.item_at(self.tree.currentIndex())
        vault = self.vault
        if vault is None or item is None or item.source_id not in self._task_ids():
            return
        outcome, ok = QInputDialog.getText(self, "Close task", f"{item.what}\n\nWhat was done?")
        if not ok:
            return
        self.context.runner.run_task(
            lambda: complete_task(vault, item.source_id, outcome=outcome),
            self._task_closed,
            self.show_error,
            write=True,
        )

    def _task_closed(self, _: object) -> None:
        self.context.navigator.data_changed.emit()
        self.refresh()

    def item_at(self, index: QModelIndex) -> TodayItem | None:
        found = index.siblingAtColumn(0).data(ITEM_ROLE)
        return found if isinstance(found, TodayItem) else None

    def _open(self, index: QModelIndex) -> None:
        item = self.item_at(index)
        if item is None:
            self.tree.setExpanded(index.siblingAtColumn(0), not self.tree.isExpanded(index))
            return
        self.open_item(item)

    def open_item(self, item: TodayItem) -> None:
        """ACCT and care-plan items open their page; everything else the patient's record."""
        page = _PAGE_FOR.get(item.target_kind)
        if page is not None:
            self.context.navigator.open_page(page, item.target_id)
        elif item.patient_id:
            self.context.navigator.open_patient(item.patient_id)
