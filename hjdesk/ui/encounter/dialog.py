"""The encounter form in its own window. Closing it (Esc, the window's close button, Close) asks
whether to keep a draft of unsaved changes; signing closes it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from hjdesk.services.encounters import EncounterKind
from hjdesk.ui.context import PageContext
from hjdesk.ui.encounter.context import KIND_LABELS
from hjdesk.ui.encounter.form import EncounterForm


class EncounterDialog(QDialog):
    def __init__(self, form: EncounterForm, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = form
        self.setWindowTitle(f"HJDesk — {KIND_LABELS[form.kind]}")
        self.setAccessibleName(KIND_LABELS[form.kind])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(form)
        self._closing = False
        self.encounter_id: str | None = None
        form.signed.connect(self._signed)
        form.cancelled.connect(self._finish)
        self._fit_screen()

    def _fit_screen(self) -> None:
        """As large as a comfortable form, never larger than the screen (small laptops)."""
        screen = self.screen().availableGeometry() if self.screen() else None
        width, height = 960, 820
        if screen is not None:
            width = min(width, int(screen.width() * 0.95))
            height = min(height, int(screen.height() * 0.92))
        self.resize(width, height)

    def _signed(self, encounter_id: str) -> None:
        self.encounter_id = encounter_id
        self._finish()

    def _finish(self) -> None:
        self._closing = True
        code = QDialog.DialogCode.Accepted if self.encounter_id else QDialog.DialogCode.Rejected
        self.done(code.value)
        self._closing = False

    def reject(self) -> None:
        """Esc and the Close button: ask about a draft first."""
        if self._closing:
            super().reject()
            return
        self.form.request_close()  # emits `cancelled` when it closes, which finishes here

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closing or not self.isVisible():
            event.accept()
            return
        event.ignore()
        self.form.request_close()

    def close_for_lock(self) -> Callable[[], None]:
        """The shell is locking: keep the draft, close, and reopen it after the next unlock
        (the form restores its draft when it opens)."""
        form = self.form
        if form.dirty:
            form.save_draft()
        context, patient_id, kind = form.context, form.patient_id, form.kind
        appointment_id, clinic_type = form.appointment_id, form.clinic_type
        parent = self.parentWidget()
        self.close_without_asking()

        def reopen() -> None:
            again = open_encounter_dialog(
                context,
                patient_id,
                kind,
                appointment_id=appointment_id,
                clinic_type=clinic_type,
                parent=parent,
            )
            # Whichever page opened the first window is not tracking this one: tell them all.
            again.form.signed.connect(lambda _: context.navigator.data_changed.emit())

        return reopen

    def close_without_asking(self) -> None:
        """For a lock: the caller has saved the draft already."""
        self.form.autosave.stop()
        self._closing = True
        self.done(QDialog.DialogCode.Rejected.value)
        self._closing = False


def open_encounter_dialog(
    context: PageContext,
    patient_id: str,
    kind: EncounterKind,
    *,
    appointment_id: str | None = None,
    clinic_type: str | None = None,
    parent: QWidget | None = None,
) -> EncounterDialog:
    """Open (show, non-blocking) the form for one encounter in its own window."""
    form = EncounterForm(
        context, patient_id, kind, appointment_id=appointment_id, clinic_type=clinic_type
    )
    dialog = EncounterDialog(form, parent)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    form.focus_first()
    return dialog
