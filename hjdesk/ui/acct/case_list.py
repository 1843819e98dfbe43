"""The establishment's open ACCTs at a glance, under the upcoming-review warning (domain.md §6).

The warning lists every review whose health input is due within the ACCT policy's upcoming window
(`AcctPolicy.upcoming_window`, 24 hours) with none planned, or already late; it sits above the
list in a red frame so it cannot be missed. Each case row shows its ACCT_NO_HEALTH_INPUT flags by
severity, as colour and as words. Every text naming the window says it as the policy has it
(`clinical.acct.window_text`), never a written "24 hours" (H-14).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hjdesk.clinical import acct as rules
from hjdesk.services.acct import AcctCaseRow, InputDueRow
from hjdesk.services.common import utc_now
from hjdesk.ui.acct.labels import (
    CASE_STATUSES,
    event_label,
    hours_between,
    upcoming_within,
    when,
)
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.theme import severity_colour
from hjdesk.ui.widgets.row_table import Column, RowTableModel, row_table

TARGET_ROLE = Qt.ItemDataRole.UserRole + 1
ALL = "__all__"


def flags_text(row: AcctCaseRow) -> str:
    if not row.flag_count:
        return "No gaps"
    parts = []
    if row.high_flags:
        parts.append(f"HIGH ×{row.high_flags}")
    if row.medium_flags:
        parts.append(f"MEDIUM ×{row.medium_flags}")
    return ", ".join(parts)


def flags_colour(row: AcctCaseRow) -> str | None:
    return {"HIGH": "RED", "MEDIUM": "AMBER"}.get(row.severity or "")


def due_text(row: AcctCaseRow, within: str) -> str:
    if row.late:
        return "LATE" if row.late == 1 else f"LATE ×{row.late}"
    return f"DUE < {within}" if row.warnings else ""


def banner_heading(items: list[InputDueRow], within: str) -> str:
    """The warning's heading: how many reviews need input within the window, or none."""
    if not items:
        return f"No ACCT review needs health input in the next {within}."
    late = sum(1 for i in items if i.late)
    reviews = "review needs" if len(items) == 1 else "reviews need"
    late_text = f" ({late} late)" if late else ""
    return (
        f"⚠ HEALTH INPUT NEEDED: {len(items)} ACCT {reviews} health input within "
        f"{within} or already late{late_text}. Enter opens the case."
    )


def due_line(item: InputDueRow, privacy: PrivacyState, now: datetime) -> str:
    who = item.who
    person = (
        f"{privacy.name(who.display_name)} ({privacy.identifier(who.prison_number)}, "
        f"{who.location or 'no location'})"
    )
    label = event_label(item.event_type)
    if item.late:
        late = hours_between(item.scheduled_at, now)
        return (
            f"LATE by {late} — {label} for {person}, was due {when(item.scheduled_at, now)}: "
            "no health input planned or recorded."
        )
    left = hours_between(now, item.scheduled_at)
    return (
        f"DUE in {left} — {label} for {person}, {when(item.scheduled_at, now)}: "
        "no health input planned."
    )


def _columns(privacy: PrivacyState, within: str) -> list[Column]:
    return [
        Column("Patient", lambda r: privacy.name(r.who.display_name)),
        Column("Prison no.", lambda r: privacy.identifier(r.who.prison_number)),
        Column("Location", lambda r: r.who.location),
        Column(
            "ACCT",
            lambda r: f"{CASE_STATUSES.get(r.status, r.status)}, {r.risk_level_name} risk",
            colour=lambda r: "RED" if r.risk_level == "HIGH" else None,
        ),
        Column(
            "Next review",
            lambda r: (
                f"{event_label(r.next_event_type)}, {when(r.next_event_at, utc_now())}"
                if r.next_event_type
                else "none scheduled"
            ),
        ),
        Column(
            "Input gaps",
            flags_text,
            colour=flags_colour,
            bold=lambda r: bool(r.flag_count),
            tooltip=lambda r: (
                "ACCT_NO_HEALTH_INPUT: reviews held without health input" if r.flag_count else ""
            ),
        ),
        Column(
            within[:1].upper() + within[1:],
            lambda r: due_text(r, within),
            colour=lambda r: "RED" if due_text(r, within) else None,
            bold=lambda r: bool(due_text(r, within)),
        ),
        Column(
            "MH",
            lambda r: "yes" if r.on_mh_caseload else "",
            tooltip=lambda r: "On the MH in-reach caseload" if r.on_mh_caseload else "",
        ),
    ]


