"""The CAREMAP grid of a care plan, editable from the keyboard (domain.md §6-7).

CAREMAP reads issue → goal → action → by whom and when → status. The services keep goals (issue,
goal, measure, target date, status) and interventions (action, by whom, how often, by when,
status) as separate rows, so the grid is two tables in CAREMAP order, one above the other:
"Issues and goals" then "Actions: by whom and when".

Edits stay in the grid (each row keeps the revision it was loaded at) until the editor saves;
rows the save could not write keep their edits so nothing typed is lost. Type to edit a cell,
F2 or Enter to open it, Tab to move on; Insert adds a row. A closed plan's grid is read-only.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hjdesk.ui.care_plan.grid_model import (
    ACTIONS,
    DATE,
    GOALS,
    STATUS,
    GridModel,
    GridSpec,
)
from hjdesk.ui.care_plan.labels import DATE_HINT
from hjdesk.ui.widgets.row_table import wrap_rows
from hjdesk.ui.widgets.stored_fields import StoredChoice

Index = QModelIndex | QPersistentModelIndex


class _Delegate(QStyledItemDelegate):
    """A combo for status cells, a line edit (with the date hint) elsewhere."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        model = index.model()
        assert isinstance(model, GridModel)
        spec = model.field_at(index)
        if spec.kind == STATUS:
            combo = StoredChoice(spec.title, spec.choices.items())
            combo.setParent(parent)
            return combo
        edit = QLineEdit(parent)
        edit.setAccessibleName(spec.title)
        if spec.kind == DATE:
            edit.setPlaceholderText(DATE_HINT)
        return edit

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        if isinstance(editor, StoredChoice):
            model = index.model()
            assert isinstance(model, GridModel)
            value = model.rows[index.row()].values.get(model.field_at(index).name)
            # A status this version does not know stays as it is unless another is chosen
            # (the model takes only the statuses it knows, so it is never written as another).
            editor.keep(value)
            return
        super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData())
            return
        super().setModelData(editor, model, index)


class GridTable(QTableView):
    """Insert adds a row and starts typing in it."""

    insert_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Insert:
            self.insert_requested.emit()
            return
        super().keyPressEvent(event)


class GridPart(QWidget):
    """One table of the grid with its heading and "Add" button."""

    def __init__(self, spec: GridSpec, button_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = GridModel(spec)
        self.table = GridTable()
        self.table.setModel(self.model)
        self.table.setAccessibleName(f"CAREMAP: {spec.heading}")
        self.table.setItemDelegate(_Delegate(self.table))
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.table.setTabKeyNavigation(True)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for column, f in enumerate(spec.fields):
            if f.kind in (DATE, STATUS):
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        wrap_rows(self.table)
        self.add_button = QPushButton(button_text)
        self.add_button.setAccessibleName(f"Add a row to {spec.heading}")
        heading = QLabel(spec.heading)
        heading.setObjectName("subheading")
        heading.setBuddy(self.table)
        top = QHBoxLayout()
        top.addWidget(heading, 1)
        top.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.add_button.clicked.connect(self.add_row)
        self.table.insert_requested.connect(self.add_row)

    def set_read_only(self, read_only: bool) -> None:
        self.model.read_only = read_only
        self.add_button.setEnabled(not read_only)

    def add_row(self) -> None:
        if self.model.read_only:
            return
        row = self.model.add_row()
        index = self.model.index(row, 0)
        self.table.setFocus()
        self.table.setCurrentIndex(index)
        self.table.edit(index)

    def edit_cell(self, row: int, name: str, value: str) -> None:
        """Type `value` into a cell as a user would (tests and the draft restore use it)."""
        column = [f.name for f in self.model.spec.fields].index(name)
        self.model.setData(self.model.index(row, column), value)


class CaremapGrid(QWidget):
    """Both tables, goals above actions, and a line saying how to drive them."""

    def __init__(self, on_problem: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.goals = GridPart(GOALS, "Add g&oal")
        self.interventions = GridPart(ACTIONS, "Add a&ction")
        hint = QLabel(
            "Type in a cell to edit it (F2 opens it); Tab moves on, Ctrl+Tab leaves the table; "
            "Insert adds a row. * marks what a row needs. Rows that no longer apply: set their "
            "status to Discontinued or Stopped."
        )
        hint.setWordWrap(True)
        hint.setObjectName("hint")
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.goals, 1)
        layout.addWidget(self.interventions, 1)
        self.goals.model.problem.connect(on_problem)
        self.interventions.model.problem.connect(on_problem)

    def parts(self) -> tuple[GridPart, GridPart]:
        return self.goals, self.interventions

    def set_read_only(self, read_only: bool) -> None:
        for part in self.parts():
            part.set_read_only(read_only)

    def dirty(self) -> bool:
        return any(part.model.pending() for part in self.parts())
