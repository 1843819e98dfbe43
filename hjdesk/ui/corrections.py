"""Correcting a signed entry from the screen that shows it (domain.md §3): marking it entered in
error, or amending it with a corrected entry. Used by the three screens holding signed entries
other than encounters: ACCT health input, screening events and care-plan reviews.

Both choices write a new signed entry through services.amendments; the original stays in the
record and the audit trail. One `CorrectionFlow` per screen holds the open dialog, runs the write
and shows a refusal in the dialog (which stays open with what was typed); if the dialog has gone
meanwhile (the laptop locked), the refusal is dropped with it, as the write never happened.

What is typed survives a lock: each dialog's `close_for_lock` keeps its fields as an encrypted
draft (form `amend_<kind>` or `withdraw_<kind>`, keyed on the entry) and closes; correcting the
same entry again brings them back. Signing or cancelling discards the draft. (Unlike the
care-plan dialogs, these do not reopen by themselves after the unlock: the screen they belong
to is reloaded from scratch then, and the nurse chooses the entry again.)

Who may correct: the roles that may sign that kind of entry, and — for a role that may sign but
is not a registered clinician (an HCA's screening entry) — only their own entries
(`may_correct`); the service checks the same and its message is shown if the screen was wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from hjdesk.services import drafts
from hjdesk.services.permissions import REGISTERED_CLINICIANS
from hjdesk.storage.errors import KnownError
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.context import PageContext
from hjdesk.ui.widgets.form_rows import FormRows
from hjdesk.ui.widgets.message_line import MessageLine
from hjdesk.ui.widgets.withdraw_dialog import WithdrawDialog

T = TypeVar("T")

NOTHING_CHANGED = "Nothing has been corrected: change the entry, or cancel."
RESTORED = "What you typed before the laptop locked is back."


@dataclass(frozen=True, slots=True)
class Kept:
    """Where a correction's typing is kept at a lock: the draft form and the entry it is for."""

    form: str  # the kind, e.g. acct_contribution (drafts: amend_… / withdraw_…)
    entry_id: str
    patient_id: str


def _find_draft(vault: OpenVault, form: str, entry_id: str) -> drafts.DraftView | None:
    for kept in drafts.list_drafts(vault, form=form):
        if kept.context_id == entry_id:
            return drafts.load_draft(vault, kept.id)
    return None


def may_correct(vault: OpenVault | None, signed_by: str | None, roles: Collection[str]) -> bool:
    """Whether the user may amend (or withdraw) an entry signed by `signed_by`."""
    if vault is None or vault.actor.role not in roles:
        return False
    return vault.actor.role in REGISTERED_CLINICIANS or signed_by == vault.actor.staff_id


@dataclass(frozen=True, slots=True)
class Amendment:
    reason: str
    corrected: Any  # the kind's correction (services.amendments.*Correction)


class AmendProblem(Exception):
    """What the user must fix in the dialog before it can be signed."""


