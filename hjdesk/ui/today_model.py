"""Today's worklists as a tree model (`GroupedModel`): a heading per worklist, its items beneath.
At 100,000 patients Today lists ~26,000 items: building six QStandardItems for each held the GUI
thread for 1.2-1.6 s after every refresh (docs/performance.md, "The GUI thread at 100,000
patients"). Here a load only keeps the service's tuples, and each cell's text and colours are
worked out when the view asks for it, which is for the rows on screen.

Days and times are London's, as everywhere else (hazard H-30): a laptop set to UTC must not show
an item due today as overdue after 23:00 in summer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush

from hjdesk.services.common import clinic_time, local_today, utc_now
from hjdesk.services.worklists import HIGH, MEDIUM, TodayItem, TodayLists
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.theme import is_high_contrast, severity_colour, tone_colours
from hjdesk.ui.widgets.grouped_model import (
    BASE_ROLES,
    DRAWN_ROLES,
    Cell,
    GroupedModel,
    Index,
)

ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Worklist / patient", "Prison no.", "Location", "What", "Due", "Urgency")
DUE, URGENCY = 4, 5
_URGENCY = {HIGH: ("High", "RED"), MEDIUM: ("Medium", "AMBER")}
_LOW = ("Low", "")
# Roles as plain ints: a `Qt.ItemDataRole.…` lookup costs ~0.13 µs.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_BLANK: Cell = dict.fromkeys(DRAWN_ROLES)  # every role the view draws, none answered
# Items an opened list shows before its "show more" row: the most urgent first, as the service
# orders them; a prison's lists rarely reach it, a 100,000-patient establishment's do.
PAGE_SIZE = 500


def due_text(item: TodayItem, today: date, now: datetime) -> str:
    """When an item is due, as the list shows it: a London time (and "late") for timed items, a
    date (and "overdue") for the rest; `today` is the London day of `now`."""
    if item.due_at is not None:
        when = clinic_time(item.due_at)
        day = "today" if when.date() == today else when.strftime("%d %b")
        late = " (late)" if item.due_at < now else ""
        return f"{day} {when:%H:%M}{late}"
    if item.due is None:
        return ""
    if item.due < today:
        return f"{item.due:%d %b %Y} (overdue)"
    return "today" if item.due == today else f"{item.due:%d %b %Y}"


class TodayModel(GroupedModel):
    """Headings: the worklists, in `TodayLists.named()` order, each titled with its count; rows:
    that list's items, in the service's order."""

    roles = BASE_ROLES | {
        ITEM_ROLE,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.BackgroundRole,
    }

    def __init__(self, privacy: PrivacyState | None = None) -> None:
        super().__init__(COLUMNS, privacy, page_size=PAGE_SIZE)
        self._lists: tuple[tuple[str, tuple[TodayItem, ...]], ...] = ()
        self._now = utc_now()
        self._today = local_today(self._now)
        _inks()

    def load(self, lists: TodayLists | None, *, now: datetime | None = None) -> None:
        """Show `lists` (None: nothing). `now` fixes "today", "late" and "overdue" for the load
        (the lists were worked out for a moment too). A list keeps the pages it showed before,
        so a refresh does not take a nurse part-way down a long list back to its top."""
        shown = {name: self.shown(row) for row, (name, _) in enumerate(self._lists)}
        self.beginResetModel()
        self._lists = lists.named() if lists is not None else ()
        self.set_groups(
            [items for _, items in self._lists], [shown.get(name, 0) for name, _ in self._lists]
        )
        self._now = now or utc_now()
        self._today = local_today(self._now)
        self.endResetModel()

    def heading_name(self, row: int) -> str:
        return self._lists[row][0]

    # -- data ------------------------------------------------------------------------------
    def item_at(self, index: Index) -> TodayItem | None:
        found = self.row_at(index)
        return found if isinstance(found, TodayItem) else None

    def row_data(self, item: TodayItem, column: int, role: int) -> Any:
        return self.row_cells(item)[column].get(role)

    def row_cells(self, item: TodayItem) -> tuple[Cell, ...]:
        """An item's six cells, every role at once: the view draws whole rows, and one pass
        over the item costs a third of asking role by role. High and medium urgency are in
        their colours (urgency in bold); a late time is in the "late" tone instead, a warning
        band rather than one more red."""
        privacy, inks = self.privacy, _inks()
        label, colour = _URGENCY.get(item.severity, _LOW)
        name = privacy.name(item.patient_name) if item.patient_name else "(wing)"
        due = {**_BLANK, _DISPLAY: due_text(item, self._today, self._now)}
        urgency = {**_BLANK, _DISPLAY: label}
        if item.due_at is not None and item.due_at < self._now:
            due[_FOREGROUND] = inks.late_text
            due[_BACKGROUND] = inks.late_background
        elif colour:
            due[_FOREGROUND] = inks.severity[colour]
        if colour:
            urgency[_FOREGROUND] = inks.severity[colour]
            urgency[_FONT] = self.bold
        return (
            {**_BLANK, _DISPLAY: name, ITEM_ROLE: item},
            {**_BLANK, _DISPLAY: privacy.identifier(item.prison_number)},
            {**_BLANK, _DISPLAY: item.location},
            {**_BLANK, _DISPLAY: item.what, _TOOLTIP: item.what},
            due,
            urgency,
        )

    def heading_data(self, row: int, column: int, role: int) -> Any:
        name, items = self._lists[row]
        if column != 0:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{name} ({len(items):,})"
        if role == Qt.ItemDataRole.FontRole:
            return self.bold
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{name}: {len(items):,} items"
        return None


@dataclass(frozen=True, slots=True)
class _Inks:
    """The brushes Today's cells are drawn with, in one theme."""

    late_text: QBrush
    late_background: QBrush
    severity: dict[str, QBrush]

    @classmethod
    def of_theme(cls) -> _Inks:
        text, background = tone_colours("late")
        severity = {colour: QBrush(severity_colour(colour)) for _, colour in _URGENCY.values()}
        return cls(QBrush(text), QBrush(background), severity)


_inks_made: dict[bool, _Inks] = {}


def _inks() -> _Inks:
    """The current theme's brushes, made once per theme rather than for each cell drawn (and
    the first QBrush made from a QColor costs PySide ~2 ms of enum set-up, paid when the
    model is built rather than when a list is first opened)."""
    contrast = is_high_contrast()
    found = _inks_made.get(contrast)
    if found is None:
        found = _inks_made[contrast] = _Inks.of_theme()
    return found
