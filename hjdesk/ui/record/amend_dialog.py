"""Amending a signed entry: a correction of its wording, or marking it entered in error.

A signed entry never changes (domain.md §3): both choices write a new signed entry that points at
the one it amends, with the reason. A correction here keeps everything the entry recorded
(observations, scores, measurements, answers) and changes only its wording; wrong numbers are
corrected by marking the entry entered in error and recording the encounter again.

What is typed survives the laptop locking itself: `close_for_lock` keeps the fields as an
encrypted draft (form `amend_encounter`, keyed on the entry) and closes; amending the same entry
again brings them back (`restore_draft`). Signing or cancelling discards the draft.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services import drafts
from hjdesk.services.encounters import EncounterView, amend_encounter, correction_input
from hjdesk.storage.errors import KnownError
from hjdesk.ui.context import PageContext
from hjdesk.ui.record.labels import kind_label
from hjdesk.ui.record.tab_base import moment_text
from hjdesk.ui.record.write_dialog import WriteDialog
from hjdesk.ui.widgets.form_rows import FormRows
from hjdesk.ui.widgets.message_line import MessageLine

DRAFT_FORM = "amend_encounter"
RESTORED = "What you typed before the laptop locked is back."

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
        self.error = MessageLine("Amendment problem")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("Si&gn amendment")
        self.save_button.setAccessibleName("Sign the amendment")
        self._lay_out(what, note)

    def _lay_out(self, what: QLabel, note: QLabel) -> None:
        rows = FormRows()
        rows.add("Rea&son:", self.reason)
        rows.add("&Narrative:", self.narrative)
        rows.add("Pl&ace:", self.place)
        rows.add("", self.consent)
        rows.add("", self.capacity)
        form = rows.layout
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
        self.draft_id: str | None = None
        self._kept = False  # closed for a lock: the draft stays
        self.finished.connect(self._discard_draft)
        self.resize(560, 460)

    def state(self) -> dict[str, Any]:
        return {
            "in_error": self.in_error.isChecked(),
            "reason": self.reason.text(),
            "narrative": self.narrative.toPlainText(),
            "place": self.place.text(),
            "consent": self.consent.isChecked(),
            "capacity": self.capacity.isChecked(),
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        def text(key: str, default: str) -> str:
            value = state.get(key)
            return value if isinstance(value, str) else default

        def flag(key: str, default: bool) -> bool:
            value = state.get(key)
            return value if isinstance(value, bool) else default

        (self.in_error if flag("in_error", False) else self.correct).setChecked(True)
        self.reason.setText(text("reason", ""))
        self.narrative.setPlainText(text("narrative", self.entry.narrative))
        self.place.setText(text("place", self.entry.place))
        self.consent.setChecked(flag("consent", self.entry.consent_recorded))
        self.capacity.setChecked(flag("capacity", self.entry.capacity_concern))

    def restore_draft(self) -> None:
        """Bring back what was typed for this entry before a lock, if anything was."""
        vault = self.context.vault
        if vault is None:
            return
        entry_id = self.entry.id

        def find() -> drafts.DraftView | None:
            for kept in drafts.list_drafts(vault, form=DRAFT_FORM):
                if kept.context_id == entry_id:
                    return drafts.load_draft(vault, kept.id)
            return None

        self.context.runner.run_task(find, self._restored, self._draft_failed)

    def _restored(self, found: drafts.DraftView | None) -> None:
        if found is None or not self.isVisible():
            return
        self.draft_id = found.id
        self.restore(found.payload)
        self.error.success(RESTORED)  # news, not a problem

    def close_for_lock(self) -> None:
        """The laptop is locking: keep what was typed (encrypted, in the vault) and close."""
        self.context.save_draft(
            DRAFT_FORM,
            self.state(),
            patient_id=self.entry.patient_id,
            context_id=self.entry.id,
            draft_id=self.draft_id,
            on_saved=lambda _: None,
            on_error=self._draft_failed,
        )
        self._kept = True
        self.reject()

    def _discard_draft(self, _: int) -> None:
        """Signed or cancelled: the draft has served (a lock keeps it)."""
        vault, draft_id = self.context.vault, self.draft_id
        if self._kept or draft_id is None or vault is None:
            return
        self.draft_id = None
        self.context.runner.run_task(
            lambda: drafts.discard_draft(vault, draft_id),
            lambda _: None,
            self._draft_failed,
            write=True,
        )

    def _draft_failed(self, exc: KnownError) -> None:
        self._problem(str(exc))

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
            try:
                corrected = correction_input(
                    entry,
                    narrative=narrative,
                    place=place,
                    consent_recorded=self.consent.isChecked(),
                    capacity_concern=self.capacity.isChecked(),
                )
            except KnownError as exc:  # an entry a correction cannot carry: say so
                self._failed(exc)
                return
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
