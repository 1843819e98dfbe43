"""Planning and closing a wing clinic session (services/clinics/sessions.py), as panels of the
runner.

`SessionCreator` plans a session for a clinic type on one or more wings (the list is filled from
the roll by the clinic's purpose). `SessionCloser` closes it; a session that could not run (a
lockdown) can be closed with one outcome, and its reason, for everyone still waiting.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCompleter,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hjdesk.clinical.attendance import ClinicType, RegimePeriod, SessionStatus
from hjdesk.services import clinics
from hjdesk.services.clinics import SessionSummary, SessionView
from hjdesk.storage.errors import KnownError
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.context import PageContext
from hjdesk.ui.pages.clinic_outcomes import OUTCOME_LABELS
from hjdesk.ui.widgets.fields import Combo, clean
from hjdesk.ui.widgets.form_rows import FormRows
from hjdesk.ui.widgets.message_line import MessageLine

CLINIC_TYPE_LABELS = {
    ClinicType.SECOND_STAGE_ASSESSMENT: "Second-stage assessments",
    ClinicType.LTC_DIABETES: "Diabetes reviews",
    ClinicType.LTC_HYPERTENSION: "Hypertension reviews",
    ClinicType.LTC_RESPIRATORY: "Respiratory reviews (asthma, COPD)",
    ClinicType.LTC_EPILEPSY: "Epilepsy reviews",
    ClinicType.OLDER_PRISONER: "Older prisoner reviews",
    ClinicType.MH_IN_REACH: "Mental health in-reach",
    ClinicType.IMMS_SCREENING: "Immunisations and screening",
    ClinicType.SMOKING_CESSATION: "Stop smoking",
    ClinicType.NEURODIVERSITY: "Neurodiversity",
    ClinicType.GENERAL_NURSE: "General nurse clinic",
}
PERIOD_LABELS = {RegimePeriod.AM: "AM", RegimePeriod.PM: "PM", RegimePeriod.ED: "ED (evening)"}


def _buttons(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    for widget in widgets:
        row.addWidget(widget)
    return row


class _Panel(QWidget):
    """A small form with a message line; Esc cancels."""

    done = Signal(object)  # the SessionView made or closed
    cancelled = Signal()

    def __init__(self, context: PageContext, title: str) -> None:
        super().__init__()
        self.context = context
        self.setAccessibleName(title)
        self.heading = QLabel(title)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.rows = FormRows()
        self.form = self.rows.layout
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.message = MessageLine(f"{title} message")
        self.cancel_button = QPushButton("Cancel (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.cancel)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def cancel(self) -> None:
        self.show_message("")
        self.cancelled.emit()

    def show_message(self, text: str) -> None:
        self.message.problem(text)

    def failed(self, exc: KnownError) -> None:
        self.show_message(str(exc))


class SessionCreator(_Panel):
    def __init__(self, context: PageContext) -> None:
        super().__init__(context, "New clinic session")
        self.clinic_type = Combo(
            tuple((t.value, label) for t, label in CLINIC_TYPE_LABELS.items()), "Clinic type"
        )
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("dd/MM/yyyy")
        self.day.setAccessibleName("Session date")
        self.period = Combo(tuple((p.value, label) for p, label in PERIOD_LABELS.items()), "Period")
        self.wings = QLineEdit()
        self.wings.setAccessibleName("Wings or landings")
        self.wings.setPlaceholderText("e.g. A, or A-2 for one landing; several with commas")
        self.officer = QLineEdit()
        self.officer.setAccessibleName("Facilitating officer")
        self.rows.add("Clinic &type", self.clinic_type)
        self.rows.add("&Date", self.day)
        self.rows.add("&Period", self.period)
        self.rows.add("&Wings", self.wings)
        self.rows.add("Facilitating &officer", self.officer)
        self.create_button = QPushButton("Create &session")
        self.create_button.clicked.connect(self.submit)
        self.wings.returnPressed.connect(self.submit)
        self.officer.returnPressed.connect(self.submit)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.heading)
        column.addLayout(self.form)
        column.addWidget(self.message)
        column.addLayout(_buttons(self.cancel_button, self.create_button))

    def start(self) -> None:
        """Reset and focus; the wing list is loaded for the completer."""
        self.show_message("")
        self.day.setDate(QDate.currentDate())
        self.clinic_type.setFocus()
        vault = self.context.vault
        if vault is not None:
            self.context.runner.run_task(
                lambda: clinics.clinic_wings(vault), self._wings, self.failed
            )

    def _wings(self, wings: tuple[str, ...]) -> None:
        completer = QCompleter(list(wings), self.wings)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.wings.setCompleter(completer)
        self.wings.setToolTip("Wings here: " + ", ".join(wings))

    def submit(self) -> None:
        vault = self.context.vault
        if vault is None:
            return
        kind, period = self.clinic_type.value(), self.period.value()
        wings = [clean(w).upper() for w in self.wings.text().split(",") if clean(w)]
        missing = [
            what
            for what, given in (
                ("the clinic type", kind),
                ("the period", period),
                ("a wing", wings),
            )
            if not given
        ]
        if missing:
            self.show_message("Choose " + ", ".join(missing) + ".")
            return
        day: date = self.day.date().toPython()  # type: ignore[assignment]
        officer = clean(self.officer.text())
        self.context.runner.run_task(
            lambda: clinics.create_session(
                vault,
                clinic_type=kind,
                session_date=day,
                period=period,
                wings=wings,
                facilitating_officer=officer,
            ),
            self.done.emit,
            self.failed,
            write=True,
        )


# Closing a whole list at once is for a session that could not run: never seen or refused.
BULK_OUTCOMES = clinics.BULK_OUTCOMES


class SessionCloser(_Panel):
    missing = Signal(tuple)  # appointment ids still without an outcome

    def __init__(self, context: PageContext) -> None:
        super().__init__(context, "Close the session")
        self.session_id: str | None = None
        self.remaining = Combo(
            tuple((o.value, OUTCOME_LABELS[o]) for o in BULK_OUTCOMES),
            "Outcome for everyone still waiting",
        )
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for everyone still waiting")
        self.rows.add("Everyone still &waiting (if the clinic could not run)", self.remaining)
        self.rows.add("&Reason", self.reason)
        self.close_button = QPushButton("C&lose session")
        self.close_button.clicked.connect(self.close_session)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.heading)
        column.addWidget(
            QLabel("Every appointment needs an outcome first; leave the box blank to check.")
        )
        column.addLayout(self.form)
        column.addWidget(self.message)
        column.addLayout(_buttons(self.cancel_button, self.close_button))

    def start(self, session_id: str) -> None:
        self.session_id = session_id
        self.remaining.set_value(None)
        self.reason.clear()
        self.show_message("")
        self.close_button.setFocus()

    def failed(self, exc: KnownError) -> None:
        super().failed(exc)
        if isinstance(exc, clinics.OutcomesMissing):
            self.missing.emit(exc.appointment_ids)

    def close_session(self) -> None:
        vault, session_id = self.context.vault, self.session_id
        if vault is None or session_id is None:
            return
        remaining = self.remaining.value()
        reason = clean(self.reason.text()) or None
        self.context.runner.run_task(
            lambda: clinics.close_session(
                vault, session_id, remaining_outcome=remaining, reason=reason
            ),
            self.done.emit,
            self.failed,
            write=True,
        )


def load_sessions(vault: OpenVault, day: date) -> tuple[SessionSummary, ...]:
    """The day's sessions, then any session still open from another day (worker thread)."""
    open_ones = [
        s
        for status in (SessionStatus.IN_PROGRESS, SessionStatus.PLANNED)
        for s in clinics.list_sessions(vault, status=status)
        if s.session_date != day
    ]
    return clinics.list_sessions(vault, date=day) + tuple(open_ones)


def session_title(view: SessionView) -> str:
    return (
        f"{CLINIC_TYPE_LABELS[view.clinic_type]} · {view.session_date:%a %d %b %Y} "
        f"{view.period.value} · wing {', '.join(view.wings)}"
    )
