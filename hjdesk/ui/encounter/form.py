"""The encounter form: every kind of clinical encounter, scored live, signed through the service.

Layout, top to bottom: who and what (through the privacy switch), the sections for the kind, and a
fixed footer with the red-flag banner, the message line and the buttons. A red flag (NEWS2 of 5 or
more, a parameter scoring 3, PHQ-9 item 9 above 0) opens the escalation section, and Sign refuses
until it holds who was told and what was done; the service checks again and its refusal is shown
in the message line, never as a traceback.

Drafts: `save_draft()` writes every field to the vault (services/drafts.py); the form saves one by
itself half a minute after a change, and reopening the same patient, kind and appointment restores
it. Signing discards it in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services import drafts, encounters
from hjdesk.services.encounters import (
    RED_FLAG_TEXT,
    EncounterInput,
    EncounterKind,
    EncounterView,
    parse_kind,
)
from hjdesk.storage.errors import KnownError
from hjdesk.ui.clinic_time import clinic, clinic_now
from hjdesk.ui.context import PageContext
from hjdesk.ui.encounter import context as loading
from hjdesk.ui.encounter.alerts import patient_line
from hjdesk.ui.encounter.escalation import EscalationSection, red_flags
from hjdesk.ui.encounter.kinds import build_sections, pick
from hjdesk.ui.encounter.ltc import LtcSection
from hjdesk.ui.encounter.parts import FormParts
from hjdesk.ui.encounter.questionnaires import CfsSection, Phq9Section
from hjdesk.ui.encounter.sections import (
    BasicsSection,
    NarrativeSection,
)
from hjdesk.ui.encounter.vitals import VitalsSection
from hjdesk.ui.theme import set_tone
from hjdesk.ui.widgets.message_line import MessageLine

AUTOSAVE_MS = 30_000
DRAFT_VERSION = 1


class EncounterForm(QWidget):
    """One encounter being written. Emits `signed(encounter_id)` or `cancelled()`."""

    signed = Signal(str)
    cancelled = Signal()

    def __init__(
        self,
        context: PageContext,
        patient_id: str,
        kind: EncounterKind,
        *,
        appointment_id: str | None = None,
        clinic_type: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.patient_id = patient_id
        self.kind = parse_kind(kind)
        self.appointment_id = appointment_id
        self.clinic_type = clinic_type
        self.loaded: loading.Loaded | None = None
        self.draft_id: str | None = None
        self.dirty = False
        self.busy = False
        self._restoring = False
        self.setAccessibleName(f"{loading.KIND_LABELS[self.kind]} form")
        self.sections = build_sections(self.kind, clinic_type)
        self.basics = pick(self.sections, "basics", BasicsSection)
        self.vitals = pick(self.sections, "vitals", VitalsSection)
        self.escalation = pick(self.sections, "escalation", EscalationSection)
        self.narrative = pick(self.sections, "narrative", NarrativeSection)
        self._build()
        self.autosave = QTimer(self)
        self.autosave.setSingleShot(True)
        self.autosave.setInterval(AUTOSAVE_MS)
        self.autosave.timeout.connect(self._autosave)
        for section in self.sections.values():
            section.changed.connect(self._changed)
        context.privacy.changed.connect(self._show_header)
        self._update_flags()
        self._load()

    # --- building -----------------------------------------------------------------------

    def _build(self) -> None:
        self.heading = QLabel(loading.KIND_LABELS[self.kind])
        self.heading.setObjectName("heading")
        self.heading.setAccessibleName("Encounter heading")
        self.patient_line = QLabel("")
        self.patient_line.setWordWrap(True)
        self.patient_line.setAccessibleName("Patient")
        self.draft_note = QLabel("")
        self.draft_note.setAccessibleName("Draft")
        body = QWidget()
        column = QVBoxLayout(body)
        for section in self.sections.values():
            column.addWidget(section)
        column.addStretch(1)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setWidget(body)
        self.scroller.setAccessibleName("Encounter fields")
        # Tab goes field to field (the area scrolls to follow), not onto the unnamed-role pane.
        self.scroller.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.flag_banner = QLabel("")
        self.flag_banner.setWordWrap(True)
        self.flag_banner.setAccessibleName("Red flag banner")
        self.message = MessageLine("Form message")
        self.save_button = QPushButton("Save &draft")
        self.save_button.setToolTip("Keep this form as a draft (Ctrl+S)")
        self.sign_button = QPushButton("Si&gn")
        self.sign_button.setToolTip("Check and sign this entry (Ctrl+Enter)")
        self.close_button = QPushButton("&Close")
        self.close_button.setToolTip("Close; you are asked whether to keep a draft")
        for button in (self.save_button, self.sign_button, self.close_button):
            button.setAccessibleName(button.text().replace("&", ""))
            # In a dialog Enter would press a button: typing a reading must never sign or save.
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.draft_note, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.sign_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.patient_line)
        layout.addWidget(self.scroller, 1)
        layout.addWidget(self.flag_banner)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.save_button.clicked.connect(self.save_draft)
        self.sign_button.clicked.connect(self.sign)
        self.close_button.clicked.connect(self.request_close)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save_draft)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.sign)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self.sign)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._follow_focus)

    def focus_first(self) -> None:
        """Start where the work is: the first field after where-and-when (the observations at a
        visit, the first question of a review)."""
        names = list(self.sections)
        section = self.sections[names[1] if len(names) > 1 else names[0]]
        first = next(iter(section.fields.values()), None)
        if first is not None:
            first.setFocus()

    def _follow_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Keep the focused field in view while tabbing down a long form."""
        body = self.scroller.widget()
        if new is not None and body is not None and body.isAncestorOf(new):
            self.scroller.ensureWidgetVisible(new, 0, 40)

    # --- loading ------------------------------------------------------------------------

    def _load(self) -> None:
        vault = self.context.vault
        if vault is None:
            return
        patient_id, kind, appointment_id = self.patient_id, self.kind, self.appointment_id
        self.context.runner.run_task(
            lambda: loading.load(vault, patient_id, kind, appointment_id),
            self._loaded,
            self._failed,
        )

    def _loaded(self, loaded: loading.Loaded) -> None:
        self.loaded = loaded
        age = loaded.patient.age
        self.vitals.set_context(age=age, pathways=loaded.pathways)
        for section in self.sections.values():
            if isinstance(section, CfsSection | LtcSection):
                section.set_age(age)
        self._restoring = True
        try:
            if loaded.draft is not None:
                self._restore(loaded.draft.payload)
                self.draft_id = loaded.draft.id
                saved = clinic(loaded.draft.updated_at)
                self.draft_note.setText(f"Your draft of {saved:%d %b %Y %H:%M} is restored.")
            else:
                self._prefill(loaded)
        finally:
            self._restoring = False
        self._show_header()
        self._update_flags()

    def _prefill(self, loaded: loading.Loaded) -> None:
        appointment = loaded.appointment
        if appointment is not None and appointment.outcome is not None:
            where = {
                "SEEN_AT_CELL_DOOR": f"Cell door {appointment.location}",
                "ATTENDED": "Wing treatment room",
            }.get(appointment.outcome.value, "")
            self.basics.place.setText(where[:60])

    def _restore(self, payload: Mapping[str, Any]) -> None:
        states = payload.get("sections", {})
        for name, section in self.sections.items():
            if isinstance(states.get(name), Mapping):
                section.restore(states[name])

    def _show_header(self, *_: object) -> None:
        if self.loaded is None:
            return
        self.patient_line.setText(patient_line(self.loaded.patient, self.context.privacy))

    # --- live state ---------------------------------------------------------------------

    def _changed(self) -> None:
        self._update_flags()
        if self._restoring:
            return
        self.dirty = True
        if not self.autosave.isActive():
            self.autosave.start()

    def red_flags(self) -> list[str]:
        phq9 = self.sections.get("phq9")
        item9 = isinstance(phq9, Phq9Section) and phq9.item9_positive()
        return red_flags(self.vitals.scoring().result, item9)

    def _update_flags(self) -> None:
        flags = self.red_flags()
        self.escalation.show_flags(flags, self.vitals.scoring().result, self.vitals.pathways)
        if flags:
            missing = self.escalation.missing()
            todo = (
                f" Record the escalation below ({' and '.join(missing)}) before signing."
                if missing
                else " Escalation recorded."
            )
            self.flag_banner.setText(
                "RED FLAG: " + "; ".join(RED_FLAG_TEXT[f] for f in flags) + "." + todo
            )
            set_tone(self.flag_banner, "redflag")  # its own look: not "late", not an error
        else:
            self.flag_banner.setText("")
            set_tone(self.flag_banner, None)
        self.flag_banner.setVisible(bool(flags))

    # --- drafts -------------------------------------------------------------------------

    def payload(self) -> dict[str, Any]:
        return {
            "version": DRAFT_VERSION,
            "clinic_type": self.clinic_type,
            "sections": {name: s.state() for name, s in self.sections.items()},
        }

    def save_draft(self) -> None:
        """Write the open form to the vault as a draft (overwriting this form's earlier one)."""
        vault = self.context.vault
        if vault is None or self.busy:
            return
        self.autosave.stop()
        self.context.save_draft(
            loading.draft_form_name(self.kind),
            self.payload(),
            patient_id=self.patient_id,
            context_id=self.appointment_id,
            draft_id=self.draft_id,
            on_saved=self._draft_saved,
            on_error=self._failed,
        )

    def _autosave(self) -> None:
        if self.dirty:
            self.save_draft()

    def _draft_saved(self, draft_id: str) -> None:
        self.draft_id = draft_id
        self.dirty = False
        self.draft_note.setText(f"Draft saved at {clinic_now():%H:%M}.")

    def discard_draft(self) -> None:
        vault, draft_id = self.context.vault, self.draft_id
        self.dirty = False
        if vault is None or draft_id is None:
            return
        self.draft_id = None
        self.context.runner.run_task(
            lambda: drafts.discard_draft(vault, draft_id), lambda _: None, self._failed, write=True
        )

    # --- signing ------------------------------------------------------------------------

    def build_input(self) -> tuple[EncounterInput | None, list[str]]:
        """The service's input, or the problems to fix first (parsing and escalation)."""
        parts = FormParts()
        for section in self.sections.values():
            contribute = getattr(section, "contribute", None)
            if contribute is not None:
                contribute(parts)
        missing = self.escalation.missing()
        if missing:
            flags = "; ".join(RED_FLAG_TEXT[f] for f in self.escalation.flags)
            parts.problems.append(
                f"Red flags: {flags}. Record the escalation — {' and '.join(missing)} — "
                "before signing."
            )
        if parts.problems:
            return None, parts.problems
        basics = self.basics
        started = basics.started_at()
        now = datetime.now(UTC)
        return (
            EncounterInput(
                patient_id=self.patient_id,
                kind=self.kind,
                started_at=started,
                ended_at=now if now >= started else None,
                narrative=self.narrative.narrative(),
                place=basics.place.text().strip(),
                appointment_id=self.appointment_id,
                consent_recorded=basics.consent.isChecked(),
                capacity_concern=basics.capacity.isChecked(),
                ltc_condition=parts.ltc_condition,
                vitals=parts.vitals,
                questionnaires=parts.questionnaires(),
                measurements=tuple(parts.measurements),
                data=parts.data,
                escalation=self.escalation.escalation(),
                draft_id=self.draft_id,
            ),
            [],
        )

    def sign(self) -> None:
        vault = self.context.vault
        if vault is None or self.busy:
            return
        inp, problems = self.build_input()
        if inp is None:
            self.show_message(
                "This entry cannot be signed yet:\n" + "\n".join(f"- {p}" for p in problems)
            )
            self._focus_escalation()
            return
        self.busy = True
        self.sign_button.setEnabled(False)
        self.autosave.stop()
        pathways = self.loaded.pathways if self.loaded else None
        self.context.runner.run_task(
            lambda: encounters.sign_encounter(vault, inp, **_pathways(pathways)),
            self._signed,
            self._sign_failed,
            write=True,
        )

    def _focus_escalation(self) -> None:
        """Take a keyboard user straight to the escalation field still empty."""
        missing = self.escalation.missing()
        if missing:
            field = self.escalation.to if "who was told" in missing else self.escalation.action
            field.setFocus()
            self.scroller.ensureWidgetVisible(field)

    def _signed(self, view: EncounterView) -> None:
        self.busy = False
        self.dirty = False
        self.draft_id = None
        self.sign_button.setEnabled(True)
        self.show_message(f"Signed at {clinic_now():%H:%M}.", error=False)
        self.signed.emit(view.id)

    def _sign_failed(self, exc: KnownError) -> None:
        self.busy = False
        self.sign_button.setEnabled(True)
        self._failed(exc)

    def _failed(self, exc: KnownError) -> None:
        self.show_message(str(exc))

    def show_message(self, text: str, *, error: bool = True) -> None:
        if error:
            self.message.problem(text)
        else:
            self.message.info(text)

    # --- closing ------------------------------------------------------------------------

    def request_close(self) -> bool:
        """Close the form, asking whether to keep a draft of unsaved changes; False if the user
        chose to stay."""
        if self.dirty and self.context.vault is not None:
            answer = QMessageBox.question(
                self,
                "Keep a draft?",
                "This form has changes that are not saved. Keep them as a draft to finish later?",
                QMessageBox.StandardButton.Save
                | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Save,
            )
            if answer == QMessageBox.StandardButton.Cancel:
                return False
            if answer == QMessageBox.StandardButton.Save:
                self.save_draft()
            else:
                self.discard_draft()
        self.autosave.stop()
        self.cancelled.emit()
        return True


def _pathways(pathways: object) -> dict[str, Any]:
    return {} if pathways is None else {"pathways": pathways}
