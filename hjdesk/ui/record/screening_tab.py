"""The screening tab: screening and immunisation events, newest first, with next-due dates
(overdue in red and in words), and the actions to record a new one, amend one or mark one entered
in error (ui.corrections).
An event withdrawn (entered in error, or corrected by a later entry) stays listed, marked, and
never counts as the programme's latest."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from hjdesk.services.common import local_today
from hjdesk.services.corrections import amend_screening
from hjdesk.services.patients import ScreeningView, screening_history
from hjdesk.services.permissions import CLINICAL_WRITERS
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.context import PageContext
from hjdesk.ui.corrections import CorrectionFlow, Kept, may_correct
from hjdesk.ui.record.screening_amend import ScreeningAmendDialog
from hjdesk.ui.record.screening_dialog import PROGRAMMES, ScreeningDialog
from hjdesk.ui.record.tab_base import RecordTab, day_text, make_tree, tree_item, words
from hjdesk.ui.widgets.withdraw_dialog import WithdrawDialog

COLUMNS = ("Date", "Programme", "Outcome", "Batch", "Next due")
NAMES = {code: label.split(" (")[0] for code, label in PROGRAMMES}


def programme_name(code: str) -> str:
    return NAMES.get(code, words(code))


def standing(view: ScreeningView) -> bool:
    return not view.entered_in_error and not view.superseded


def outcome_text(view: ScreeningView, later: ScreeningView | None = None) -> str:
    """The outcome, saying whether the entry was withdrawn, replaced by a correction (`later`,
    the entry amending it) or is itself a correction."""
    if view.entered_in_error:
        return "Entered in error"
    if view.superseded:
        if later is not None and not later.entered_in_error:
            return f"{view.outcome} (replaced by a correction: see the later entry)"
        return f"{view.outcome} (withdrawn: see the later entry)"
    return f"{view.outcome} (corrected)" if view.amends_id else view.outcome


def next_due_text(view: ScreeningView, latest: bool, today: date) -> tuple[str, str | None]:
    """Only the latest event of a programme can be overdue: a later one replaces its date."""
    if view.next_due is None:
        return "", None
    if latest and view.next_due < today:
        return f"{day_text(view.next_due)} (overdue)", "RED"
    return day_text(view.next_due), None


class ScreeningTab(RecordTab[tuple[ScreeningView, ...]]):
    title = "Scr&eening"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.rows: tuple[ScreeningView, ...] = ()
        self.tree = make_tree(COLUMNS, "Screening and immunisation events", 2)
        self.record_button = QPushButton("Record a screening or &immunisation…")
        self.record_button.setAccessibleName("Record a screening or immunisation")
        self.withdraw_button = QPushButton("&Withdraw the chosen event (entered in error)…")
        self.withdraw_button.setAccessibleName("Mark the chosen event entered in error")
        self.withdraw_button.setEnabled(False)
        self.amend_button = QPushButton("A&mend the chosen event…")
        self.amend_button.setAccessibleName("Amend the chosen event")
        self.amend_button.setEnabled(False)
        self.dialog: ScreeningDialog | None = None
        self.corrections = CorrectionFlow(context, self)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.amend_button)
        buttons.addWidget(self.withdraw_button)
        buttons.addWidget(self.record_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.record_button.clicked.connect(self.record)
        self.withdraw_button.clicked.connect(self.withdraw)
        self.amend_button.clicked.connect(self.amend)
        self.tree.currentItemChanged.connect(lambda *_: self._chosen_changed())

    def fetch(self, vault: OpenVault, patient_id: str) -> tuple[ScreeningView, ...]:
        return screening_history(vault, patient_id)

    def show_data(self, data: tuple[ScreeningView, ...]) -> None:
        self.rows = data
        self.tree.clear()
        today = local_today()
        seen: set[str] = set()
        later = {v.amends_id: v for v in data if v.amends_id}
        for view in data:  # newest first, so the first of each programme is its latest
            latest = standing(view) and view.programme not in seen
            if standing(view):
                seen.add(view.programme)
            due, severity = next_due_text(view, latest, today)
            self.tree.addTopLevelItem(
                tree_item(
                    [
                        day_text(view.event_date),
                        programme_name(view.programme),
                        outcome_text(view, later.get(view.id)),
                        "" if view.entered_in_error else view.batch or "",
                        "" if view.entered_in_error else due,
                    ],
                    severity,
                )
            )
        if not data:
            self.say("No screening or immunisation recorded for this patient.")

    def reset(self) -> None:
        self.rows = ()
        self.tree.clear()
        self.withdraw_button.setEnabled(False)
        self.amend_button.setEnabled(False)

    def chosen(self) -> ScreeningView | None:
        item = self.tree.currentItem()
        index = -1 if item is None else self.tree.indexOfTopLevelItem(item)
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def _chosen_changed(self) -> None:
        chosen = self.chosen()
        allowed = (
            chosen is not None
            and standing(chosen)
            and may_correct(self.context.vault, chosen.signed_by, CLINICAL_WRITERS)
        )
        self.amend_button.setEnabled(allowed)
        self.withdraw_button.setEnabled(allowed)

    @property
    def withdraw_dialog(self) -> WithdrawDialog | None:
        shown = self.corrections.dialog
        return shown if isinstance(shown, WithdrawDialog) else None

    @property
    def amend_dialog(self) -> ScreeningAmendDialog | None:
        shown = self.corrections.dialog
        return shown if isinstance(shown, ScreeningAmendDialog) else None

    def withdraw(self) -> None:
        chosen = self.chosen()
        if chosen is None or not standing(chosen):
            return
        self.corrections.withdraw(
            f"{programme_name(chosen.programme)} on {day_text(chosen.event_date)}: "
            f"{chosen.outcome}.",
            lambda vault, why: amend_screening(vault, chosen.id, reason=why, entered_in_error=True),
            lambda _: self.changed.emit(),
            Kept("screening", chosen.id, chosen.patient_id),
        )

    def amend(self) -> None:
        chosen = self.chosen()
        if chosen is None or not standing(chosen):
            return
        dialog = ScreeningAmendDialog(chosen, programme_name(chosen.programme), local_today(), self)
        self.corrections.amend(
            dialog,
            lambda vault, amendment: amend_screening(
                vault, chosen.id, reason=amendment.reason, corrected=amendment.corrected
            ),
            lambda _: self.changed.emit(),
            Kept("screening", chosen.id, chosen.patient_id),
        )

    def record(self) -> None:
        if self.patient_id is None:
            return
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = ScreeningDialog(self.context, self.patient_id, self.who(), self)
        self.dialog.accepted.connect(self.changed.emit)
        self.dialog.open()
