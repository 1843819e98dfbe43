"""Wing clinics: choose or plan a session, then run its list from the keyboard (domain.md §5).

The list is in unlock (location) order with each patient's reason and alerts. With the list
focused, one key records an outcome for the selected row and moves to the next (1-9 and letters,
shown under the list); outcomes that need details ask for them first. A seen outcome opens the
encounter form for that appointment, and the row says when its note is signed. Enter on a seen row
whose note is not signed reopens the form; Ctrl+O opens the patient's record.

Names and numbers go through the privacy switch; messages name rows by location only.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hjdesk.clinical.attendance import Outcome, OutcomeDetails, SessionStatus, is_seen
from hjdesk.services import clinics
from hjdesk.services.clinics import AppointmentView, SessionSummary, SessionView
from hjdesk.storage.errors import KnownError
from hjdesk.ui.context import PageContext
from hjdesk.ui.encounter import EncounterDialog, kind_for_visit, open_encounter_dialog
from hjdesk.ui.pages.base import Page
from hjdesk.ui.pages.clinic_list import ClinicTable, session_header, summary_label
from hjdesk.ui.pages.clinic_outcomes import OUTCOME_LABELS, OutcomePanel, needs_details
from hjdesk.ui.pages.clinic_sessions import SessionCloser, SessionCreator, load_sessions
from hjdesk.ui.print_menu import PrintButton
from hjdesk.ui.widgets.fields import Swap
from hjdesk.ui.widgets.message_line import MessageLine

HINT = (
    "Keys on the list: an outcome key records it and moves down · Enter writes the note "
    "of a seen patient · Ctrl+O opens the record"
)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class ClinicsPage(Page):
    title = "Wing clinics"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.view: SessionView | None = None
        self.dialog: EncounterDialog | None = None
        self._build()
        self._connect()
        context.privacy.changed.connect(lambda _: self._fill())

    def _build(self) -> None:
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("dd/MM/yyyy")
        self.day.setAccessibleName("Day")
        self.sessions = QComboBox()
        self.sessions.setAccessibleName("Session")
        self.sessions.setMinimumContentsLength(24)
        self.sessions.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.new_button = QPushButton("&New session…")
        self.start_button = QPushButton("S&tart")
        self.close_button = QPushButton("C&lose session…")
        self.record_button = QPushButton("Open rec&ord")
        self.record_button.setToolTip("Open the selected patient's record (Ctrl+O)")
        day_label, session_label = QLabel("&Day"), QLabel("&Session")
        day_label.setBuddy(self.day)
        session_label.setBuddy(self.sessions)
        bar = QHBoxLayout()
        for widget in (day_label, self.day, session_label):
            bar.addWidget(widget)
        bar.addWidget(self.sessions, 1)
        for button in (self.new_button, self.start_button, self.close_button, self.record_button):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
            bar.addWidget(button)
        self.print_button = PrintButton(
            self.context,
            ("clinic-list", "unlock-list", "session-outcomes"),
            lambda: {"session_id": self.view.id} if self.view is not None else None,
        )
        bar.addWidget(self.print_button)
        self.header = QLabel("")
        self.header.setWordWrap(True)
        self.header.setAccessibleName("Session details")
        self.table = ClinicTable(self.context.privacy)
        self.message = MessageLine("Clinic message")
        self.message.info(HINT)
        self.outcomes = OutcomePanel()
        self.creator = SessionCreator(self.context)
        self.closer = SessionCloser(self.context)
        self.bottom = Swap()
        for panel in (self.outcomes, self.creator, self.closer):
            self.bottom.addWidget(panel)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.header)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.bottom)

    def _connect(self) -> None:
        self.day.dateChanged.connect(lambda _: self.refresh())
        self.sessions.activated.connect(self._session_chosen)
        self.new_button.clicked.connect(self._new_session)
        self.start_button.clicked.connect(self._start_session)
        self.close_button.clicked.connect(self._close_session)
        self.record_button.clicked.connect(self.open_record)
        self.table.outcome_key.connect(self.choose)
        self.table.activated.connect(self.activate)
        self.table.itemSelectionChanged.connect(self._buttons)
        self.outcomes.chosen.connect(self.choose)
        self.outcomes.submitted.connect(self._record)
        self.outcomes.cancelled.connect(self.table.setFocus)
        self.creator.done.connect(self._created)
        self.closer.done.connect(self._closed)
        self.creator.cancelled.connect(self._back_to_list)
        self.closer.cancelled.connect(self._back_to_list)
        self.closer.missing.connect(self._select_missing)
        shortcut = QShortcut(QKeySequence("Ctrl+O"), self, self.open_record)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # --- the page hooks -----------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the day's sessions and the session shown (another laptop may have synced)."""
        self._load_list(reload_view=True)

    def open_target(self, target: object) -> None:
        if isinstance(target, str) and target:
            self.show_session(target)

    def save_drafts(self) -> None:
        if self.dialog is not None and self.dialog.isVisible() and self.dialog.form.dirty:
            self.dialog.form.save_draft()
            self.context.runner.wait()  # the write must land before the lock takes the key

    def clear(self) -> None:
        if self.dialog is not None:
            self.dialog.close_without_asking()
            self.dialog = None
        self.view = None
        self.sessions.clear()
        self.table.show_rows(())
        self.header.clear()
        self.show_message(HINT, error=False)
        self.outcomes.show_legend()
        self.bottom.setCurrentWidget(self.outcomes)
        self._buttons()

    # --- sessions -----------------------------------------------------------------------

    def _load_list(self, *, reload_view: bool) -> None:
        vault = self.context.vault
        if vault is None:
            return
        day: date = self.day.date().toPython()  # type: ignore[assignment]
        self.context.runner.run_task(
            lambda: load_sessions(vault, day),
            lambda found: self._list_loaded(found, reload_view),
            self._failed,
        )

    def _list_loaded(self, summaries: tuple[SessionSummary, ...], reload_view: bool) -> None:
        self.sessions.clear()
        for s in summaries:
            self.sessions.addItem(summary_label(s), s.id)
        if not summaries:
            self.sessions.addItem("No sessions on this day: press New session", None)
        keep = self.sessions.findData(self.view.id) if self.view else -1
        self.sessions.setCurrentIndex(max(keep, 0))
        chosen = self.sessions.currentData()
        if chosen and reload_view:
            self.show_session(chosen)
        elif not chosen:
            self.view = None
            self._fill()

    def _session_chosen(self, _index: int) -> None:
        chosen = self.sessions.currentData()
        if chosen:
            self.show_session(chosen)

    def show_session(self, session_id: str) -> None:
        vault = self.context.vault
        if vault is None:
            return
        self.context.runner.run_task(
            lambda: clinics.session_view(vault, session_id), self._show_view, self._failed
        )

    def _show_view(self, view: SessionView) -> None:
        self.view = view
        if self.sessions.findData(view.id) < 0:
            # Another day, or a new session: list that day's sessions without reloading this.
            self.day.blockSignals(True)
            self.day.setDate(_qdate(view.session_date))
            self.day.blockSignals(False)
            self._load_list(reload_view=False)
        self._fill()
        waiting = [i for i, a in enumerate(view.appointments) if a.outcome is None]
        self.table.select(waiting[0] if waiting else 0)
        self.bottom.setCurrentWidget(self.outcomes)
        self.table.setFocus()

    def _new_session(self) -> None:
        self.bottom.setCurrentWidget(self.creator)
        self.creator.start()

    def _created(self, view: SessionView) -> None:
        self._show_view(view)
        self.show_message(f"Session planned with {len(view.appointments)} on the list.", False)

    def _start_session(self) -> None:
        vault, view = self.context.vault, self.view
        if vault is not None and view is not None:
            self.context.runner.run_task(
                lambda: clinics.start_session(vault, view.id),
                self._show_view,
                self._failed,
                write=True,
            )

    def _close_session(self) -> None:
        if self.view is not None:
            self.bottom.setCurrentWidget(self.closer)
            self.closer.start(self.view.id)

    def _closed(self, view: SessionView) -> None:
        self._show_view(view)
        self.show_message("Session closed.", False)
        self.context.navigator.data_changed.emit()

    def _select_missing(self, ids: tuple[str, ...]) -> None:
        rows = [i for i, a in enumerate(self.table.rows) if a.id in ids]
        if rows:
            self.table.select(rows[0])

    def _back_to_list(self) -> None:
        self.bottom.setCurrentWidget(self.outcomes)
        self.table.setFocus()

    def _fill(self) -> None:
        view = self.view
        self.table.show_rows(view.appointments if view else ())
        self.header.setText(session_header(view) if view else "")
        index = self.sessions.findData(view.id) if view else -1
        if view is not None and index >= 0:
            self.sessions.setItemText(index, summary_label(view))
            self.sessions.setCurrentIndex(index)
        self._buttons()

    def _buttons(self) -> None:
        status = self.view.status if self.view else None
        self.start_button.setEnabled(status is SessionStatus.PLANNED)
        self.close_button.setEnabled(status in (SessionStatus.PLANNED, SessionStatus.IN_PROGRESS))
        self.record_button.setEnabled(self.table.current() is not None)
        self.outcomes.setEnabled(bool(self.table.rows))

    # --- outcomes -----------------------------------------------------------------------

    def choose(self, outcome: Outcome) -> None:
        """An outcome for the selected row: ask for its details, or record it at once."""
        appointment = self.table.current()
        if appointment is None:
            self.show_message("Choose a row of the list first.")
            return
        if appointment.outcome is outcome and is_seen(outcome):
            if appointment.encounter_id:
                self.show_message(
                    "The note for this appointment is signed: amend it from the record."
                )
            else:
                self.open_encounter(appointment)
            return
        if appointment.outcome is not None and appointment.outcome is not outcome:
            answer = QMessageBox.question(
                self,
                "Change the outcome?",
                f"{appointment.location or 'This row'} is already recorded as "
                f"{OUTCOME_LABELS[appointment.outcome]}. Change it to {OUTCOME_LABELS[outcome]}?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        if needs_details(outcome):
            where = appointment.location or f"row {self.table.currentRow() + 1}"
            self.outcomes.ask(outcome, where)
            return
        self._record(outcome, OutcomeDetails())

    def _record(self, outcome: Outcome, details: OutcomeDetails) -> None:
        vault, appointment = self.context.vault, self.table.current()
        if vault is None or appointment is None:
            return
        self.context.runner.run_task(
            lambda: clinics.record_outcome(
                vault,
                appointment.id,
                outcome,
                reason=details.reason,
                risks_explained=details.risks_explained,
                capacity_concern=details.capacity_concern,
                witness_name=details.witness_name,
            ),
            self._recorded,
            self._outcome_failed,
            write=True,
        )

    def _recorded(self, saved: AppointmentView) -> None:
        self._replace(saved)
        self.outcomes.show_legend()
        outcome = OUTCOME_LABELS[saved.outcome] if saved.outcome else ""
        notes = [f"Recorded {outcome.lower()} for {saved.location or 'this row'}."]
        if saved.refusal_review_task_id:
            notes.append("Repeated refusals: a review task was raised.")
        if saved.prompt_release_summary:
            notes.append("Prepare the transfer/release health summary (Ctrl+O opens the record).")
        self.show_message(" ".join(notes), False)
        self.context.navigator.data_changed.emit()
        self.table.select(self.table.currentRow() + 1)
        self.table.setFocus()
        if saved.opens_encounter:
            self.open_encounter(saved)

    def _outcome_failed(self, exc: KnownError) -> None:
        asking = self.outcomes.currentWidget() is self.outcomes.details
        if asking:
            self.outcomes.show_message(str(exc))
            return
        self._failed(exc)

    def _replace(self, saved: AppointmentView) -> None:
        view = self.view
        if view is None:
            return
        rows = tuple(saved if a.id == saved.id else a for a in view.appointments)
        # Recording the first outcome starts a planned session (clinic_outcomes).
        status = SessionStatus.IN_PROGRESS if view.status is SessionStatus.PLANNED else view.status
        self.view = replace(view, appointments=rows, status=status)
        self._fill()

    # --- the encounter a seen outcome leads to ------------------------------------------

    def activate(self) -> None:
        """Enter: the note of a seen row still unsigned, else the patient's record."""
        appointment = self.table.current()
        if appointment is None:
            return
        if appointment.opens_encounter and appointment.encounter_id is None:
            self.open_encounter(appointment)
        elif appointment.outcome is None:
            self.show_message("Press an outcome key (shown below the list) for this row.")
        else:
            self.open_record()

    def open_encounter(self, appointment: AppointmentView) -> None:
        vault, view = self.context.vault, self.view
        if vault is None or view is None:
            return
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            self.dialog.activateWindow()
            return
        kind = kind_for_visit(view.clinic_type, appointment.outcome, vault.actor.role)
        self.dialog = open_encounter_dialog(
            self.context,
            appointment.patient_id,
            kind,
            appointment_id=appointment.id,
            clinic_type=view.clinic_type.value,
            parent=self,
        )
        self.dialog.finished.connect(lambda _: self._encounter_closed(appointment.id))

    def _encounter_closed(self, appointment_id: str) -> None:
        dialog = self.dialog
        if dialog is not None and dialog.encounter_id:
            saved = next((a for a in self.table.rows if a.id == appointment_id), None)
            if saved is not None:
                self._replace(replace(saved, encounter_id=dialog.encounter_id))
                self.show_message(f"Note signed for {saved.location or 'this row'}.", False)
            self.context.navigator.data_changed.emit()
        self.table.setFocus()

    def open_record(self) -> None:
        appointment = self.table.current()
        if appointment is not None:
            self.context.navigator.open_patient(appointment.patient_id)

    # --- messages -----------------------------------------------------------------------

    def show_message(self, text: str, error: bool = True) -> None:
        if error:
            self.message.problem(text)
        else:
            self.message.info(text)

    def _failed(self, exc: KnownError) -> None:
        self.show_message(str(exc))