class DueBanner(QFrame):
    """The upcoming-review warning: a red frame with one line per review needing input within
    `within` (the policy's window as text) or already late."""

    open_requested = Signal(str, str)  # case id, event id

    def __init__(self, privacy: PrivacyState, within: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.privacy = privacy
        self.within = within
        self.items: list[InputDueRow] = []
        self.setObjectName("acctDueBanner")
        self.heading = QLabel("")
        self.heading.setWordWrap(True)
        self.heading.setAccessibleName(f"Health input warning: reviews within {within}")
        self.list = QListWidget()
        self.list.setAccessibleName("ACCT reviews needing health input now")
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.list)
        self.list.itemActivated.connect(self._activated)
        privacy.changed.connect(lambda _: self._redraw())

    def show_items(self, items: list[InputDueRow]) -> None:
        self.items = items
        self._redraw()

    def lines(self) -> list[str]:
        return [self.list.item(n).text() for n in range(self.list.count())]

    def _redraw(self) -> None:
        now = utc_now()
        self.list.clear()
        red = severity_colour("RED")
        self.heading.setText(banner_heading(self.items, self.within))
        if not self.items:
            self.heading.setStyleSheet("")
            self.setStyleSheet("")
            self.list.hide()
            return
        self.heading.setStyleSheet(f"color: {red.name()}; font-weight: 700;")
        self.setStyleSheet(f"#acctDueBanner {{ border: 3px solid {red.name()}; }}")
        for item in self.items:
            line = QListWidgetItem(due_line(item, self.privacy, now))
            line.setData(TARGET_ROLE, (item.case_id, item.event_id))
            line.setForeground(red)
            self.list.addItem(line)
        rows = min(len(self.items), 4)
        self.list.setFixedHeight(self.list.sizeHintForRow(0) * rows + 2 * self.list.frameWidth())
        self.list.show()

    def _activated(self, item: QListWidgetItem) -> None:
        case_id, event_id = item.data(TARGET_ROLE)
        self.open_requested.emit(case_id, event_id)


class AcctCaseList(QWidget):
    """The open cases under the warning. `policy`: the ACCT policy whose upcoming window the
    rows' warnings were found with; by default the one the services use, read when the list is
    made, so its words follow the policy."""

    open_requested = Signal(str, str)  # case id, event id ("" for none)

    def __init__(
        self,
        privacy: PrivacyState,
        parent: QWidget | None = None,
        *,
        policy: rules.AcctPolicy | None = None,
    ) -> None:
        super().__init__(parent)
        self._rows: list[AcctCaseRow] = []
        self.within = upcoming_within(policy)
        self.banner = DueBanner(privacy, self.within)
        self.wing = QComboBox()
        self.wing.setAccessibleName("Show ACCTs on wing")
        self.wing.addItem("All wings", ALL)
        self.mh_only = QCheckBox("&MH in-reach caseload only")
        self.mh_only.setAccessibleName("Show only patients on the MH in-reach caseload")
        self.flagged_only = QCheckBox("Only with &gaps or warnings")
        self.flagged_only.setAccessibleName("Show only ACCTs with health input gaps or warnings")
        self.count = QLabel("")
        self.count.setAccessibleName("Number of open ACCTs shown")
        self.model = RowTableModel(_columns(privacy, self.within), privacy)
        # The patient's name and the next review share what is left.
        self.table = row_table(self.model, "Open ACCTs", stretch=(0, 4))
        wing_label = QLabel("&Wing:")
        wing_label.setBuddy(self.wing)
        top = QHBoxLayout()
        top.addWidget(wing_label)
        top.addWidget(self.wing)
        top.addWidget(self.mh_only)
        top.addWidget(self.flagged_only)
        top.addWidget(self.count, 1)
        hint = QLabel(
            "Enter or double-click opens an ACCT. Input gaps (ACCT_NO_HEALTH_INPUT): HIGH = a "
            "first case review or closure held without health input; MEDIUM = another review, "
            "or no MH in-reach input for a patient on their caseload."
        )
        hint.setWordWrap(True)
        hint.setObjectName("hint")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint)
        self.wing.currentIndexChanged.connect(lambda _: self._apply_filters())
        self.mh_only.toggled.connect(lambda _: self._apply_filters())
        self.flagged_only.toggled.connect(lambda _: self._apply_filters())
        self.table.activated.connect(self._activated)
        self.banner.open_requested.connect(self.open_requested)

    def show_rows(self, rows: list[AcctCaseRow], due: list[InputDueRow]) -> None:
        self._rows = rows
        known = {self.wing.itemData(i) for i in range(self.wing.count())}
        for wing in sorted({r.who.wing for r in rows if r.who.wing} - known):
            self.wing.addItem(f"Wing {wing}", wing)
        self.banner.show_items(due)
        self._apply_filters()

    def clear(self) -> None:
        self._rows = []
        self.model.load([])
        self.banner.show_items([])
        self.count.clear()

    def shown_rows(self) -> list[AcctCaseRow]:
        return list(self.model.rows)

    def _apply_filters(self) -> None:
        wing = self.wing.currentData()
        rows = [
            r
            for r in self._rows
            if (wing == ALL or r.who.wing == wing)
            and (not self.mh_only.isChecked() or r.on_mh_caseload)
            and (not self.flagged_only.isChecked() or r.flag_count or r.warnings or r.late)
        ]
        # Most urgent first: late, due within the window, HIGH gaps, MEDIUM gaps, then by opening.
        rows.sort(key=lambda r: (-r.late, -r.warnings, -r.high_flags, -r.medium_flags))
        self.model.load(rows)
        flagged = sum(1 for r in rows if r.flag_count)
        self.count.setText(f"{len(rows)} open ACCTs, {flagged} with health input gaps")

    def _activated(self, index: QModelIndex) -> None:
        row = self.model.row_at(index)
        if isinstance(row, AcctCaseRow):
            self.open_requested.emit(row.case_id, "")
