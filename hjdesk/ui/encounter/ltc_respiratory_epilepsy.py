"""Asthma (NICE NG245), COPD [C] and epilepsy (NICE NG217) review pages."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLineEdit

from hjdesk.clinical import ltc
from hjdesk.ui.encounter.ltc_page import ConditionPage
from hjdesk.ui.encounter.parts import FormParts
from hjdesk.ui.widgets.fields import Combo, NumberField, YesNo, paint


class AsthmaPage(ConditionPage):
    """NICE NG245 review items; inhaler technique is watched, not asked."""

    def __init__(self) -> None:
        super().__init__("Asthma review")
        self.reliever = self.add(
            "reliever_uses_per_week",
            "&Reliever uses per week",
            NumberField("Reliever uses per week"),
        )
        self.attacks = self.add(
            "exacerbations_last_12_months",
            "Asthma &attacks in the last 12 months",
            NumberField("Asthma attacks in the last 12 months"),
        )
        self.yes_no: dict[str, YesNo] = {}
        for key, label in (
            ("has_written_action_plan", "&Written asthma action plan"),
            ("inhaler_technique_observed_ok", "&Inhaler technique watched and correct"),
            ("adherence_good", "Preventer a&dherence good"),
            ("smokes", "&Smokes"),
            ("vapes", "&Vapes"),
        ):
            self.yes_no[key] = self.add(key, label, YesNo(label.replace("&", "")))
        self.peak = self.add("PEAK_FLOW", "&Peak flow (L/min)", NumberField("Peak flow"))
        self.result = self.note()
        self.result.setAccessibleName("Asthma review result")
        self.changed.connect(self.refresh)
        self.refresh()

    def review(self) -> dict[str, Any]:
        given: dict[str, Any] = {}
        for key, field in (
            ("reliever_uses_per_week", self.reliever),
            ("exacerbations_last_12_months", self.attacks),
        ):
            try:
                given[key] = field.value()
            except ValueError:
                given[key] = None
        for key, combo in self.yes_no.items():
            given[key] = combo.value()
        return given

    def refresh(self) -> None:
        missing = ltc.asthma_review_missing(ltc.AsthmaReview(**self.review()))
        self.result.setText(
            "Still to record: " + " ".join(missing) if missing else "All review items recorded."
        )
        paint(self.result, None if missing else "GREEN")

    def contribute(self, parts: FormParts) -> None:
        parts.data["asthma"] = self.review()
        try:
            parts.measure("PEAK_FLOW", self.peak.value())
        except ValueError:
            parts.problems.append("Peak flow must be a number.")


class CopdPage(ConditionPage):
    """COPD [C]: MRC grade, exacerbations, inhalers, oxygen target (sets NEWS2 scale 2), rehab."""

    def __init__(self) -> None:
        super().__init__("COPD review")
        grades = tuple((n, f"Grade {n}") for n in range(1, 6))
        self.mrc = self.add("mrc_grade", "&MRC dyspnoea grade", Combo(grades, "MRC dyspnoea grade"))
        self.exacerbations = self.add(
            "exacerbations",
            "&Exacerbations in the last 12 months",
            NumberField("Exacerbations in the last 12 months"),
        )
        self.technique = self.add(
            "inhaler_technique_ok",
            "&Inhaler technique watched and correct",
            YesNo("Inhaler technique watched and correct"),
        )
        self.o2_low = self.add(
            "oxygen_target_low",
            "Prescribed oxygen target &from (%)",
            NumberField("Oxygen target from"),
        )
        self.o2_high = self.add(
            "oxygen_target_high",
            "Prescribed oxygen target &to (%)",
            NumberField("Oxygen target to"),
        )
        self.rehab = self.add("pulmonary_rehab", "Pulmonary &rehabilitation", QLineEdit())
        self.vaccines = self.add(
            "vaccinations", "&Vaccinations (flu, pneumococcal, COVID-19)", QLineEdit()
        )
        self.result = self.note()
        self.result.setAccessibleName("COPD review result")
        self.changed.connect(self.refresh)
        self.refresh()

    def target(self) -> tuple[int, int] | None:
        try:
            low, high = self.o2_low.value(), self.o2_high.value()
        except ValueError:
            return None
        return (int(low), int(high)) if low is not None and high is not None else None

    def refresh(self) -> None:
        target = self.target()
        if target is None:
            self.result.setText("")
            return
        try:
            scale = ltc.news2_scale_for_oxygen_target(*target)
        except ValueError as exc:
            self.result.setText(f"{exc}.")
            return
        self.result.setText(
            f"Oxygen target {target[0]}-{target[1]}%: use NEWS2 SpO2 scale {scale}."
        )

    def contribute(self, parts: FormParts) -> None:
        if self.mrc.value() is not None:
            parts.data["mrc_grade"] = int(self.mrc.value())
        try:
            low, high = self.o2_low.value(), self.o2_high.value()
            count = self.exacerbations.value()
        except ValueError:
            parts.problems.append("COPD review: numbers only in the numeric fields.")
            return
        if (low is None) != (high is None):
            parts.problems.append("Give the oxygen target as a lower and an upper percentage.")
        elif low is not None and high is not None:
            parts.data["oxygen_target"] = [int(low), int(high)]
        answers = self.texts(("inhaler_technique_ok", "pulmonary_rehab", "vaccinations"))
        if count is not None:
            answers["exacerbations"] = int(count)
        parts.data.setdefault("ltc", {}).update(answers)


PREGNANCY_PREVENTION = (
    ("NOT_APPLICABLE", "Not applicable"),
    ("IN_PLACE", "In place"),
    ("DISCUSSED", "Discussed, not yet in place"),
)


class EpilepsyPage(ConditionPage):
    """NICE NG217; anti-seizure medicines are critical and must travel with the patient."""

    def __init__(self) -> None:
        super().__init__("Epilepsy review")
        self.add("seizure_types", "Sei&zure types", QLineEdit())
        self.add("seizure_frequency", "Seizure &frequency", QLineEdit())
        self.add("adherence_good", "Medicines a&dherence good", YesNo("Medicines adherence good"))
        self.add("side_effects", "Side &effects", QLineEdit())
        self.add("sudep_discussed", "&SUDEP discussed", YesNo("SUDEP discussed"))
        self.add(
            "pregnancy_prevention",
            "&Valproate/topiramate pregnancy prevention",
            Combo(PREGNANCY_PREVENTION, "Valproate or topiramate pregnancy prevention"),
        )
        self.add(
            "critical_medicines_checked",
            "&Critical medicines checked (must travel with the patient)",
            YesNo("Critical medicines checked"),
        )
        self.note(
            "Anti-seizure medicines are critical medicines: they must travel with the patient on "
            "transfer or release."
        )

    def contribute(self, parts: FormParts) -> None:
        keys = tuple(self.fields)
        parts.data.setdefault("ltc", {}).update(self.texts(keys))
