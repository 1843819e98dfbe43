"""Today: the worklists a nurse starts the shift with, each line opening the right place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter

from PySide6.QtCore import QModelIndex
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
    LONG_OVERDUE_SECOND_STAGE,
    TodayItem,
    TodayLists,
    complete_task,
    today_worklists,
)
from hjdesk.ui import heap
from hjdesk.ui.context import PageContext
from hjdesk.ui.pages.base import Page
from hjdesk.ui.today_model import ITEM_ROLE, TodayModel
from hjdesk.ui.widgets.grouped_model import span_titles

__all__ = ["ITEM_ROLE", "TodayPage"]

ALL_WINGS = "All wings"

# Where each kind of item opens: a page title, or the patient's record.
_PAGE_FOR = {"acct_case": "ACCT", "care_plan": "Care plans"}


# The longest "Due" text (`today_model.due_text`): an overdue date.
_WIDEST_DUE = "30 Sep 2026 (overdue)"

# Lists longer than this start collapsed, so every worklist's heading and count stays in view.
EXPAND_UP_TO = 12
# A backlog kept in view (its heading and count) without burying this shift's work: it starts
# collapsed whatever its length, and opens like any other list.
START_COLLAPSED = {LONG_OVERDUE_SECOND_STAGE}


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
        self.model = TodayModel(context.privacy)
        self.model.setParent(self)
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setAccessibleName("Today's worklists")
        self.tree.setEditTriggers(QTreeView.EditTrigger.NoEditTriggers)
        self.tree.setUniformRowHeights(True)
        # Activation (Enter or double-click) opens and closes a heading; the tree's own
        # double-click toggle would undo it.
        self.tree.setExpandsOnDoubleClick(False)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        # Widths are set once per load from the longest texts (`_fit_columns`), not measured by
        # Qt on every change: "resize to contents" re-read the rows on screen, every column,
        # each time a list was opened or names masked (three times the calls into the model
        # on a list's first opening at 100,000 patients; docs/performance.md, "Long lists in
        # pages"). The nurse can still drag a column wider.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
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

    def refresh(self) -> None:
        vault = self.vault
        if vault is None:
            return
        wing = self.wing.currentData()
        self.context.runner.run_task(
            lambda: _Loaded.of(today_worklists(vault, wing=wing)), self._show, self.show_error
        )

    def clear(self) -> None:
        self._lists = None
        self.model.load(None)
        self.summary.clear()

    def _show(self, loaded: _Loaded) -> None:
        if self.vault is None:  # locked while the query ran
            return
        self._lists = loaded.lists
        self._remember_wings(loaded.wings)
        self._redraw(loaded.longest)
        heap.settle()  # ~26,000 items at 100,000 patients: out of every later collection

    def _remember_wings(self, wings: Sequence[str]) -> None:
        known = {self.wing.itemData(i) for i in range(1, self.wing.count())}
        for wing in wings:
            if wing not in known:
                self.wing.addItem(wing, wing)

    def _redraw(self, longest: Sequence[str]) -> None:
        lists = self._lists
        model = self.model
        expanded = {
            model.heading_name(r)
            for r in range(model.rowCount())
            if self.tree.isExpanded(model.index(r, 0))
        }
        model.load(lists)
        if lists is None:
            return
        self._fit_columns(longest)
        span_titles(self.tree, model)  # so a heading does not set the name column's width
        for row, (name, items) in enumerate(lists.named()):
            # First load: open the short lists that have work; afterwards keep the user's choice.
            first_load = not expanded
            opened = 0 < len(items) <= EXPAND_UP_TO and name not in START_COLLAPSED
            self.tree.setExpanded(model.index(row, 0), opened if first_load else name in expanded)
        self.summary.setText(f"{model.total():,} items across {len(lists.named())} worklists")

    def _fit_columns(self, longest: Sequence[str]) -> None:
        """Each column as wide as its longest text (`_Loaded.longest`: by characters, the
        widest in pixels is near enough and the nurse can drag) or its label, and a margin."""
        metrics = self.tree.fontMetrics()
        margin = metrics.horizontalAdvance("MM")
        texts = {0: longest[0], 1: longest[1], 2: longest[2], 4: _WIDEST_DUE, 5: "Medium"}
        header = self.tree.header()
        for column, text in texts.items():
            widest = max(text, self.model.columns[column], key=len)
            width = metrics.horizontalAdvance(widest) + margin
            if column == 0:
                width += self.tree.indentation()
            header.resizeSection(column, width)

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
        return self.model.item_at(index)

    def _open(self, index: QModelIndex) -> None:
        if self.model.is_more(index):
            self.tree.setCurrentIndex(self.model.show_more(index))
            return
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


@dataclass(frozen=True, slots=True)
class _Loaded:
    """What the worker hands the page: the lists, and what the page would otherwise walk all
    of them for on the GUI thread (~12 ms for 26,000 items): the longest name, prison number
    and location (for the column widths) and the wings named."""

    lists: TodayLists
    longest: tuple[str, str, str]
    wings: tuple[str, ...]

    @classmethod
    def of(cls, lists: TodayLists) -> _Loaded:
        items = [item for _, rows in lists.named() for item in rows]

        def longest(field: str) -> str:
            return max(map(attrgetter(field), items), key=len, default="")

        wings = tuple(sorted({item.wing for item in items if item.wing}))
        return cls(
            lists, (longest("patient_name"), longest("prison_number"), longest("location")), wings
        )