class AmendEntryDialog(QDialog):
    """The frame of an amend dialog: what is being amended, the corrected fields (a subclass adds
    them to `form` and builds its correction in `correction()`), the reason, and Sign."""

    submitted = Signal(object)  # Amendment
    # Set by CorrectionFlow: at a lock, keep what was typed as a draft and close.
    keeper: Callable[[], None] | None = None

    def __init__(self, title: str, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.what = QLabel(what)
        self.what.setWordWrap(True)
        self.what.setAccessibleName("Entry being amended")
        note = QLabel(
            "The corrected entry replaces this one wherever it counts (flags, lists, printouts). "
            "The original stays in the record's history and audit trail, marked as amended."
        )
        note.setWordWrap(True)
        note.setObjectName("hint")
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for the amendment")
        self.reason.setPlaceholderText("Why is this entry being corrected?")
        self.form = QFormLayout()
        self.problem = MessageLine()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.sign_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.sign_button.setText("Si&gn amendment")
        self.sign_button.setAccessibleName("Sign the amendment")
        reason_rows = FormRows()
        reason_rows.add("Rea&son:", self.reason)
        layout = QVBoxLayout(self)
        layout.addWidget(self.what)
        layout.addWidget(note)
        layout.addLayout(self.form)
        layout.addLayout(reason_rows.layout)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

    def add_row(self, caption: str, widget: QWidget) -> None:
        FormRows(self.form).add(caption, widget)

    def correction(self) -> Any:
        """The corrected entry from the fields; AmendProblem if they cannot make one."""
        raise NotImplementedError

    def unchanged(self, corrected: Any) -> bool:
        """True when the correction says exactly what the entry said."""
        raise NotImplementedError

    def fields(self) -> dict[str, Any]:
        """The corrected fields as typed (for a draft)."""
        raise NotImplementedError

    def restore_fields(self, state: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def state(self) -> dict[str, Any]:
        return {"reason": self.reason.text(), **self.fields()}

    def restore(self, state: Mapping[str, Any]) -> None:
        reason = state.get("reason")
        self.reason.setText(reason if isinstance(reason, str) else "")
        self.restore_fields(state)

    def close_for_lock(self) -> None:
        if self.keeper is not None:
            self.keeper()
        else:
            self.reject()

    def show_problem(self, text: str) -> None:
        self.sign_button.setEnabled(True)
        self.problem.problem(text)

    def _submit(self) -> None:
        reason = self.reason.text().strip()
        if not reason:
            self.show_problem("Give the reason for the amendment.")
            self.reason.setFocus()
            return
        try:
            corrected = self.correction()
        except AmendProblem as exc:
            self.show_problem(str(exc))
            return
        if self.unchanged(corrected):
            self.show_problem(NOTHING_CHANGED)
            return
        self.problem.clear()
        self.sign_button.setEnabled(False)  # back on if the service refuses
        self.submitted.emit(Amendment(reason, corrected))


CorrectionDialog = WithdrawDialog | AmendEntryDialog


def replace_form(kept: Kept, mode: str) -> Kept:
    """Amending and withdrawing the same entry keep separate drafts."""
    return Kept(f"{mode}_{kept.form}", kept.entry_id, kept.patient_id)


class CorrectionFlow(QObject):
    """A screen's one open correction dialog and the signed write behind it."""

    def __init__(self, context: PageContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.context = context
        self.owner = parent
        self.dialog: CorrectionDialog | None = None
        self._draft_ids: dict[int, str] = {}  # id(dialog) -> its draft in the vault
        self._kept: set[int] = set()  # dialogs closed for a lock: their draft stays

    def withdraw(
        self,
        what: str,
        work: Callable[[OpenVault, str], T],
        done: Callable[[T], None],
        kept: Kept,
    ) -> WithdrawDialog:
        """Ask for the reason, then run `work(vault, reason)` (mark entered in error)."""
        dialog = WithdrawDialog(what, self.owner)
        self._open(dialog, work, done, replace_form(kept, "withdraw"))
        return dialog

    def amend(
        self,
        dialog: AmendEntryDialog,
        work: Callable[[OpenVault, Amendment], T],
        done: Callable[[T], None],
        kept: Kept,
    ) -> AmendEntryDialog:
        """Show `dialog`, then run `work(vault, amendment)` with what it gives."""
        self._open(dialog, work, done, replace_form(kept, "amend"))
        return dialog

    def reject(self) -> None:
        if self.dialog is not None:
            self.dialog.reject()

    def _open(
        self,
        dialog: CorrectionDialog,
        work: Callable[[OpenVault, Any], T],
        done: Callable[[T], None],
        kept: Kept,
    ) -> None:
        self.reject()  # one at a time
        dialog.submitted.connect(lambda given: self._run(dialog, work, given, done))
        dialog.finished.connect(lambda _: self._forget(dialog))
        dialog.keeper = lambda: self._keep(dialog, kept)
        self.dialog = dialog
        dialog.open()
        vault = self.context.vault
        if vault is not None:
            self.context.runner.run_task(
                lambda: _find_draft(vault, kept.form, kept.entry_id),
                lambda found: self._restore(dialog, found),
                self._draft_failed,
            )

    def _restore(self, dialog: CorrectionDialog, found: drafts.DraftView | None) -> None:
        if found is None or self.dialog is not dialog:
            return
        self._draft_ids[id(dialog)] = found.id
        dialog.restore(found.payload)
        dialog.problem.success(RESTORED)  # news, not a problem

    def _keep(self, dialog: CorrectionDialog, kept: Kept) -> None:
        """The laptop is locking: keep what was typed (encrypted, in the vault) and close."""
        self.context.save_draft(
            kept.form,
            dialog.state(),
            patient_id=kept.patient_id,
            context_id=kept.entry_id,
            draft_id=self._draft_ids.get(id(dialog)),
            on_saved=lambda _: None,
            on_error=self._draft_failed,
        )
        self._kept.add(id(dialog))
        dialog.reject()

    def _forget(self, dialog: CorrectionDialog) -> None:
        """Signed, cancelled or closed for a lock: let it go, with its draft unless locked."""
        key = id(dialog)
        draft_id = self._draft_ids.pop(key, None)
        if key in self._kept:
            self._kept.discard(key)
        elif draft_id is not None and self.context.vault is not None:
            vault = self.context.vault
            self.context.runner.run_task(
                lambda: drafts.discard_draft(vault, draft_id),
                lambda _: None,
                self._draft_failed,
                write=True,
            )
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _draft_failed(self, exc: KnownError) -> None:
        if self.dialog is not None:
            self.dialog.show_problem(str(exc))

    def _run(
        self,
        dialog: CorrectionDialog,
        work: Callable[[OpenVault, Any], T],
        given: Any,
        done: Callable[[T], None],
    ) -> None:
        vault = self.context.vault
        if vault is None:
            dialog.show_problem("The laptop is locked.")
            return

        def refused(exc: KnownError) -> None:
            if self.dialog is dialog:
                dialog.show_problem(str(exc))

        def signed(result: T) -> None:
            if self.dialog is dialog:
                dialog.accept()
            done(result)

        self.context.runner.run_task(lambda: work(vault, given), signed, refused, write=True)
