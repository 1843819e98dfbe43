"""Amending a signed entry: a correction of its wording, or marking it entered in error.

A signed entry never changes (domain.md §3): both choices write a new signed entry that points at
the one it amends, with the reason. A correction here keeps everything the entry recorded
(observations, scores, measurements, answers) and changes only its wording; wrong numbers are
corrected by marking the entry entered in error and recording the encounter again.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services.encounter_corrections import correction_input
from hjdesk.services.encounter_views import EncounterView
from hjdesk.services.encounters import amend_encounter
from hjdesk.ui.pages.base import PageContext
from hjdesk.ui.record.labels import kind_label
from hjdesk.ui.record.tab_base import message_label, moment_text
from hjdesk.ui.record.write_dialog import WriteDialog

KEEPS_NOTE = (
    "A correction keeps the observations, scores and measurements of the entry. If those are "
    "wrong, mark the entry entered in error and record the encounter again with New entry."
)


class AmendDialog(WriteDialog):
    """Amends `entry` (the latest version of its chain)."""

    def __init__(
        self, context: PageContext, entry: EncounterView, who: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.entry = entry
        self.amended: EncounterView | None = None
        self.setWindowTitle("Amend a signed entry")
        self.setAccessibleName("Amend a signed entry")
        what = QLabel(
            f"For {who}: {kind_label(entry.kind)} of {moment_text(entry.started_at)}, "
            f"signed by {entry.author_name}."
        )
        what.setWordWrap(True)
        what.setAccessibleName("Entry being amended")
        self.correct = QRadioButton("&Correct the wording")
        self.correct.setAccessibleName("Correct the wording of the entry")
        self.in_error = QRadioButton("Mark as &entered in error")
        self.in_error.setAccessibleName("Mark the entry as entered in error")
        self.choice = QButtonGroup(self)
        self.choice.addButton(self.correct)
        self.choice.addButton(self.in_error)
        self.correct.setChecked(True)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for the amendment")
        self.reason.setPlaceholderText("Why is this entry being amended?")
        self.narrative = QPlainTextEdit(entry.narrative)
        self.narrative.setAccessibleName("Corrected narrative")
        self.narrative.setTabChangesFocus(True)
        self.place = QLineEdit(entry.place)
        self.place.setAccessibleName("Corrected place")
        self.consent = QCheckBox("Consent &recorded")
        self.consent.setAccessibleName("Consent recorded")
        self.consent.setChecked(entry.consent_recorded)
        self.capacity = QCheckBox("Ca&pacity concern")
        self.capacity.setAccessibleName("Capacity concern")
        self.capacity.setChecked(entry.capacity_concern)
        note = QLabel(KEEPS_NOTE)
        note.setWordWrap(True)
        self.error = message_label("Amendment problem")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("Si&gn amendment")
        self.save_button.setAccessibleName("Sign the amendment")

        form = QFormLayout()
        reason_label = QLabel("Rea&son:")
        reason_label.setBuddy(self.reason)
        form.addRow(reason_label, self.reason)
        narrative_label = QLabel("&Narrative:")
        narrative_label.setBuddy(self.narrative)
        form.addRow(narrative_label, self.narrative)
        place_label = QLabel("Pl&ace:")
        place_label.setBuddy(self.place)
        form.addRow(place_label, self.place)
        form.addRow("", self.consent)
        form.addRow("", self.capacity)
        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addWidget(self.correct)
        layout.addWidget(self.in_error)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.correction_fields = (self.narrative, self.place, self.consent, self.capacity)
        self.in_error.toggled.connect(self._mode_changed)
        self.buttons.accepted.connect(self.sign)
        self.buttons.rejected.connect(self.reject)
        self.resize(560, 460)

    def _mode_changed(self) -> None:
        for widget in self.correction_fields:
            widget.setEnabled(not self.in_error.isChecked())

    def sign(self) -> None:
        vault = self.context.vault
        if vault is None:
            self._problem("The laptop is locked.")
            return
        reason = self.reason.text().strip()
        if not reason:
            self._problem("Give the reason for the amendment.")
            self.reason.setFocus()
            return
        entry = self.entry
        if self.in_error.isChecked():
            corrected = None
        else:
            narrative = self.narrative.toPlainText()
            place = self.place.text().strip()
            unchanged = (
                narrative.strip() == entry.narrative.strip()
                and place == entry.place
                and self.consent.isChecked() == entry.consent_recorded
                and self.capacity.isChecked() == entry.capacity_concern
            )
            if unchanged:
                self._problem("Nothing has been corrected: change the entry, or cancel.")
                return
            corrected = correction_input(
                entry,
                narrative=narrative,
                place=place,
                consent_recorded=self.consent.isChecked(),
                capacity_concern=self.capacity.isChecked(),
            )
        self.save_button.setEnabled(False)
        in_error = corrected is None
        self.context.runner.run_task(
            lambda: amend_encounter(
                vault, entry.id, reason=reason, corrected=corrected, entered_in_error=in_error
            ),
            self._signed,
            self._failed,
            write=True,
        )

    def _signed(self, view: EncounterView) -> None:
        self.amended = view
        self.accept()
