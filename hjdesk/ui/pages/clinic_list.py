"""The appointment list of a wing clinic session: one row per patient in unlock (location) order,
with reason, alerts (in words, with an icon for an open ACCT) and outcome. With the list focused,
an outcome key emits `outcome_key`, Enter emits `activated`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from hjdesk.clinical.attendance import Outcome, attribution, is_seen
from hjdesk.services.clinics import AppointmentView, SessionSummary, SessionView
from hjdesk.ui.encounter.alerts import alert_list
from hjdesk.ui.pages.clinic_outcomes import ATTRIBUTION_WORDS, OUTCOME_LABELS, outcome_for_key
from hjdesk.ui.pages.clinic_sessions import CLINIC_TYPE_LABELS, session_title
from hjdesk.ui.privacy import PrivacyState

COLUMNS = ("#", "Location", "Name", "Prison no.", "Alerts", "Reason", "Outcome")
SHORT_ALERTS = {"HA": "ACCT", "HA1": "ACCT post-closure", "PEEP": "PEEP", "HID": "HID"}
PLAIN_KEYS = (
    Qt.KeyboardModifier.NoModifier,
    Qt.KeyboardModifier.KeypadModifier,
    Qt.KeyboardModifier.ShiftModifier,
)


def outcome_text(a: AppointmentView) -> str:
    """The outcome column: the outcome, its attribution, and what follows from it (an outcome
    pulled without its attribution, which no service writes, shows the outcome's own)."""
    if a.outcome is None:
        return ""
    who = ATTRIBUTION_WORDS[a.attribution or attribution(a.outcome)]
    text = f"{OUTCOME_LABELS[a.outcome]} ({who})"
    if is_seen(a.outcome):
        text += " — note signed" if a.encounter_id else " — note not signed yet (Enter)"
    elif a.outcome is Outcome.REFUSED:
        text += f" — witness {a.witness_name}"
    if a.rebook_required:
        text += " — rebook"
    if a.outcome_reason:
        text += f": {a.outcome_reason}"
    return text


def summary_label(s: SessionSummary | SessionView) -> str:
    """A session as the session chooser lists it."""
    if isinstance(s, SessionView):
        done, total = len(s.appointments) - len(s.without_outcome), len(s.appointments)
    else:
        done, total = s.with_outcome, s.appointments
    return (
        f"{CLINIC_TYPE_LABELS[s.clinic_type]} · {s.session_date:%d %b} {s.period.value}"
        f" · wing {', '.join(s.wings)} · {s.status.value.lower().replace('_', ' ')}"
        f" · {done}/{total} done"
    )


def session_header(view: SessionView) -> str:
    """What the session is, who runs it, and the attendance so far by attribution."""
    counts = view.attendance
    officer = f" · officer {view.facilitating_officer}" if view.facilitating_officer else ""
    return (
        f"{session_title(view)} · {view.status.value.lower().replace('_', ' ')}{officer}\n"
        f"Clinicians: {', '.join(view.clinician_names)} · seen {counts.seen} · "
        f"patient {counts.patient} · prison {counts.prison} · location {counts.location} · "
        f"healthcare {counts.healthcare} · waiting {len(view.without_outcome)}"
    )


class ClinicTable(QTableWidget):
    outcome_key = Signal(object)  # Outcome
    activated = Signal()

    def __init__(self, privacy: PrivacyState, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.privacy = privacy
        self.rows: tuple[AppointmentView, ...] = ()
        self.setAccessibleName("Clinic list: press an outcome key for the selected row")
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.horizontalHeader()
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        # Reason and outcome take what is left, so a small screen needs no sideways scrolling.
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.doubleClicked.connect(lambda _: self.activated.emit())

    def show_rows(self, rows: tuple[AppointmentView, ...]) -> None:
        current = self.currentRow()
        self.rows = rows
        self.setRowCount(0)
        self.setRowCount(len(rows))
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for row, a in enumerate(rows):
            self._fill_row(row, a, warning)
        if 0 <= current < len(rows):
            self.select(current)

    def _fill_row(self, row: int, a: AppointmentView, warning: QIcon) -> None:
        words = ", ".join(alert_list(a.alerts, older=a.older_prisoner))
        short = [SHORT_ALERTS.get(c, c) for c in a.alerts] + (["50+"] if a.older_prisoner else [])
        cells = (
            str(row + 1),
            a.location or "no location",
            self.privacy.name(a.name),
            self.privacy.identifier(a.prison_number),
            ", ".join(short),
            a.reason,
            outcome_text(a),
        )
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if column == 4 and words:
                item.setToolTip(words)
                item.setData(Qt.ItemDataRole.AccessibleTextRole, words)
                if "HA" in a.alerts:
                    item.setIcon(warning)
            elif column == 6 and text:
                item.setToolTip(text)
            self.setItem(row, column, item)

    def select(self, row: int) -> None:
        if 0 <= row < self.rowCount():
            self.setCurrentCell(row, 0)
            self.selectRow(row)
            self.scrollTo(self.model().index(row, 0))

    def current(self) -> AppointmentView | None:
        row = self.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.activated.emit()
            return
        outcome = outcome_for_key(event.text().strip()) if event.modifiers() in PLAIN_KEYS else None
        if outcome is not None:
            self.outcome_key.emit(outcome)
            return
        super().keyPressEvent(event)
