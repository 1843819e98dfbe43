"""The data behind the CAREMAP grid: which fields each table has, and the rows with their
unsaved edits (each row keeps the revision it was loaded at, so a save cannot overwrite someone
else's change unseen)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from hjdesk.services.care_plans import GoalRow, InterventionRow
from hjdesk.ui.care_plan.labels import (
    DATE_HINT,
    GOAL_STATUSES,
    INTERVENTION_STATUSES,
    DateTextError,
    date_text,
    parse_date,
)

Index = QModelIndex | QPersistentModelIndex
TEXT, DATE, STATUS = "text", "date", "status"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    title: str
    kind: str = TEXT
    required: bool = False
    choices: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GridSpec:
    """One table of the grid: its fields, what a new row's status starts as, its names."""

    what: str  # "goal" / "action"
    heading: str
    fields: tuple[FieldSpec, ...]
    new_status: str

    def values_of(self, row: GoalRow | InterventionRow) -> dict[str, Any]:
        return {f.name: getattr(row, f.name) for f in self.fields}


GOALS = GridSpec(
    "goal",
    "Issues and goals",
    (
        FieldSpec("issue", "Issue", required=True),
        FieldSpec("goal", "Goal", required=True),
        FieldSpec("measure", "Measure"),
        FieldSpec("target_date", "Target date", DATE),
        FieldSpec("status", "Status", STATUS, choices=GOAL_STATUSES),
    ),
    "NOT_STARTED",
)
ACTIONS = GridSpec(
    "action",
    "Actions: by whom and when",
    (
        FieldSpec("action", "Action", required=True),
        FieldSpec("responsible", "By whom", required=True),
        FieldSpec("frequency", "How often"),
        FieldSpec("due", "By when", DATE),
        FieldSpec("status", "Status", STATUS, choices=INTERVENTION_STATUSES),
    ),
    "PLANNED",
)


@dataclass(slots=True)
class GridRow:
    """A row as shown: `original` is what the vault holds (empty for a row not yet saved)."""

    key: str
    id: str | None
    rev: int | None
    values: dict[str, Any]
    original: dict[str, Any]

    @property
    def is_new(self) -> bool:
        return self.id is None

    def changes(self) -> dict[str, Any]:
        if self.is_new:
            return dict(self.values)
        return {k: v for k, v in self.values.items() if self.original.get(k) != v}

    @property
    def dirty(self) -> bool:
        if self.is_new:
            return any(v not in ("", None) for k, v in self.values.items() if k != "status")
        return bool(self.changes())


def _to_json(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def _from_json(spec: GridSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in spec.fields:
        value = values.get(f.name)
        if f.kind == DATE:
            out[f.name] = date.fromisoformat(value) if isinstance(value, str) and value else None
        else:
            out[f.name] = value if isinstance(value, str) else ("" if f.kind == TEXT else None)
    return out


class GridModel(QAbstractTableModel):
    """The rows of one grid table, with their unsaved edits."""

    problem = Signal(str)

    def __init__(self, spec: GridSpec) -> None:
        super().__init__()
        self.spec = spec
        self.rows: list[GridRow] = []
        self.read_only = False
        self._new_count = 0

    # -- loading and saving ------------------------------------------------------------------
    def load(
        self, saved: Sequence[GoalRow | InterventionRow], keep: Sequence[GridRow] = ()
    ) -> None:
        """Show the saved rows; `keep` are rows whose edits were not saved (they win)."""
        kept = {r.key: r for r in keep}
        rows: list[GridRow] = []
        for row in saved:
            values = self.spec.values_of(row)
            edited = kept.pop(row.id) if row.id in kept else None
            rows.append(edited or GridRow(row.id, row.id, row.rev, values, dict(values)))
        rows.extend(r for r in keep if r.key in kept and r.is_new)  # still to add
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def pending(self) -> list[GridRow]:
        """Rows with something to save, in order (blank new rows are ignored)."""
        return [r for r in self.rows if r.dirty]

    def add_row(self) -> int:
        self._new_count += 1
        values: dict[str, Any] = {
            f.name: (self.spec.new_status if f.kind == STATUS else None if f.kind == DATE else "")
            for f in self.spec.fields
        }
        position = len(self.rows)
        self.beginInsertRows(QModelIndex(), position, position)
        self.rows.append(GridRow(f"new:{self._new_count}", None, None, values, {}))
        self.endInsertRows()
        return position

    def to_payload(self) -> list[dict[str, Any]]:
        return [
            {"key": r.key, "id": r.id, "rev": r.rev, "values": _to_json(r.values)}
            for r in self.pending()
        ]

    def apply_payload(self, items: Sequence[Mapping[str, Any]]) -> None:
        """Put a draft's edits back over the rows just loaded."""
        by_id = {r.id: r for r in self.rows if r.id}
        for item in items:
            values = _from_json(self.spec, item.get("values") or {})
            row_id = item.get("id")
            if isinstance(row_id, str) and row_id in by_id:
                target = by_id[row_id]
                rev = item.get("rev")
                target.rev = rev if isinstance(rev, int) else target.rev
                target.values = values
            elif row_id is None:
                self.add_row()
                self.rows[-1].values = values
        self.layoutChanged.emit()

    # -- Qt model ----------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.spec.fields)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.spec.fields):
            spec = self.spec.fields[section]
            return spec.title + (" *" if spec.required else "")
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self.rows):
            row = self.rows[section]
            return "new" if row.is_new else ("edited" if row.dirty else str(section + 1))
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.read_only:
            return base
        return base | Qt.ItemFlag.ItemIsEditable

    def field_at(self, index: Index) -> FieldSpec:
        return self.spec.fields[index.column()]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        spec, row = self.field_at(index), self.rows[index.row()]
        value = row.values.get(spec.name)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if spec.kind == DATE:
                return date_text(value)
            if spec.kind == STATUS:
                return spec.choices.get(str(value), value or "")
            return value or ""
        if role == Qt.ItemDataRole.EditRole:
            return date_text(value) if spec.kind == DATE else (value or "")
        if role == Qt.ItemDataRole.ToolTipRole:
            # Long CAREMAP text may be cut short in the cell; the tooltip has all of it.
            return f"Type a date as {DATE_HINT}" if spec.kind == DATE else (value or None)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self.read_only:
            return False
        spec, row = self.field_at(index), self.rows[index.row()]
        if spec.kind == DATE:
            label = f"{self.spec.what}'s {spec.title.lower()}"
            try:
                value = parse_date(str(value or ""), label)
            except DateTextError as exc:
                self.problem.emit(str(exc))
                return False
        elif spec.kind == STATUS:
            if value not in spec.choices:
                return False
        else:
            value = str(value or "")
        if row.values.get(spec.name) == value:
            return True
        row.values[spec.name] = value
        self.dataChanged.emit(index, index)
        self.headerDataChanged.emit(Qt.Orientation.Vertical, index.row(), index.row())
        return True
