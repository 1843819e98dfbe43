"""What sync set aside, with the reason and what to do (architecture.md §5a), and the handover
check's answer: is everything on this laptop at the office?

A refused change or a record that could not be stored never stops sync; it is listed here so a
person sees it, and it counts against the handover check until someone deals with it: sends the
change again or retries storing the record once the cause is fixed, or (an administrator, with a
reason) dismisses it. A dismissed record stays listed, with who and why, and readable in full.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hjdesk.storage.vault import ADMIN_ROLE
from hjdesk.sync import quarantine
from hjdesk.sync.handover import HandoverReport
from hjdesk.sync.quarantine import PULL, PUSH, TOO_LARGE, QuarantineView
from hjdesk.ui.clinic_time import clinic
from hjdesk.ui.context import PageContext
from hjdesk.ui.sync.conflict_fields import label
from hjdesk.ui.widgets.message_line import MessageLine
from hjdesk.ui.widgets.tables import bulk_fill

COLUMNS = ("Found", "What", "Record", "Why", "What to do")
PRIVATE = "Hidden while the privacy screen is on: turn it off to read the record."


class QuarantinePanel(QWidget):
    changed = Signal()  # an item was sent again, retried or dismissed: reload the page

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
        self._lay_out(row, context)

    def _lay_out(self, row: QHBoxLayout, context: PageContext) -> None:
        self.resend_button = QPushButton("Send a&gain")
        self.resend_button.setAccessibleName(
            "Send again: queue the refused change for the next sync, after the cause is fixed"
        )
        self.retry_button = QPushButton("&Try storing again")
        self.retry_button.setAccessibleName("Try again to store the record from the office")
        self.show_button = QPushButton("Show r&ecord")
        self.show_button.setAccessibleName("Show the set-aside record in full")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why it is dismissed (required)")
        self.reason.setAccessibleName("Reason for dismissing the set-aside record")
        self.reason.setMaxLength(quarantine.MAX_DISMISSAL_REASON)
        self.dismiss_button = QPushButton("&Dismiss")
        self.dismiss_button.setAccessibleName(
            "Dismiss: it will not go to the office (administrator, with a reason); it stays here"
        )
        # In a widget of its own so it hides with the table: actions on nothing are noise.
        self.actions_row = QWidget()
        actions = QHBoxLayout(self.actions_row)
        actions.setContentsMargins(0, 0, 0, 0)
        for widget in (self.resend_button, self.retry_button, self.show_button):
            actions.addWidget(widget)
        actions.addWidget(self.reason, 1)
        actions.addWidget(self.dismiss_button)
        self.record = QPlainTextEdit()
        self.record.setReadOnly(True)
        self.record.setAccessibleName("The set-aside record in full")
        self.record.setMaximumHeight(self.fontMetrics().lineSpacing() * 10)
        self.record.hide()
        self.message = MessageLine(
            "Set aside by sync: result of the last action", problem_prefix="Not done: "
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.banner)
        layout.addWidget(self.table)
        layout.addWidget(self.actions_row)
        layout.addWidget(self.message)
        layout.addWidget(self.record)
        self.table.itemSelectionChanged.connect(self._update_actions)
        self.reason.textChanged.connect(self._update_actions)
        self.resend_button.clicked.connect(self.resend)
        self.retry_button.clicked.connect(self.retry)
        self.show_button.clicked.connect(self.show_record)
        self.dismiss_button.clicked.connect(self.dismiss)
        context.privacy.changed.connect(self._privacy_changed)
        self._update_actions()

    def _privacy_changed(self, masked: bool) -> None:
        if masked and self.record.isVisible():
            self.record.setPlainText(PRIVATE)

    def show_items(
        self, items: list[QuarantineView], dismissed: list[QuarantineView] | None = None
    ) -> None:
        """The records waiting for a person, then those dismissed (with who and why)."""
        gone = dismissed or []
        self.items = [*items, *gone]
        if not items:
            self.banner.setText("Set aside by sync: nothing waiting.")
        else:
            self.banner.setText(
                f"Set &aside by sync: {len(items)}. Sync carried on with everything else; each "
                "one is kept on this laptop and says what to do."
            )
        if gone:
            self.banner.setText(f"{self.banner.text()} Dismissed earlier: {len(gone)}.")
        with bulk_fill(self.table):
            self.table.setRowCount(len(self.items))
            for row, item in enumerate(self.items):
                cells = (
                    clinic(item.detected_at).strftime("%d %b %H:%M"),
                    _what(item),
                    f"{label(item.kind)} {item.record_id[:8]}",
                    f"{item.reason} ({item.rule})",
                    item.advice if item.dismissed_at is None else _dismissal(item),
                )
                for column, text in enumerate(cells):
                    cell = QTableWidgetItem(text)
                    cell.setToolTip(text)
                    self.table.setItem(row, column, cell)
        self.table.setVisible(bool(self.items))
        self.actions_row.setVisible(bool(self.items))
        self.record.clear()
        self.record.hide()
        self._update_actions()

    # -- what a person does about one -----------------------------------------------------
    def selected(self) -> QuarantineView | None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if len(rows) != 1:
            return None
        (row,) = rows
        return self.items[row] if row < len(self.items) else None

    def _update_actions(self) -> None:
        item = self.selected()
        waiting = item is not None and item.dismissed_at is None
        vault = self.context.vault
        admin = vault is not None and vault.actor.role == ADMIN_ROLE
        self.resend_button.setEnabled(
            waiting and item is not None and item.direction == PUSH and item.rule != TOO_LARGE
        )
        self.retry_button.setEnabled(waiting and item is not None and item.direction == PULL)
        self.show_button.setEnabled(item is not None)
        self.reason.setEnabled(waiting and admin)
        self.dismiss_button.setEnabled(waiting and admin and bool(self.reason.text().strip()))
        self.dismiss_button.setToolTip(
            "" if admin else "Only an administrator can dismiss a record set aside by sync."
        )

    def resend(self) -> None:
        item, vault = self.selected(), self.context.vault
        if item is None or vault is None:
            return

        def done(_: object) -> None:
            self.message.info("Queued again: the next sync sends it to the office.")
            self.changed.emit()

        self.context.runner.run_task(
            lambda: quarantine.resend(vault, item.id), done, self.message.fail, write=True
        )

    def retry(self) -> None:
        item, vault = self.selected(), self.context.vault
        if item is None or vault is None:
            return

        def done(stored: bool) -> None:
            if stored:
                self.message.info("Stored on this laptop.")
            else:
                self.message.problem("It still cannot be stored here: it is set aside again.")
            self.changed.emit()

        self.context.runner.run_task(
            lambda: quarantine.retry(vault, item.id), done, self.message.fail, write=True
        )

    def show_record(self) -> None:
        item, vault = self.selected(), self.context.vault
        if item is None or vault is None:
            return

        def done(text: str) -> None:
            # The record may hold a patient's details: not on screen behind the privacy screen.
            self.record.setPlainText(PRIVATE if self.context.privacy.masked else text)
            self.record.show()

        self.context.runner.run_task(
            lambda: quarantine.payload_text(vault, item.id), done, self.message.fail
        )

    def dismiss(self) -> None:
        item, vault = self.selected(), self.context.vault
        if item is None or vault is None:
            return
        reason = self.reason.text()

        def done(_: object) -> None:
            self.reason.clear()
            self.message.info("Dismissed. It stays listed here, with your reason, and readable.")
            self.changed.emit()

        self.context.runner.run_task(
            lambda: quarantine.dismiss(vault, item.id, reason), done, self.message.fail,
            write=True,
        )  # fmt: skip

    def show_handover(self, report: HandoverReport) -> None:
        self.handover.setText("\n".join(report.lines()))

    def handover_failed(self, message: str) -> None:
        self.handover.setText(f"The handover check could not ask the office: {message}")

    def clear(self) -> None:
        self.show_items([])
        self.handover.clear()
        self.reason.clear()
        self.message.clear()


def _what(item: QuarantineView) -> str:
    if item.dismissed_at is not None:
        return "Dismissed"
    return "Not accepted by the office" if item.direction == PUSH else "Not stored here"


def _dismissal(item: QuarantineView) -> str:
    when = clinic(item.dismissed_at).strftime("%d %b %H:%M") if item.dismissed_at else ""
    return f"Dismissed by {item.dismissed_by} on {when}: {item.dismissal_reason}"
