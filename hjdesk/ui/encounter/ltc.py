"""Long-term condition review fields (domain.md §7): choose the condition, then its page
(ltc_diabetes_bp, ltc_respiratory_epilepsy), each with live results from `clinical.ltc`.

Keys match what services/encounters/answers.py checks; everything else is stored under "ltc".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hjdesk.clinical.ltc import LtcCondition
from hjdesk.ui.encounter.ltc_diabetes_bp import DiabetesPage, HypertensionPage
from hjdesk.ui.encounter.ltc_page import ConditionPage
from hjdesk.ui.encounter.ltc_respiratory_epilepsy import AsthmaPage, CopdPage, EpilepsyPage
from hjdesk.ui.encounter.parts import FormParts
from hjdesk.ui.widgets.fields import Combo, Section, Swap

CONDITION_NAMES = {
    LtcCondition.DIABETES: "Diabetes",
    LtcCondition.HYPERTENSION: "Hypertension",
    LtcCondition.ASTHMA: "Asthma",
    LtcCondition.COPD: "COPD",
    LtcCondition.EPILEPSY: "Epilepsy",
}
# Which conditions a clinic type reviews (respiratory clinics see asthma and COPD).
CLINIC_CONDITIONS: Mapping[str, tuple[LtcCondition, ...]] = {
    "LTC_DIABETES": (LtcCondition.DIABETES,),
    "LTC_HYPERTENSION": (LtcCondition.HYPERTENSION,),
    "LTC_RESPIRATORY": (LtcCondition.ASTHMA, LtcCondition.COPD),
    "LTC_EPILEPSY": (LtcCondition.EPILEPSY,),
}


PAGES: Mapping[LtcCondition, Callable[[], ConditionPage]] = {
    LtcCondition.DIABETES: DiabetesPage,
    LtcCondition.HYPERTENSION: HypertensionPage,
    LtcCondition.ASTHMA: AsthmaPage,
    LtcCondition.COPD: CopdPage,
    LtcCondition.EPILEPSY: EpilepsyPage,
}


class LtcSection(Section):
    """Choose the condition, then its page; `required` for an LTC review (the service asks)."""

    def __init__(self, *, choices: tuple[LtcCondition, ...], required: bool) -> None:
        super().__init__("Long-term condition review")
        self.required = required
        options = tuple((c.value, CONDITION_NAMES[c]) for c in choices)
        self.condition = self.add("condition", "Con&dition", Combo(options, "Long-term condition"))
        self.stack = Swap()
        self.pages: dict[str, ConditionPage] = {}
        for condition in choices:
            page = PAGES[condition]()
            page.changed.connect(self.changed.emit)
            self.pages[condition.value] = page
            self.stack.addWidget(page)
        self.layout_.addRow(self.stack)
        if len(choices) == 1:
            self.condition.set_value(choices[0].value)
        self.condition.currentIndexChanged.connect(self._show_page)
        self._show_page()

    def _show_page(self) -> None:
        value = self.condition.value()
        page = self.pages.get(value) if value else None
        self.stack.setVisible(page is not None)
        if page is not None:
            self.stack.setCurrentWidget(page)

    def set_age(self, age: int | None) -> None:
        for page in self.pages.values():
            page.age = age
            page.refresh()

    def state(self) -> dict[str, Any]:
        return {
            "condition": self.condition.value(),
            **{k: p.state() for k, p in self.pages.items()},
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        for key, page in self.pages.items():
            page.restore(state.get(key, {}))
        self.condition.set_value(state.get("condition") or self.condition.value())

    def contribute(self, parts: FormParts) -> None:
        value = self.condition.value()
        if value is None:
            if self.required:
                parts.problems.append("Choose the long-term condition this review is for.")
            return
        parts.ltc_condition = value
        self.pages[value].contribute(parts)
