"""The parts of an encounter form that are not scored: when and where, the clinical note, the
mental health session, the older prisoner review and the second-stage assessment.

Answers go into `EncounterInput.data` under the keys the services check (falls, social care) or
store as given (encounter_forms.py lists them).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QCheckBox, QLineEdit

from hjdesk.clinical import falls
from hjdesk.services.encounters import MEASUREMENTS
from hjdesk.ui.encounter.parts import FormParts
from hjdesk.ui.widgets.fields import (
    Combo,
    NumberField,
    Section,
    TextArea,
    YesNo,
    aware,
    clean,
    now_edit,
    paint,
)

PLACE_MAX = 60


class BasicsSection(Section):
    """Where and when, consent and capacity."""

    def __init__(self) -> None:
        super().__init__("Encounter")
        self.place = QLineEdit()
        self.place.setMaxLength(PLACE_MAX)
        self.place.setPlaceholderText("e.g. A wing treatment room, cell door A-2-014")
        self.add("place", "&Place", self.place)
        self.started = now_edit("Started at")
        self.add("started_at", "&Started at", self.started)
        self.consent = QCheckBox("&Consent recorded")
        self.add("consent_recorded", "Consent recorded", self.consent)
        self.capacity = QCheckBox("Concern about ca&pacity")
        self.add("capacity_concern", "Concern about capacity", self.capacity)

    def started_at(self) -> datetime:
        return aware(self.started.dateTime())


class NarrativeSection(Section):
    def __init__(self) -> None:
        super().__init__("Clinical note")
        self.text = TextArea("Clinical note (narrative)", lines=5)
        self.add("narrative", "Clinical &note", self.text)

    def narrative(self) -> str:
        return self.text.toPlainText().strip()


class MentalHealthSection(Section):
    """MH in-reach session (domain.md §8): risk, crisis plan, ACCT and sharing decisions."""

    TEXTS = (
        ("risk_formulation", "&Risk formulation"),
        ("crisis_plan", "Cri&sis plan"),
        ("care_plan_review", "Care plan re&view"),
        ("acct_involvement", "ACCT in&volvement"),
        ("sharing_decisions", "S&haring decisions (who, what, consent)"),
    )

    def __init__(self) -> None:
        super().__init__("Mental health session")
        self.texts = {
            key: self.add(key, label, TextArea(label.replace("&", ""))) for key, label in self.TEXTS
        }

    def contribute(self, parts: FormParts) -> None:
        for key, area in self.texts.items():
            text = area.toPlainText().strip()
            if text:
                parts.data[key] = text


class FallsSection(Section):
    """The four NICE NG249 questions; no score (any yes → a multifactorial assessment task)."""

    def __init__(self) -> None:
        super().__init__("Falls (NICE NG249)")
        self.questions = {
            key: self.add(key, question, YesNo(question))
            for key, question in falls.FALLS_QUESTIONS.items()
        }
        self.result = self.note()
        self.result.setAccessibleName("Falls result")
        self.changed.connect(self.refresh)
        self.refresh()

    def answers(self) -> dict[str, bool | None]:
        return {k: w.value() for k, w in self.questions.items()}

    def refresh(self) -> None:
        given = self.answers()
        if any(v is None for v in given.values()):
            self.result.setText("Answer every falls question.")
            paint(self.result, None)
            return
        found = falls.FallsAnswers(**{k: bool(v) for k, v in given.items()})
        if falls.needs_multifactorial_assessment(found):
            self.result.setText(
                "A positive answer: a multifactorial falls assessment task will be raised."
            )
            paint(self.result, "AMBER")
        else:
            self.result.setText("No falls concern.")
            paint(self.result, "GREEN")

    def contribute(self, parts: FormParts) -> None:
        given = self.answers()
        if any(v is None for v in given.values()):
            parts.problems.append("Answer every falls question (yes or no).")
            return
        parts.data["falls"] = {k: bool(v) for k, v in given.items()}


class OlderPrisonerSection(Section):
    """The rest of the older prisoner review (domain.md §7)."""

    TEXTS = (
        ("continence", "C&ontinence"),
        ("vision", "&Vision"),
        ("hearing", "&Hearing"),
        ("mobility_equipment", "&Mobility and equipment"),
    )
    CHECKS = (
        ("peep_checked", "PEEP (evacuation plan) checked"),
        ("polypharmacy_review", "Polypharmacy review needed"),
        ("end_of_life", "End of life: identified as possibly in the last year of life"),
    )

    def __init__(self) -> None:
        super().__init__("Older prisoner review")
        self.texts = {key: self.add(key, label, QLineEdit()) for key, label in self.TEXTS}
        self.checks = {key: self.add(key, label, YesNo(label)) for key, label in self.CHECKS}
        self.needs = self.add("social_care_needs", "Social care &needs", YesNo("Social care needs"))
        self.referral = self.add(
            "social_care_referral",
            "Social care re&ferral made (local authority, Care Act s.76)",
            YesNo("Social care referral made"),
        )
        self.result = self.note()
        self.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        needs, referred = self.needs.value(), self.referral.value()
        if needs is True and referred is not True:
            self.result.setText("Needs without a referral: a referral task will be raised.")
            paint(self.result, "AMBER")
        else:
            self.result.setText("")
            paint(self.result, None)

    def contribute(self, parts: FormParts) -> None:
        for key, line in self.texts.items():
            text = clean(line.text())
            if text:
                parts.data[key] = text
        answers = {**self.checks, "social_care_needs": self.needs}
        answers["social_care_referral"] = self.referral
        for key, combo in answers.items():
            value = combo.value()
            if value is not None:
                parts.data[key] = bool(value)


SMOKING = (("SMOKER", "Smoker"), ("EX_SMOKER", "Ex-smoker"), ("NEVER_SMOKED", "Never smoked"))


MEDICINES_HINT = (
    "Also record each allergy and current medicine on the record's Medicines tab: the transfer "
    "summary lists only those."
)


class SecondStageSection(Section):
    """Second-stage health assessment (NICE NG57), within 7 days of reception."""

    TEXTS = (
        ("physical_health", "&Physical health and long-term conditions"),
        ("mental_health", "&Mental health"),
        ("substance_use", "S&ubstance and alcohol use"),
        ("medicines", "Medi&cines and allergies"),
        ("disability_neurodiversity", "&Disability, neurodiversity, communication needs"),
        ("follow_up", "&Follow-up arranged"),
    )

    def __init__(self) -> None:
        super().__init__("Second-stage health assessment")
        self.texts = {
            key: self.add(key, label, TextArea(label.replace("&", ""), lines=2))
            for key, label in self.TEXTS
        }
        # What is written here stays in this note: the transfer summary and the medicines
        # checklist list only what the record's Medicines tab holds (H-39).
        self.texts["medicines"].setPlaceholderText(MEDICINES_HINT)
        self.texts["medicines"].setAccessibleDescription(MEDICINES_HINT)
        self.smoking = self.add(
            "smoking_status", "Smoking status", Combo(SMOKING, "Smoking status")
        )
        self.weight_kg = self.add(
            "weight",
            f"Weight ({MEASUREMENTS['WEIGHT'].unit})",
            NumberField("Weight", decimals=True),
        )
        self.height_cm = self.add(
            "height", f"Height ({MEASUREMENTS['HEIGHT'].unit})", NumberField("Height")
        )

    def contribute(self, parts: FormParts) -> None:
        for key, area in self.texts.items():
            text = area.toPlainText().strip()
            if text:
                parts.data[key] = text
        parts.measure("SMOKING_STATUS", self.smoking.value())
        try:
            parts.measure("WEIGHT", self.weight_kg.value())
            parts.measure("HEIGHT", self.height_cm.value())
        except ValueError:
            parts.problems.append("Weight and height must be numbers.")
