"""Keyboard-first outcome entry for the wing clinic runner: one key per outcome, and the details a
few outcomes need before they can be saved (domain.md §5).

- REFUSED: risks explained (yes/no), capacity concern (yes/no), witness name.
- Prison-attributed outcomes (not unlocked, no escort, regime, lockdown): the reason, which goes on
  the exception report.
- DECEASED: a confirmation, because one stray key press must not record a death.

The checks are `clinical.attendance.validate_outcome`, the same the service applies.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hjdesk.clinical.attendance import (
    Attribution,
    Outcome,
    OutcomeDetails,
    attribution,
    validate_outcome,
)
from hjdesk.ui.widgets.fields import Swap, YesNo, clean
from hjdesk.ui.widgets.form_rows import FormRows
from hjdesk.ui.widgets.message_line import MessageLine


@dataclass(frozen=True, slots=True)
class OutcomeKey:
    outcome: Outcome
    key: str
    label: str


# Numbers for the common outcomes in the table's order, letters for the rest (mnemonic).
OUTCOME_KEYS: tuple[OutcomeKey, ...] = (
    OutcomeKey(Outcome.ATTENDED, "1", "Attended"),
    OutcomeKey(Outcome.SEEN_AT_CELL_DOOR, "2", "Seen at cell door"),
    OutcomeKey(Outcome.SEEN_ELSEWHERE, "3", "Seen elsewhere"),
    OutcomeKey(Outcome.REFUSED, "4", "Refused"),
    OutcomeKey(Outcome.DNA_PATIENT_CHOSE, "5", "Did not attend (patient chose)"),
    OutcomeKey(Outcome.NOT_UNLOCKED, "6", "Not unlocked"),
    OutcomeKey(Outcome.NO_OFFICER_ESCORT, "7", "No officer escort"),
    OutcomeKey(Outcome.REGIME_RESTRICTED, "8", "Regime restricted"),
    OutcomeKey(Outcome.LOCKDOWN_INCIDENT, "9", "Lockdown or incident"),
    OutcomeKey(Outcome.AT_COURT, "C", "At court"),
    OutcomeKey(Outcome.TRANSFERRED, "T", "Transferred"),
    OutcomeKey(Outcome.RELEASED, "R", "Released"),
    OutcomeKey(Outcome.IN_HOSPITAL, "H", "In hospital"),
    OutcomeKey(Outcome.IN_SEGREGATION, "S", "In segregation"),
    OutcomeKey(Outcome.LEGAL_OR_SOCIAL_VISIT, "V", "Legal or social visit"),
    OutcomeKey(Outcome.AT_WORK_EDUCATION, "W", "At work or education"),
    OutcomeKey(Outcome.DECEASED, "X", "Deceased"),
    OutcomeKey(Outcome.CANCELLED_BY_HEALTHCARE, "K", "Cancelled by healthcare"),
    OutcomeKey(Outcome.SESSION_OVERRAN, "O", "Session overran"),
)
OUTCOME_LABELS = {k.outcome: k.label for k in OUTCOME_KEYS}
KEY_OUTCOMES = {k.key: k.outcome for k in OUTCOME_KEYS}
ATTRIBUTION_WORDS = {
    Attribution.SEEN: "seen",
    Attribution.PATIENT: "patient",
    Attribution.PRISON: "prison",
    Attribution.LOCATION: "location",
    Attribution.HEALTHCARE: "healthcare",
}


def needs_details(outcome: Outcome) -> bool:
    return (
        outcome is Outcome.REFUSED
        or outcome is Outcome.DECEASED
        or attribution(outcome) is Attribution.PRISON
    )


def outcome_for_key(text: str) -> Outcome | None:
    return KEY_OUTCOMES.get(text.upper()) if text else None


class OutcomePanel(Swap):
    """The key legend (clickable), or the details one outcome needs."""

    chosen = Signal(object)  # Outcome picked from the legend
    submitted = Signal(object, object)  # Outcome, OutcomeDetails (already checked)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Outcomes")
        self.outcome: Outcome | None = None
        self.legend = QWidget()
        grid = QGridLayout(self.legend)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        self.buttons: dict[Outcome, QPushButton] = {}
        columns = 5
        for index, item in enumerate(OUTCOME_KEYS):
            who = ATTRIBUTION_WORDS[attribution(item.outcome)]
            button = QPushButton(f"{item.key}  {item.label}")
            button.setToolTip(f"{item.label} — attributed to: {who}. Key: {item.key}")
            button.setAccessibleName(f"{item.label} (key {item.key}, {who})")
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.clicked.connect(lambda _=False, o=item.outcome: self.chosen.emit(o))
            self.buttons[item.outcome] = button
            grid.addWidget(button, index // columns, index % columns)
        self.addWidget(self.legend)
        self._build_details()

    def _build_details(self) -> None:
        self.details = QWidget()
        self.title = QLabel("")
        self.title.setAccessibleName("Outcome being recorded")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.risks = YesNo("Risks of refusing explained")
        self.capacity = YesNo("Concern about capacity")
        self.witness = QLineEdit()
        self.witness.setAccessibleName("Witness name")
        self.reason = QLineEdit()
        self.reason.setMaxLength(200)
        self.reason.setAccessibleName("Reason")
        self.message = MessageLine("Outcome message")
        self.record_button = QPushButton("&Record")
        self.cancel_button = QPushButton("Cancel (Esc)")
        self.rows = FormRows()
        self.form = self.rows.layout
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.rows.add("Risks of refusing &explained", self.risks)
        self.rows.add("Concern about &capacity", self.capacity)
        self.rows.add("&Witness name", self.witness)
        reason_row = self.rows.add("Re&ason", self.reason)
        assert reason_row.caption is not None  # a text field's row always has its caption
        self.reason_label = reason_row.caption
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.record_button)
        column = QVBoxLayout(self.details)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.title)
        column.addLayout(self.form)
        column.addLayout(buttons)
        self.addWidget(self.details)
        self.record_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.cancel)
        for line in (self.witness, self.reason):
            line.returnPressed.connect(self.submit)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.details, self.cancel)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            submit = QShortcut(QKeySequence(keys), self.details, self.submit)
            submit.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def ask(self, outcome: Outcome, where: str) -> None:
        """Show the details `outcome` needs; `where` names the row (location, not the name)."""
        self.outcome = outcome
        refused = outcome is Outcome.REFUSED
        prison = attribution(outcome) is Attribution.PRISON
        for widget in (self.risks, self.capacity, self.witness):
            self.form.setRowVisible(widget, refused)
            if isinstance(widget, YesNo):
                widget.set_value(None)
        self.witness.clear()
        self.reason.clear()
        self.form.setRowVisible(self.reason, refused or prison)
        self.reason_label.setText("Re&ason" if prison else "Re&ason (optional)")
        label = OUTCOME_LABELS[outcome]
        if outcome is Outcome.DECEASED:
            self.title.setText(f"Record {where} as deceased? Press Record to confirm.")
        elif prison:
            self.title.setText(
                f"{label} ({where}): give the reason — it goes on the prison exception report."
            )
        else:
            self.title.setText(f"{label} ({where}): record the three refusal details.")
        self.show_message("")
        self.setCurrentWidget(self.details)
        first = self.risks if refused else self.reason if prison else self.record_button
        first.setFocus()

    def details_given(self) -> OutcomeDetails:
        return OutcomeDetails(
            reason=clean(self.reason.text()) or None,
            risks_explained=self.risks.value(),
            capacity_concern=self.capacity.value(),
            witness_name=clean(self.witness.text()) or None,
        )

    def submit(self) -> None:
        if self.outcome is None or self.currentWidget() is not self.details:
            return
        details = self.details_given()
        problems = validate_outcome(self.outcome, details)
        if problems:
            self.show_message(" ".join(problems))
            return
        self.submitted.emit(self.outcome, details)

    def cancel(self) -> None:
        self.show_legend()
        self.cancelled.emit()

    def show_legend(self) -> None:
        self.outcome = None
        self.setCurrentWidget(self.legend)

    def show_message(self, text: str) -> None:
        self.message.problem(text)
