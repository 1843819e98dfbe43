"""Healthcare's input to one ACCT event (domain.md §6): how healthcare contributed, for which
team, whether it is given or only planned, and the risk-relevant summary shared with the case
manager (the full note stays in the clinical record).

The service decides what is acceptable and says so in words; this form shows that message
inline and keeps what was typed. A contribution is safety-critical until the office has it, so
the form says when it is needed by: the event's scheduled time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hjdesk.clinical import acct as rules
from hjdesk.services.acct import SUMMARY_MAX, AcctEventView
from hjdesk.ui.acct.labels import CONTRIBUTION_TYPES, TEAMS, event_label, type_text, when
from hjdesk.ui.clinic_time import clinic_now
from hjdesk.ui.theme import set_tone
from hjdesk.ui.widgets.form_rows import FormRows
from hjdesk.ui.widgets.message_line import MessageLine
from hjdesk.ui.widgets.stored_fields import StoredChoice, quoted

UNKNOWN_TEAM = (
    "Your team, {team}, is not one this version of HJDesk knows, so input cannot be recorded "
    "for it on this laptop: ask for HJDesk here to be updated, and meanwhile tell the case "
    "manager in person."
)


@dataclass(frozen=True, slots=True)
class ContributionInput:
    event_id: str
    contribution_type: str
    team: str
    summary: str
    planned: bool


class ContributionForm(QWidget):
    submitted = Signal(object)  # ContributionInput

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.current_event: AcctEventView | None = None
        self._fixed_team: str | None = None
        self.heading = QLabel("Add health input")
        self.heading.setObjectName("subheading")
        self.heading.setWordWrap(True)
        self.target = QLabel("Choose an event in the list.")
        self.target.setWordWrap(True)
        self.target.setAccessibleName("Event the input is for")
        self.needed_by = MessageLine("Needed by")
        self.kind = QComboBox()
        self.kind.setAccessibleName("How healthcare contributed")
        # Long entries must not widen the form past a small screen; the list pops up wide.
        self.kind.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.kind.setMinimumContentsLength(24)
        self.kind.addItem("Choose how healthcare contributed…", None)
        for code in CONTRIBUTION_TYPES:
            self.kind.addItem(type_text(code), code)
        self.team = StoredChoice("Team", TEAMS.items())
        self.planned = QCheckBox("&Planned — not given yet (e.g. booked to attend)")
        self.planned.setAccessibleName("Planned, not yet given")
        self.summary = QPlainTextEdit()
        self.summary.setAccessibleName("Risk-relevant summary shared with the case manager")
        self.summary.setPlaceholderText(
            "Risk-relevant only: what the case manager needs to know. The full note stays in "
            "the clinical record."
        )
        self.summary.setTabChangesFocus(True)
        self.summary.setMinimumHeight(self.fontMetrics().lineSpacing() * 3)
        self.summary.setMaximumHeight(self.fontMetrics().lineSpacing() * 5)
        self.counter = QLabel(f"0 / {SUMMARY_MAX}")
        self.counter.setAccessibleName("Summary length")
        self.add_button = QPushButton("Sign and &add input")
        self.add_button.setAccessibleName("Sign and add the health input")
        self.clear_button = QPushButton("Clea&r form")
        self.clear_button.setAccessibleName("Clear the input form")
        self.problem = MessageLine()
        self.done = MessageLine("Last input added")
        self.refusal = MessageLine("Why input cannot be added here")
        self._lay_out()

    def _lay_out(self) -> None:
        rows = FormRows()
        rows.add("T&ype:", self.kind)
        rows.add("&Team:", self.team)
        rows.add("", self.planned)
        rows.add("&Summary:", self.summary)
        rows.under(self.counter)
        form = rows.layout
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.target)
        layout.addWidget(self.needed_by)
        layout.addWidget(self.refusal)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button, 1)
        buttons.addWidget(self.clear_button)
        layout.addLayout(buttons)
        layout.addWidget(self.done)
        layout.addStretch(1)
        self.summary.textChanged.connect(self._count)
        self.add_button.clicked.connect(self._submit)
        self.clear_button.clicked.connect(self.reset)
        self._enable(False)

    # -- which event -------------------------------------------------------------------------
    def set_team(self, team: str | None) -> None:
        """The signed-in clinician's team: they record input for it only (services/acct)."""
        self._fixed_team = team
        if team is not None:
            # A team this version does not know (a newer laptop's) is shown as itself, never as
            # the first team in the list: that read as someone else's team and was refused.
            self.team.keep(team)
        if not self.team.unknown():
            self.team.setToolTip("You record input for your own team." if team else "")
        self.team.setEnabled(team is None and self.add_button.isEnabled())

    def set_event(self, event: AcctEventView | None, now: datetime, *, refusal: str = "") -> None:
        """Point the form at an event; `refusal` says why input cannot be added (or "")."""
        changed = event is None or self.current_event is None or event.id != self.current_event.id
        self.current_event = event
        if changed:
            self.problem.clear()
        self.refusal.info(refusal)
        if event is None:
            self.target.setText("Choose an event in the list.")
            self.needed_by.clear()
            self._enable(False)
            return
        held = f"held {when(event.held_at, now)}" if event.held_at else "not yet held"
        self.target.setText(
            f"For: {event_label(event.event_type)}, scheduled {when(event.scheduled_at, now)} "
            f"({held})."
        )
        self._show_needed_by(event, now)
        self._enable(not refusal)
        self.planned.setEnabled(not refusal and event.held_at is None)
        if event.held_at is not None:
            self.planned.setChecked(False)

    def _show_needed_by(self, event: AcctEventView, now: datetime) -> None:
        if event.scheduled_at is None:
            self.needed_by.info("No review time yet: ask the case manager when it is.")
            return
        if event.held_at is not None:
            self.needed_by.info(
                f"This review was held {when(event.held_at, now)}: input added now is recorded "
                "after it, and shows when it was signed."
            )
            return
        needed = rules.needed_by(event.scheduled_at)
        text = (
            f"Needed by {when(needed, now)}: safety-critical — it must reach the office "
            "(sync) before the review."
        )
        policy = rules.DEFAULT_ACCT_POLICY  # read here: the words follow the policy's window
        timing = rules.input_timing(needed, now, synced=False, policy=policy)
        if timing is rules.InputTiming.PASSED:
            # The review is not recorded as held, but its time has come: say so, never "away".
            self.needed_by.warning(
                f"{text} That time has passed: the review may go ahead without this input — "
                "sync now and tell the case manager, or hand over a printed slip."
            )
        elif timing is rules.InputTiming.DUE_SOON:
            self.needed_by.warning(
                f"{text} That is less than {rules.unsynced_warning_window_text(policy)} away: "
                "sync now or hand over a printed slip."
            )
        else:
            self.needed_by.info(text)

    def _enable(self, on: bool) -> None:
        for widget in (self.kind, self.summary, self.add_button, self.clear_button, self.planned):
            widget.setEnabled(on)
        self.team.setEnabled(on and self._fixed_team is None)

    # -- typing ------------------------------------------------------------------------------
    def _count(self) -> None:
        length = len(self.summary.toPlainText())
        self.counter.setText(f"{length} / {SUMMARY_MAX}")
        over = length > SUMMARY_MAX
        if over:  # said in words, not by colour alone
            self.counter.setText(f"{length} / {SUMMARY_MAX}: too long")
        set_tone(self.counter, "error" if over else None)

    def choose_type(self, code: str) -> None:
        index = self.kind.findData(code)
        if index < 0:
            raise KeyError(code)
        self.kind.setCurrentIndex(index)

    def dirty(self) -> bool:
        return self.current_event is not None and bool(
            self.summary.toPlainText().strip()
            or self.kind.currentData()
            or self.planned.isChecked()
        )

    def show_problem(self, text: str) -> None:
        self.problem.problem(text)

    def show_done(self, text: str) -> None:
        self.done.success(text)

    def reset(self) -> None:
        """Empty the fields after an input was added (the event stays chosen)."""
        self.kind.setCurrentIndex(0)
        self.summary.clear()
        self.planned.setChecked(False)
        self.problem.clear()

    def clear(self) -> None:
        self.reset()
        self.done.clear()
        self.set_event(None, clinic_now())

    def _submit(self) -> None:
        if self.current_event is None:
            self.show_problem("Choose the event this input is for.")
            return
        if self.team.unknown():
            self.show_problem(UNKNOWN_TEAM.format(team=quoted(self.team.value())))
            return
        self.problem.clear()
        self.submitted.emit(
            ContributionInput(
                event_id=self.current_event.id,
                contribution_type=self.kind.currentData() or "",
                team=self.team.currentData() or "",
                summary=self.summary.toPlainText(),
                planned=self.planned.isChecked() and self.planned.isEnabled(),
            )
        )

    # -- drafts ------------------------------------------------------------------------------
    def to_payload(self) -> dict[str, Any]:
        return {
            "event_id": self.current_event.id if self.current_event else None,
            "contribution_type": self.kind.currentData(),
            "team": self.team.currentData(),
            "summary": self.summary.toPlainText(),
            "planned": self.planned.isChecked(),
        }

    def apply_payload(self, payload: Mapping[str, Any]) -> None:
        kind = self.kind.findData(payload.get("contribution_type"))
        self.kind.setCurrentIndex(max(0, kind))
        if self.team.isEnabled():
            self.team.setCurrentIndex(max(0, self.team.findData(payload.get("team"))))
        if isinstance(payload.get("summary"), str):
            self.summary.setPlainText(payload["summary"])
        if self.planned.isEnabled():
            self.planned.setChecked(bool(payload.get("planned")))
