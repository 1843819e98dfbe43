"""What sync set aside, with the reason and what to do (architecture.md §5a), and the handover
check's answer: is everything on this laptop at the office?

A refused change or a record that could not be stored never stops sync; it is listed here so a
person sees it, and it counts against the handover check until someone deals with it.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hjdesk.sync.handover import HandoverReport
from hjdesk.sync.quarantine import PUSH, QuarantineView
from hjdesk.ui.admin.tables import bulk_fill
from hjdesk.ui.pages.base import PageContext
from hjdesk.ui.sync.conflict_fields import label

COLUMNS = ("Found", "What", "Record", "Why", "What to do")


class QuarantinePanel(QWidget):
    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.items: list[QuarantineView] = []
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Records set aside by sync")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName("Records set aside by sync, newest first")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        # Rows as tall as their wrapped text, recomputed whenever a column's width changes.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.banner.setBuddy(self.table)
        self.table.setMaximumHeight(self.fontMetrics().lineSpacing() * 12)
        self.check_button = QPushButton("Check &handover")
        self.check_button.setAccessibleName(
            "Check handover: ask the office whether everything on this laptop is there"
        )
        self.handover = QLabel("")
        self.handover.setWordWrap(True)
        self.handover.setAccessibleName("Handover check result")
        row = QHBoxLayout()
        row.addWidget(self.check_button)
        row.addWidget(self.handover, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.banner)
        layout.addWidget(self.table)

    def show_items(self, items: list[QuarantineView]) -> None:
        self.items = items
        if not items:
            self.banner.setText("Set aside by sync: nothing.")
        else:
            self.banner.setText(
                f"Set &aside by sync: {len(items)}. Sync carried on with everything else; each "
                "one is kept on this laptop and says what to do."
            )
        with bulk_fill(self.table):
            self.table.setRowCount(len(items))
            for row, item in enumerate(items):
                what = "Not accepted by the office" if item.direction == PUSH else "Not stored here"
                cells = (
                    item.detected_at.astimezone().strftime("%d %b %H:%M"),
                    what,
                    f"{label(item.kind)} {item.record_id[:8]}",
                    f"{item.reason} ({item.rule})",
                    item.advice,
                )
                for column, text in enumerate(cells):
                    cell = QTableWidgetItem(text)
                    cell.setToolTip(text)
                    self.table.setItem(row, column, cell)
        self.table.setVisible(bool(items))

    def show_handover(self, report: HandoverReport) -> None:
        self.handover.setText("\n".join(report.lines()))

    def handover_failed(self, message: str) -> None:
        self.handover.setText(f"The handover check could not ask the office: {message}")

    def clear(self) -> None:
        self.show_items([])
        self.handover.clear()
