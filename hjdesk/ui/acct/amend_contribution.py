"""Amending healthcare's input to an ACCT event (services.amendments.amend_contribution): how
healthcare contributed, whether it was planned or given, and the risk-relevant summary. The event,
team and contributor stay: input for another event or team is a new contribution."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QPlainTextEdit, QWidget

from hjdesk.services.acct import SUMMARY_MAX, AcctEventView, ContributionView
from hjdesk.services.corrections import ContributionCorrection
from hjdesk.ui.acct.labels import CONTRIBUTION_TYPES, TEAMS, event_label, type_text, when
from hjdesk.ui.corrections import AmendEntryDialog, AmendProblem
from hjdesk.ui.widgets.stored_fields import StoredChoice


def describe(given: ContributionView, event: AcctEventView | None, now: datetime) -> str:
    kind = CONTRIBUTION_TYPES.get(given.contribution_type, given.contribution_type)
    for_event = f" for the {event_label(event.event_type).lower()}" if event else ""
    state = "planned" if given.planned else "given"
    return (
        f"Health input{for_event}: {kind} ({state}), {TEAMS.get(given.team, given.team)}, "
        f"signed {when(given.signed_at, now)}."
    )


class ContributionAmendDialog(AmendEntryDialog):
    def __init__(
        self,
        given: ContributionView,
        event: AcctEventView | None,
        now: datetime,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Amend health input", describe(given, event, now), parent)
        self.given = given
        self.kind = StoredChoice(
            "How healthcare contributed", ((code, type_text(code)) for code in CONTRIBUTION_TYPES)
        )
        self.kind.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.kind.setMinimumContentsLength(24)
        # The signed type as signed: one this version does not know is never amended into the
        # first entry of the list (the service then says in words that it must be chosen).
        self.kind.keep(given.contribution_type)
        self.planned = QCheckBox("&Planned — not given yet")
        self.planned.setAccessibleName("Planned, not yet given")
        self.planned.setChecked(given.planned)
        # Once the review is held, input is given or not at all (the service says the same).
        held = event is not None and event.held_at is not None
        self.planned.setEnabled(not held or given.planned)
        self.summary = QPlainTextEdit(given.summary)
        self.summary.setAccessibleName("Corrected risk-relevant summary")
        self.summary.setTabChangesFocus(True)
        self.summary.setMinimumHeight(self.fontMetrics().lineSpacing() * 4)
        self.add_row("T&ype:", self.kind)
        self.add_row("", self.planned)
        self.add_row("S&ummary:", self.summary)
        self.resize(580, 420)

    def correction(self) -> ContributionCorrection:
        summary = self.summary.toPlainText().strip()
        if len(summary) > SUMMARY_MAX:
            raise AmendProblem(
                f"The summary has {len(summary)} characters; at most {SUMMARY_MAX}: the full "
                "note stays in the clinical record."
            )
        return ContributionCorrection(
            contribution_type=str(self.kind.currentData()),
            summary=summary,
            planned=self.planned.isChecked(),
        )

    def fields(self) -> dict[str, Any]:
        return {
            "contribution_type": self.kind.currentData(),
            "planned": self.planned.isChecked(),
            "summary": self.summary.toPlainText(),
        }

    def restore_fields(self, state: Mapping[str, Any]) -> None:
        found = self.kind.findData(state.get("contribution_type"))
        if found >= 0:
            self.kind.setCurrentIndex(found)
        if self.planned.isEnabled():
            self.planned.setChecked(state.get("planned") is True)
        if isinstance(state.get("summary"), str):
            self.summary.setPlainText(state["summary"])

    def unchanged(self, corrected: ContributionCorrection) -> bool:
        given = self.given
        return (
            corrected.contribution_type == given.contribution_type
            and corrected.summary == given.summary.strip()
            and corrected.planned == given.planned
        )
