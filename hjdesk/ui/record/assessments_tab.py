"""The assessments tab: questionnaire and frailty results (PHQ-9, GAD-7, 6CIT, AQ-10, CFS),
newest first, flags in words; results of amended entries stay listed and say so."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from hjdesk.services.patients import STANDS, AssessmentRow, patient_assessments
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.context import PageContext
from hjdesk.ui.record.tab_base import RecordTab, make_tree, moment_text, tree_item

COLUMNS = ("When", "Assessment", "Score", "Result", "Flag", "By", "Entry")
FLAG_TEXT = {
    "PHQ9": "FLAG: item 9 above 0 — risk assessment; consider an ACCT concern",
    "GAD7": "FLAG: 10 or more — further evaluation",
    "SIX_CIT": "FLAG: impairment — consider referral",
    "AQ10": "FLAG: offer an autism assessment",
    "CFS": "FLAG: living with frailty",
}


def flag_text(row: AssessmentRow) -> str:
    if not row.flagged:
        return ""
    text = FLAG_TEXT.get(row.instrument, "FLAG")
    return f"{text} (override: {row.override_reason})" if row.override_reason else text


def score_text(row: AssessmentRow) -> str:
    return f"level {row.total}" if row.instrument == "CFS" else str(row.total)


class AssessmentsTab(RecordTab[tuple[AssessmentRow, ...]]):
    title = "&Assessments"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.rows: tuple[AssessmentRow, ...] = ()
        self.tree = make_tree(COLUMNS, "Questionnaire and frailty results", 4)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.tree, 1)

    def fetch(self, vault: OpenVault, patient_id: str) -> tuple[AssessmentRow, ...]:
        return patient_assessments(vault, patient_id)

    def show_data(self, data: tuple[AssessmentRow, ...]) -> None:
        self.rows = data
        self.tree.clear()
        for row in data:
            stands = row.standing == STANDS
            severity = ("RED" if row.instrument == "PHQ9" else "AMBER") if row.flagged else None
            self.tree.addTopLevelItem(
                tree_item(
                    [
                        moment_text(row.taken_at),
                        row.name,
                        score_text(row),
                        row.band,
                        flag_text(row),
                        row.author_name,
                        "" if stands else row.standing.upper(),
                    ],
                    severity if stands else "GREY",
                )
            )
        if not data:
            self.say("No questionnaires or frailty scores recorded for this patient.")

    def reset(self) -> None:
        self.rows = ()
        self.tree.clear()
