"""Reports: pick a printed output (domain.md §10), the patient, session, wing or month it needs,
and save it as a PDF where you choose (hjdesk.ui.save_pdf does the saving for every page)."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hjdesk.reports.kinds import KINDS, Need, ReportKind, ReportRequest
from hjdesk.reports.text import words
from hjdesk.services.clinics import SessionSummary, list_sessions
from hjdesk.services.patients import PatientRow, search
from hjdesk.storage.errors import KnownError
from hjdesk.ui.clinic_time import clinic_now
from hjdesk.ui.context import PageContext
from hjdesk.ui.pages.base import Page
from hjdesk.ui.save_fhir import BUTTON_NAME, BUTTON_TEXT, save_fhir
from hjdesk.ui.save_pdf import save_pdf
from hjdesk.ui.widgets.form_rows import FormRows
from hjdesk.ui.widgets.message_line import MessageLine

FHIR_KIND = "transfer-summary"  # the one document that also goes out as FHIR
SESSIONS_SHOWN = 300  # newest first; older sessions are history
MONTHS_SHOWN = 18


def _months(today: date) -> list[date]:
    out, year, month = [], today.year, today.month
    for _ in range(MONTHS_SHOWN):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


class ReportsPage(Page):
    """One form: the document, then only the parameters that document takes."""

    title = "Reports"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._matches: list[PatientRow] = []
        self._sessions: list[SessionSummary] = []

        self.kind = QComboBox()
        self.kind.setAccessibleName("Document to print")
        for kind in KINDS.values():
            self.kind.addItem(kind.label, kind.name)
        self.about = QLabel("")
        self.about.setWordWrap(True)
        self.about.setAccessibleName("What the document holds")

        self.patient_text = QLineEdit()
        self.patient_text.setPlaceholderText("Prison number, NHS number or name")
        self.patient_text.setAccessibleName("Find the patient")
        self.find_button = QPushButton("F&ind")
        self.find_button.setAccessibleName("Find the patient")
        self.patient = QComboBox()
        self.patient.setAccessibleName("Patient")
        self.session = QComboBox()
        self.session.setAccessibleName("Clinic session")
        self.wing = QComboBox()
        self.wing.setAccessibleName("Wing")
        self.month = QComboBox()
        self.month.setAccessibleName("Month")
        self.save = QPushButton("&Save as PDF…")
        self.save.setAccessibleName("Save the document as a PDF")
        # The transfer/release summary can also go to another NHS system as FHIR.
        self.save_fhir = QPushButton(BUTTON_TEXT)
        self.save_fhir.setAccessibleName(BUTTON_NAME)
        self.message = MessageLine("Result")
        self._lay_out(context)

    def _lay_out(self, context: PageContext) -> None:
        finder = QHBoxLayout()
        finder.addWidget(self.patient_text, 1)
        finder.addWidget(self.find_button)
        rows = FormRows()
        self.form = rows.layout
        rows.add("&Document:", self.kind)
        self.form.addRow(self.about)
        self._rows: dict[str, int] = {}
        for name, text, buddy, field in (
            ("patient_text", "&Patient:", self.patient_text, finder),
            ("patient", "&Match:", self.patient, self.patient),
            ("session", "S&ession:", self.session, self.session),
            ("wing", "&Wing:", self.wing, self.wing),
            ("month", "M&onth:", self.month, self.month),
        ):
            self._rows[name] = self.form.rowCount()
            rows.add(text, buddy, shown=field)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save)
        buttons.addWidget(self.save_fhir)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.setTabOrder(self.kind, self.patient_text)
        self.setTabOrder(self.patient_text, self.find_button)
        self.setTabOrder(self.find_button, self.patient)
        self.setTabOrder(self.patient, self.session)
        self.setTabOrder(self.session, self.wing)
        self.setTabOrder(self.wing, self.month)
        self.setTabOrder(self.month, self.save)
        self.setTabOrder(self.save, self.save_fhir)

        self.kind.currentIndexChanged.connect(lambda _: self._kind_changed())
        self.find_button.clicked.connect(self._find)
        self.patient_text.returnPressed.connect(self._find)
        self.save.clicked.connect(self._save)
        self.save_fhir.clicked.connect(self._save_fhir)
        context.privacy.changed.connect(lambda _: self._redraw_patients())
        self._fill_months()
        self._kind_changed()

    # -- the page hooks -----------------------------------------------------------------------

    def refresh(self) -> None:
        vault = self.vault
        if vault is None:
            return
        self.context.runner.run_task(
            lambda: list(list_sessions(vault)[:SESSIONS_SHOWN]), self._show_sessions, self._failed
        )

    def clear(self) -> None:
        self._matches = []
        self._sessions = []
        self.patient_text.clear()
        self.patient.clear()
        self._show_sessions([])
        self.message.clear()

    def open_target(self, target: object) -> None:
        """Open with a document chosen (a ReportRequest, or a kind name)."""
        name = target.kind if isinstance(target, ReportRequest) else target
        index = self.kind.findData(name)
        if index >= 0:
            self.kind.setCurrentIndex(index)

    # -- choosing ------------------------------------------------------------------------------

    @property
    def current_kind(self) -> ReportKind:
        return KINDS[str(self.kind.currentData())]

    def _kind_changed(self) -> None:
        kind = self.current_kind
        self.about.setText(kind.about[:1].upper() + kind.about[1:] + ".")
        for row, need in (
            (self._rows["patient_text"], kind.patient),
            (self._rows["patient"], kind.patient),
            (self._rows["session"], kind.session),
            (self._rows["wing"], kind.wing),
            (self._rows["month"], kind.month),
        ):
            self.form.setRowVisible(row, need is not Need.NO)
        self.month.setItemText(0, "This month" if kind.session is Need.OPTIONAL else "Every month")
        self.save_fhir.setVisible(kind.name == FHIR_KIND)
        first = "Whole month instead" if kind.session is Need.OPTIONAL else "Choose a session…"
        if self.session.count():
            self.session.setItemText(0, first)
        self.message.clear()

    def _fill_months(self) -> None:
        self.month.clear()
        self.month.addItem("Every month", None)
        for first in _months(clinic_now().date()):
            self.month.addItem(f"{first:%B %Y}", first)

    def _show_sessions(self, sessions: list[SessionSummary]) -> None:
        self._sessions = sessions
        self.session.clear()
        self.session.addItem("Choose a session…", None)
        for s in sessions:
            text = (
                f"{s.session_date:%a %d %b %Y} {s.period.value} · {words(s.clinic_type.value)} · "
                f"wings {', '.join(s.wings)} · {words(s.status.value).lower()} · "
                f"{s.appointments} booked"
            )
            self.session.addItem(text, s.id)
        wings = sorted({w.split("-")[0] for s in sessions for w in s.wings})
        self.wing.clear()
        self.wing.addItem("All wings", None)
        for wing in wings:
            self.wing.addItem(f"Wing {wing}", wing)
        self._kind_changed()

    def _find(self) -> None:
        vault = self.vault
        text = self.patient_text.text().strip()
        if vault is None or not text:
            return
        self.context.runner.run_task(lambda: search(vault, text), self._show_matches, self._failed)

    def _show_matches(self, rows: list[PatientRow]) -> None:
        self._matches = rows
        self._redraw_patients()
        self.message.info(
            "" if rows else "Nobody matches: try the prison number, NHS number or family name."
        )
        if rows:
            self.patient.setFocus()

    def _redraw_patients(self) -> None:
        privacy = self.context.privacy
        chosen = self.patient.currentData()
        self.patient.clear()
        for row in self._matches:
            where = row.location if row.on_roll else "left"
            text = (
                f"{privacy.name(row.display_name)} · {privacy.identifier(row.prison_number)} · "
                f"born {privacy.dob(f'{row.date_of_birth:%d/%m/%Y}')} · {where}"
            )
            self.patient.addItem(text, row.id)
        index = self.patient.findData(chosen)
        if index >= 0:
            self.patient.setCurrentIndex(index)

    # -- saving --------------------------------------------------------------------------------

    def params(self) -> dict[str, object]:
        kind = self.current_kind
        chosen: dict[str, object] = {}
        if kind.patient is not Need.NO and self.patient.currentData():
            chosen["patient_id"] = self.patient.currentData()
        if kind.session is not Need.NO and self.session.currentData():
            chosen["session_id"] = self.session.currentData()
        if kind.wing is not Need.NO and self.wing.currentData():
            chosen["wing"] = self.wing.currentData()
        if kind.month is not Need.NO and self.month.currentData():
            chosen["month"] = self.month.currentData()
        return chosen

    def _save(self) -> None:
        self.message.clear()
        save_pdf(
            self,
            self.context,
            self.current_kind.name,
            on_started=lambda: self.message.info("Saving…"),
            on_saved=self.message.success,
            on_failed=self._failed,
            **self.params(),
        )

    def _save_fhir(self) -> None:
        self.message.clear()
        save_fhir(
            self,
            self.context,
            self.patient.currentData(),
            on_started=lambda: self.message.info("Saving…"),
            on_saved=self.message.success,
            on_failed=self._failed,
        )

    def _failed(self, exc: KnownError) -> None:
        self.message.fail(exc)
