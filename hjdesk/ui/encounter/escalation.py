"""The escalation a red flag demands before signing (domain.md §4, §8): what the red flags are, the
establishment's pathway to follow, and who was told, when, and what was done.

Red flags are worked out from the live results of `clinical.news2` and `clinical.questionnaires`
and named with the service's own words (encounter_rules.RED_FLAG_TEXT), so the form and the
service always agree on what needs escalating.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import QLabel, QLineEdit

from hjdesk.clinical import news2, questionnaires
from hjdesk.clinical.news2 import EscalationPathways, News2Result, News2Risk
from hjdesk.services.encounters import (
    NEWS2_HIGH,
    NEWS2_MEDIUM,
    NEWS2_RED_SCORE,
    PHQ9_ITEM9,
    RED_FLAG_TEXT,
    EscalationInput,
)
from hjdesk.ui.clinic_time import CLINIC_QT_ZONE
from hjdesk.ui.widgets.fields import (
    Section,
    TextArea,
    aware,
    clean,
    lower_first,
    now_edit,
    paint,
)


def red_flags(result: News2Result | None, phq9_item9: bool) -> list[str]:
    """The red flags of the live results, as the service names them."""
    flags: list[str] = []
    if result is not None:
        if result.risk is News2Risk.HIGH:
            flags.append(NEWS2_HIGH)
        elif result.risk is News2Risk.MEDIUM:
            flags.append(NEWS2_MEDIUM)
        if result.red_score:
            flags.append(NEWS2_RED_SCORE)
    if phq9_item9:
        flags.append(PHQ9_ITEM9)
    return flags


class EscalationSection(Section):
    """Shown only while there is a red flag; then it must be filled in before signing."""

    def __init__(self) -> None:
        super().__init__("Escalation (required before signing)")
        self.setObjectName("escalation")
        self.flags_label = QLabel("")
        self.flags_label.setWordWrap(True)
        self.flags_label.setAccessibleName("Red flags")
        self.layout_.addRow(self.flags_label)
        self.pathway = QLabel("")
        self.pathway.setWordWrap(True)
        self.pathway.setAccessibleName("Escalation pathway")
        self.layout_.addRow(self.pathway)
        self.to = self.add("escalated_to", "&Who was told (name and role)", QLineEdit())
        self.to.setPlaceholderText("e.g. Dr Raman, duty GP")
        self.at = self.add("escalated_at", "&When", now_edit("When they were told"))
        self.action = self.add("action", "&Action taken", TextArea("Action taken", lines=2))
        self.flags: list[str] = []
        self._at_given = False
        self.setVisible(False)

    def restore(self, state: Mapping[str, Any]) -> None:
        super().restore(state)
        self._at_given = bool(state.get("escalated_at"))

    def show_flags(
        self, flags: list[str], result: News2Result | None, pathways: EscalationPathways
    ) -> None:
        if flags and not self.flags and not self._at_given:
            # The moment a flag appears is the best default for "when"; the nurse corrects it.
            self.at.setDateTime(QDateTime.currentDateTime(CLINIC_QT_ZONE))
        self.flags = flags
        self.setVisible(bool(flags))
        self.flags_label.setText(
            "RED FLAG: " + "; ".join(RED_FLAG_TEXT[f] for f in flags) + "." if flags else ""
        )
        paint(self.flags_label, "RED" if flags else None)
        advice: list[str] = []
        if result is not None and result.needs_escalation:
            advice.append(f"NEWS2 pathway: {news2.pathway_for(result, pathways)}.")
        if PHQ9_ITEM9 in flags:
            advice.append(
                f"PHQ-9: {questionnaires.PROMPT_RISK_ASSESSMENT}; "
                f"{lower_first(questionnaires.PROMPT_ACCT)}."
            )
        self.pathway.setText(" ".join(advice))

    def missing(self) -> list[str]:
        """What must still be filled in (empty when there is no red flag)."""
        if not self.flags:
            return []
        out = []
        if not clean(self.to.text()):
            out.append("who was told")
        if not self.action.toPlainText().strip():
            out.append("the action taken")
        return out

    def escalation(self) -> EscalationInput | None:
        if not self.flags or self.missing():
            return None
        at: datetime = aware(self.at.dateTime())
        return EscalationInput(
            action=self.action.toPlainText().strip(), escalated_to=clean(self.to.text()), at=at
        )
