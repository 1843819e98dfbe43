"""A read-only two-level tree model: headings, each with its rows beneath (the roll by wing,
Today's worklists). Hand-written rather than QStandardItemModel, because at 100,000 patients
these hold 100,000 and 26,000 rows: a load here only keeps the caller's sequences, and each cell
is worked out when the view draws it (docs/performance.md, "The GUI thread at 100,000 patients").

Internal ids: 0 for a heading, the heading's row + 1 for the rows beneath it. Subclasses give
the headings' and rows' data (`heading_data`, `row_data`, or a whole row at once: `row_cells`);
the structure lives here.

Kept answers: the view reads seven roles of every cell it draws, at each paint. A row's answers
are worked out once, the first time it is drawn or asked for, and kept until the model signals
any change (a load, the privacy switch, a page shown) or the theme changes, so that repainting
rows already drawn only reads them (docs/performance.md, "Today page: opening a list and
masking"). A change that does not go through the model's signals must call `forget_cells`.

Pages: with a `page_size`, a heading shows at most that many of its rows, then one "show more"
row (`MoreRow`) saying how many are not shown; activating it (`show_more`) shows the next page.
Qt lays out every row of an open heading, calling back into Python for each (~10 µs a row), so
opening a 7,000-item worklist held the GUI thread for ~0.1 s; a page bounds that whatever the
list's length, and the heading still counts every row (docs/performance.md, "Long lists in
pages").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QTreeView

from hjdesk.ui import theme
from hjdesk.ui.privacy import PrivacyState

Index = QModelIndex | QPersistentModelIndex
HEADING = 0


@dataclass(frozen=True, slots=True)
class MoreRow:
    """The last row under a heading whose rows are not all shown: `hidden` are not."""

    group: int
    hidden: int
    page: int

    @property
    def text(self) -> str:
        return f"Show {min(self.page, self.hidden):,} more ({self.hidden:,} not shown yet)"


_ROLE = Qt.ItemDataRole
# The roles the headings and "show more" rows answer; a subclass adds its rows' own.
BASE_ROLES = frozenset(
    {_ROLE.DisplayRole, _ROLE.FontRole, _ROLE.ToolTipRole, _ROLE.AccessibleTextRole}
)
# The roles QStyledItemDelegate asks of every cell it sizes or draws, in one `multiData` call.
DRAWN_ROLES = tuple(
    int(role)
    for role in (
        _ROLE.FontRole,
        _ROLE.TextAlignmentRole,
        _ROLE.ForegroundRole,
        _ROLE.CheckStateRole,
        _ROLE.DecorationRole,
        _ROLE.DisplayRole,
        _ROLE.BackgroundRole,
    )
)
# Rows whose answers are kept at most (a screen shows ~45): scrolling down a long list does
# not keep every row it passed.
KEPT_ROWS = 1_000
Cell = dict[int, Any]  # one cell's answers, by role
_MISSING = object()


class GroupedModel(QAbstractItemModel):
    # Every role data() may answer. The view asks for eight for each cell it sizes or draws
    # (decoration, alignment, check state and size hint among them); the others are refused
    # before any lookup, which takes about two fifths off a repaint's time in Python.
    roles: frozenset[int] = BASE_ROLES

    def __init__(
        self,
        columns: Sequence[str],
        privacy: PrivacyState | None = None,
        *,
        page_size: int | None = None,
    ) -> None:
        super().__init__()
        self.columns = tuple(columns)
        self._width = len(self.columns)  # fixed here; `index()` reads it for every row laid out
        self.privacy = privacy or PrivacyState()
        self.page_size = page_size
        self._groups: Sequence[Sequence[Any]] = ()
        self._shown: list[int] = []  # rows shown under each heading
        self._more: list[bool] = []  # whether a "show more" row follows them
        self.bold = QFont()
        self.bold.setBold(True)
        self.italic = QFont()
        self.italic.setItalic(True)
        # Each drawn row's answers (`multiData`), by (internal id, row): a dict of role to
        # answer per column, in the theme they were worked out in. Any change the model
        # signals drops them all, the privacy switch's included (`rows_changed`).
        self._drawn: dict[tuple[int, int], tuple[Cell, ...]] = {}
        self._drawn_contrast = theme.is_high_contrast()
        for signal in (
            self.modelReset,
            self.dataChanged,
            self.layoutChanged,
            self.rowsInserted,
            self.rowsRemoved,
            self.rowsMoved,
        ):
            signal.connect(self.forget_cells)
        # Masking changes only text: `rows_changed` tells the view, which also drops the kept
        # answers (dataChanged), and the next paint reads the switch.
        self.privacy.changed.connect(lambda _: self.rows_changed())

    def set_groups(
        self, groups: Sequence[Sequence[Any]], shown: Sequence[int] | None = None
    ) -> None:
        """The rows under each heading, in heading order; call between begin/endResetModel.
        `shown`: how many rows each heading showed before, kept (in whole pages) across a
        reload; otherwise one page of each."""
        before = list(shown or ())
        before += [0] * (len(groups) - len(before))
        page = self.page_size
        self._groups = groups
        self._drawn.clear()
        self._shown = [
            len(rows) if page is None else min(len(rows), _whole_pages(seen, page))
            for rows, seen in zip(groups, before, strict=False)
        ]
        self._more = [n < len(rows) for rows, n in zip(groups, self._shown, strict=True)]

    def total(self) -> int:
        """Every row under every heading, shown or not."""
        return sum(len(rows) for rows in self._groups)

    def shown(self, group: int) -> int:
        """How many of a heading's rows are shown (the "show more" row not counted)."""
        return self._shown[group]

    def has_more(self, group: int) -> bool:
        """Whether a "show more" row follows the rows shown under a heading."""
        return self._more[group]

    def row_at(self, index: Index) -> Any:
        """The row an index shows (any column): a subclass's row, a `MoreRow`, or None for a
        heading or nothing."""
        if not index.isValid() or index.internalId() == HEADING:
            return None
        group = index.internalId() - 1
        rows, row = self._groups[group], index.row()
        if self._more[group] and row == self._shown[group]:
            return MoreRow(group, len(rows) - row, self.page_size or len(rows))
        return rows[row]

    def is_more(self, index: Index) -> bool:
        return isinstance(self.row_at(index), MoreRow)

    def show_more(self, index: Index) -> QModelIndex:
        """Show the next page under the heading of `index` (a "show more" row); returns the
        first newly shown row, for the view's current index (an invalid index if none)."""
        more = self.row_at(index)
        if not isinstance(more, MoreRow):
            return QModelIndex()
        group = more.group
        parent = self.index(group, 0)
        before, total = self._shown[group], len(self._groups[group])
        after = min(total, before + more.page)
        if after == total:
            # The last page: the "show more" row goes, then the rest arrive in its place.
            self.beginRemoveRows(parent, before, before)
            self._more[group] = False
            self.endRemoveRows()
            self.beginInsertRows(parent, before, total - 1)
            self._shown[group] = total
            self.endInsertRows()
        else:
            self.beginInsertRows(parent, before, after - 1)
            self._shown[group] = after
            self.endInsertRows()
            last = self.index(after, self._width - 1, parent)
            self.dataChanged.emit(self.index(after, 0, parent), last)  # its count fell
        return self.index(before, 0, parent)

    def rows_changed(self) -> None:
        """Tell the view every shown row's data changed, heading by heading, with no layout
        change."""
        self.forget_cells()  # headings' too, even with no rows to signal
        last = self._width - 1
        for number in range(len(self._groups)):
            count = self._visible(number)
            if count:
                parent = self.index(number, 0)
                last_row = self.index(count - 1, last, parent)
                self.dataChanged.emit(self.index(0, 0, parent), last_row)

    def _visible(self, group: int) -> int:
        """Rows under a heading in the view: those shown, and a "show more" row if any left."""
        return self._shown[group] + self._more[group]

    # -- data ------------------------------------------------------------------------------
    def forget_cells(self, *_: object) -> None:
        """Drop every row's kept answers (the next paint works them out again)."""
        self._drawn.clear()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in self.roles or not index.isValid():
            return None
        answers = self._answers(index)
        value = answers.get(role, _MISSING)
        if value is _MISSING:  # a role not worked out with the row
            value = answers[role] = self._ask(index, role)
        return value

    def multiData(self, index: Index, roleDataSpan: QModelRoleDataSpan | QModelRoleData) -> None:
        """The delegate's seven roles of a cell in one call into Python, not seven calls of
        data() through Qt (docs/performance.md, "Today page: opening a list and masking")."""
        # Qt passes a span; a caller in Python may pass one QModelRoleData. PySide's stubs do
        # not say a span iterates (it does, over its QModelRoleData).
        asked: Iterable[QModelRoleData] = (
            (roleDataSpan,)
            if isinstance(roleDataSpan, QModelRoleData)
            else cast("Iterable[QModelRoleData]", roleDataSpan)
        )
        if not index.isValid():
            for each in asked:
                each.clearData()
            return
        roles, answers = self.roles, self._answers(index)
        for each in asked:
            role = each.role()
            value = answers.get(role, _MISSING)
            if value is _MISSING:
                value = answers[role] = self._ask(index, role) if role in roles else None
            each.setData(value)

    def _answers(self, index: Index) -> Cell:
        """A valid index's cell: its answers by role, worked out with the rest of its row the
        first time the row is asked for (`row_cells`), then kept until the model signals a
        change or the theme changes."""
        contrast = theme.is_high_contrast()
        if contrast is not self._drawn_contrast:  # the colours are the theme's
            self._drawn.clear()
            self._drawn_contrast = contrast
        key = (index.internalId(), index.row())
        cells = self._drawn.get(key)
        if cells is None:
            if len(self._drawn) >= KEPT_ROWS:
                self._drawn.clear()
            cells = self._drawn[key] = self._row_answers(index)
        return cells[index.column()]

    def _row_answers(self, index: Index) -> tuple[Cell, ...]:
        width = self._width
        if index.internalId() == HEADING:
            group = index.row()
            return tuple(self._asked(self.heading_data, group, c) for c in range(width))
        found = self.row_at(index)
        if isinstance(found, MoreRow):
            return tuple(self._asked(self._more_data, found, c) for c in range(width))
        return self.row_cells(found)

    def _asked(self, ask: Callable[[Any, int, int], Any], found: Any, column: int) -> Cell:
        roles = self.roles
        return {role: ask(found, column, role) if role in roles else None for role in DRAWN_ROLES}

    def _ask(self, index: Index, role: int) -> Any:
        """One role of a valid index, asked of `heading_data`, `row_data` or the "show more"
        row, for a role its row's answers left out."""
        if index.internalId() == HEADING:
            return self.heading_data(index.row(), index.column(), role)
        row = self.row_at(index)
        if isinstance(row, MoreRow):
            return self._more_data(row, index.column(), role)
        return self.row_data(row, index.column(), role)

    def row_cells(self, row: Any) -> tuple[Cell, ...]:
        """Each column's answers for a row, by role, as `row_data` gives them: every role in
        `DRAWN_ROLES` (None where it has no answer) and any others the row answers. A subclass
        may work a row out at once rather than role by role."""
        return tuple(self._asked(self.row_data, row, c) for c in range(self._width))

    def heading_data(self, group: int, column: int, role: int) -> Any:
        raise NotImplementedError

    def row_data(self, row: Any, column: int, role: int) -> Any:
        raise NotImplementedError

    def _more_data(self, more: MoreRow, column: int, role: int) -> Any:
        if column != 0:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return more.text
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Enter or double-click shows them"
        if role == Qt.ItemDataRole.FontRole:
            return self.italic
        return None

    # -- structure -------------------------------------------------------------------------
    # The view calls these for every row it lays out (all 100,000 when the roll is expanded)
    # and several times for each row it draws, so they check bounds themselves (`hasIndex`
    # would call back into rowCount and columnCount through Qt for each) and ask the index
    # as few questions as they can: each is a call into Qt (~0.1-0.2 us).
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not 0 <= column < self._width or row < 0:
            return QModelIndex()
        if not parent.isValid():
            if row < len(self._groups):
                return self.createIndex(row, column, HEADING)
            return QModelIndex()
        if parent.internalId() != HEADING or parent.column() != 0:
            return QModelIndex()
        group = parent.row()
        if row < self._shown[group] + self._more[group]:  # `_visible`, without a call
            return self.createIndex(row, column, group + 1)
        return QModelIndex()

    def parent(self, child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        # An invalid index's internal id is 0, a heading's: neither has a parent.
        under = child.internalId()
        if under == HEADING:
            return QModelIndex()
        return self.createIndex(under - 1, 0, HEADING)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() == HEADING and parent.column() == 0:
            return self._visible(parent.row())
        return 0

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        # Rows never have children: answered from the internal id alone (a row's is its
        # heading's row + 1), since the view asks for every row it lays out and, on a mask,
        # for every row shown.
        if parent.internalId() != HEADING:
            return False
        if not parent.isValid():
            return bool(self._groups)
        return parent.column() == 0 and bool(self._groups[parent.row()])

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return self._width

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None


def span_titles(tree: QTreeView, model: GroupedModel) -> None:
    """Headings and "show more" rows across the whole width of `tree`, after a load: their
    text is not the first column's, and would otherwise be cut to its width. A "show more"
    row's span follows it as pages are added above it (Qt keeps it as a persistent index) and
    goes with it."""
    root = QModelIndex()
    for group in range(model.rowCount()):
        tree.setFirstColumnSpanned(group, root, True)
        if model.has_more(group):
            tree.setFirstColumnSpanned(model.shown(group), model.index(group, 0), True)


def _whole_pages(rows: int, page: int) -> int:
    return max(page, -(-rows // page) * page)
