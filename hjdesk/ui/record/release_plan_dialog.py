"""Starting or updating a transfer/release plan (domain.md §9). What a plan still lacks is a
warning shown on the release tab, never a refusal (a short-notice move must be recordable with
whatever is known); what cannot be saved (no type of move, a plan changed meanwhile) is said
inline here."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from hjdesk.clinical.release import GpRegistrationStatus, MovementType, ReconnectStatus
from hjdesk.services.common import local_today
from hjdesk.services.release import ReleasePlanStatus, ReleasePlanView, save_release_plan
from hjdesk.ui.context import PageContext
from hjdesk.ui.record.tab_base import words
from hjdesk.ui.record.write_dialog import WriteDialog
from hjdesk.ui.widgets.form_rows import FormRows
from hjdesk.ui.widgets.message_line import MessageLine
from hjdesk.ui.widgets.stored_fields import StoredChoice, StoredDate, StoredNumber

MOVEMENTS = {
    MovementType.RELEASE: "Release",
    MovementType.TRANSFER: "Transfer to another prison",
    MovementType.COURT: "Court",
    MovementType.HOSPITAL: "Hospital",
    MovementType.REMOVAL: "Removal (immigration)",
}
STATUSES = {
    ReleasePlanStatus.OPEN: "Open (planning)",
    ReleasePlanStatus.DONE: "Done (the move has happened)",
    ReleasePlanStatus.CANCELLED: "Cancelled (the move will not happen)",
}
NOT_RECORDED = "not recorded"


class ReleasePlanDialog(WriteDialog):
    """A new plan (`plan` None) or an edit of `plan` from the revision it was read at."""

    def __init__(
        self,
        context: PageContext,
        patient_id: str,
        who: str,
        plan: ReleasePlanView | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.patient_id = patient_id
        self.plan = plan
        self.saved: ReleasePlanView | None = None
        title = (
            "Update the transfer or release plan" if plan else "Start a transfer or release plan"
        )
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        for_whom = QLabel(f"For {who}")
        for_whom.setAccessibleName("Patient")
        self.movement = StoredChoice(
            "Type of move", ((str(k), v) for k, v in MOVEMENTS.items()), "Choose…"
        )
        self.has_date = QCheckBox("E&xpected date:")
        self.has_date.setAccessibleName("The expected date is known")
        self.expected = StoredDate(local_today())  # London's day, as every date a clinician reads
        self.expected.setAccessibleName("Expected date")
        self.destination = QLineEdit()
        self.destination.setAccessibleName("Destination")
        self.no_fixed_abode = QCheckBox("No &fixed abode")
        self.no_fixed_abode.setAccessibleName("No fixed abode")
        self.gp = QLineEdit()
        self.gp.setAccessibleName("Community GP practice")
        self.gp_registration = StoredChoice(
            "GP registration status",
            ((s.value, words(s.value)) for s in GpRegistrationStatus),
            NOT_RECORDED,
        )
        self.reconnect = StoredChoice(
            "RECONNECT referral status",
            ((s.value, words(s.value)) for s in ReconnectStatus),
            NOT_RECORDED,
        )
        self.days = StoredNumber(-1, 365)  # -1: not recorded
        self.days.setSpecialValueText(NOT_RECORDED)
        self.days.setAccessibleName("Days of medicine supplied")
        self.fp10 = QCheckBox("FP1&0 prescription given")
        self.fp10.setAccessibleName("FP10 prescription given")
        self.per = QCheckBox("P&ER health information done")
        self.per.setAccessibleName("Person Escort Record health information done")
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(80)
        self.status = StoredChoice("Plan status", ((str(k), v) for k, v in STATUSES.items()))
        self.error = MessageLine("Release plan problem")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Save plan")
        self.save_button.setAccessibleName("Save the plan")
        self._lay_out(for_whom, plan)

    def _lay_out(self, for_whom: QLabel, plan: ReleasePlanView | None) -> None:
        form = QFormLayout()

        rows = FormRows(form)
        for text, widget in (
            ("&Type of move:", self.movement),
            ("&Destination:", self.destination),
            ("Community &GP:", self.gp),
            ("GP &registration:", self.gp_registration),
            ("RE&CONNECT:", self.reconnect),
            ("Days of &medicine supplied:", self.days),
            ("&Notes:", self.notes),
            ("Plan stat&us:", self.status),
        ):
            rows.add(text, widget)
            if widget is self.movement:
                form.addRow(self.has_date, self.expected)
            if widget is self.destination:
                rows.add("", self.no_fixed_abode)
            if widget is self.days:
                rows.add("", self.fp10)
                rows.add("", self.per)
        layout = QVBoxLayout(self)
        layout.addWidget(for_whom)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.has_date.toggled.connect(self.expected.setEnabled)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.expected.setEnabled(False)
        if plan is not None:
            self._fill(plan)

    def _fill(self, plan: ReleasePlanView) -> None:
        # A stored code this version does not know shows as itself and is never saved as another.
        self.movement.keep(plan.movement_type)
        if plan.expected_date is not None:
            day = plan.expected_date
            self.has_date.setChecked(True)
            self.expected.keep(day)
        self.destination.setText(plan.destination)
        self.no_fixed_abode.setChecked(plan.no_fixed_abode)
        self.gp.setText(plan.community_gp)
        self.gp_registration.keep(plan.gp_registration)
        self.reconnect.keep(plan.reconnect_status)
        self.days.keep(
            -1 if plan.days_of_medicine_supplied is None else plan.days_of_medicine_supplied
        )
        self.fp10.setChecked(plan.fp10_given)
        self.per.setChecked(plan.per_done)
        self.notes.setPlainText(plan.notes)
        self.status.keep(plan.status)

    def save(self) -> None:
        vault = self.context.vault
        if vault is None:
            self._problem("The laptop is locked.")
            return
        unknown = self._unknown_codes()
        if unknown:
            self._problem(unknown)
            return
        expected = None
        if self.has_date.isChecked():
            expected = self.expected.value()
        plan_id, base_rev = (self.plan.id, self.plan.rev) if self.plan else (None, None)
        movement = str(self.movement.currentData() or "")
        destination, gp, notes = self.destination.text(), self.gp.text(), self.notes.toPlainText()
        no_fixed_abode, fp10, per = (
            self.no_fixed_abode.isChecked(),
            self.fp10.isChecked(),
            self.per.isChecked(),
        )
        registration = self.gp_registration.currentData()
        reconnect = self.reconnect.currentData()
        number = self.days.number()  # a stored count outside the field's range as stored
        days = None if number == -1 else number
        status = str(self.status.currentData())
        patient_id = self.patient_id
        self.save_button.setEnabled(False)
        self.context.runner.run_task(
            lambda: save_release_plan(
                vault,
                patient_id,
                movement_type=movement,
                expected_date=expected,
                destination=destination,
                no_fixed_abode=no_fixed_abode,
                community_gp=gp,
                gp_registration=registration,
                reconnect_status=reconnect,
                days_of_medicine_supplied=days,
                fp10_given=fp10,
                per_done=per,
                notes=notes,
                status=status,
                plan_id=plan_id,
                base_rev=base_rev,
            ),
            self._saved,
            self._failed,
            write=True,
        )

    def _unknown_codes(self) -> str:
        """The service saves only the codes it knows (and refuses others with their codes): a
        stored code this version does not know stays in the record, is never replaced by a
        choice nobody made, and the person is asked, by the field's name, to choose."""
        said = (
            combo.problem(what)
            for combo, what in (
                (self.movement, "type of move"),
                (self.gp_registration, "GP registration"),
                (self.reconnect, "RECONNECT status"),
                (self.status, "plan status"),
            )
        )
        return " ".join(text for text in said if text)

    def _saved(self, view: ReleasePlanView) -> None:
        self.saved = view
        self.accept()
