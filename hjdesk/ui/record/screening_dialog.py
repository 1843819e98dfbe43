"""Recording a screening or immunisation event (domain.md §8): programme, date, outcome, batch,
next due. The service checks it and says every problem at once; the dialog shows that inline."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services.common import local_today
from hjdesk.services.patients import ScreeningView, record_screening
from hjdesk.ui.context import PageContext
from hjdesk.ui.record.write_dialog import WriteDialog
from hjdesk.ui.widgets.form_rows import FormRows
from hjdesk.ui.widgets.message_line import MessageLine

# Offered in the list; any other programme can be typed (the service stores it upper-cased).
PROGRAMMES = (
    ("AAA_SCREENING", "AAA screening (men in the year they turn 65)"),
    ("BBV_TEST", "Blood-borne virus test"),
    ("HEPATITIS_B_VACCINE", "Hepatitis B vaccine"),
    ("FLU_VACCINE", "Flu vaccine"),
    ("COVID_19_VACCINE", "COVID-19 vaccine"),
    ("PNEUMOCOCCAL_VACCINE", "Pneumococcal vaccine"),
    ("SHINGLES_VACCINE", "Shingles vaccine"),
    ("MMR_VACCINE", "MMR vaccine"),
    ("BOWEL_SCREENING", "Bowel screening"),
    ("CERVICAL_SCREENING", "Cervical screening"),
)
DATE_FORMAT = "dd/MM/yyyy"


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class ScreeningDialog(WriteDialog):
    def __init__(
        self,
        context: PageContext,
        patient_id: str,
        who: str,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.patient_id = patient_id
        self.saved: ScreeningView | None = None
        day = today or local_today()
        self.setWindowTitle("Record a screening or immunisation")
        self.setAccessibleName("Record a screening or immunisation")
        for_whom = QLabel(f"For {who}")
        for_whom.setAccessibleName("Patient")
        self.programme = QComboBox()
        self.programme.setEditable(True)
        self.programme.setAccessibleName("Programme")
        line = self.programme.lineEdit()
        if line is not None:  # the typing part is its own control to a screen reader
            line.setAccessibleName("Programme")
        self.programme.addItem("", "")
        for code, name in PROGRAMMES:
            self.programme.addItem(name, code)
        self.programme.setCurrentIndex(0)
        self.event_date = QDateEdit(_qdate(day))
        self.event_date.setCalendarPopup(True)
        self.event_date.setDisplayFormat(DATE_FORMAT)
        self.event_date.setAccessibleName("Date of the event")
        self.outcome = QLineEdit()
        self.outcome.setAccessibleName("Outcome")
        self.outcome.setPlaceholderText("e.g. Given, Declined, Normal, Referred")
        self.batch = QLineEdit()
        self.batch.setAccessibleName("Batch number")
        self.batch.setPlaceholderText("for vaccines")
        self.has_next_due = QCheckBox("Ne&xt due:")
        self.has_next_due.setAccessibleName("Record a next due date")
        self.next_due = QDateEdit(_qdate(day))
        self.next_due.setCalendarPopup(True)
        self.next_due.setDisplayFormat(DATE_FORMAT)
        self.next_due.setAccessibleName("Next due date")
        self.next_due.setEnabled(False)
        self.error = MessageLine("Screening problem")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Sign and save")
        self.save_button.setAccessibleName("Sign and save the screening or immunisation")
        self._lay_out(for_whom)

    def _lay_out(self, for_whom: QLabel) -> None:
        form = QFormLayout()

        rows = FormRows(form)
        for caption, widget in (
            ("&Programme:", self.programme),
            ("&Date:", self.event_date),
            ("&Outcome:", self.outcome),
            ("&Batch:", self.batch),
        ):
            rows.add(caption, widget)
        due_row = QHBoxLayout()
        due_row.addWidget(self.next_due)
        due_row.addStretch(1)
        form.addRow(self.has_next_due, due_row)
        layout = QVBoxLayout(self)
        layout.addWidget(for_whom)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.has_next_due.toggled.connect(self.next_due.setEnabled)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

    def programme_code(self) -> str:
        """The chosen programme's code, or what was typed."""
        text = self.programme.currentText().strip()
        index = self.programme.findText(text)
        if index >= 0 and self.programme.itemData(index):
            return str(self.programme.itemData(index))
        return text.replace(" ", "_").replace("-", "_")

    def save(self) -> None:
        vault = self.context.vault
        if vault is None:
            self._problem("The laptop is locked.")
            return
        programme = self.programme_code()
        when = _pydate(self.event_date.date())
        outcome = self.outcome.text()
        batch = self.batch.text().strip() or None
        next_due = _pydate(self.next_due.date()) if self.has_next_due.isChecked() else None
        patient_id = self.patient_id
        self.save_button.setEnabled(False)
        self.context.runner.run_task(
            lambda: record_screening(
                vault, patient_id, programme, when, outcome, batch=batch, next_due=next_due
            ),
            self._saved,
            self._failed,
            write=True,
        )

    def _saved(self, view: ScreeningView) -> None:
        self.saved = view
        self.accept()
