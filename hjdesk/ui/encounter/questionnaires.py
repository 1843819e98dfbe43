"""Questionnaires scored live: PHQ-9, GAD-7, 6CIT, AQ-10 and the Clinical Frailty Scale.

Scores come from `clinical.questionnaires` and `clinical.frailty`. A questionnaire left wholly blank
is not recorded; one partly answered cannot be signed (all items are required). The 6CIT is shown by
topic only (its wording is not reproduced: licence unclear, domain.md §4). The AQ-10 is recorded as
its ten item scores (1 where the answer points towards autism, by the published key), numbered, not
reworded; a score of 6 or more offers a comprehensive assessment (NICE CG142) unless the clinician
overrides it with a reason.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QLineEdit

from hjdesk.clinical import frailty, questionnaires
from hjdesk.services.encounters import Aq10Input, SixCitInput
from hjdesk.ui.encounter.parts import FormParts
from hjdesk.ui.widgets.fields import Combo, Section, clean, lower_first, paint

ANSWERS = tuple(
    (score, f"{score} {label}") for score, label in enumerate(questionnaires.ANSWER_LABELS)
)


class ItemsSection(Section):
    """A questionnaire of items each scored 0-3 (PHQ-9, GAD-7)."""

    name = ""
    wrap_labels = True

    def __init__(self, title: str, stem: str, items: Sequence[str]) -> None:
        super().__init__(title)
        self.layout_.addRow(self.note(stem))
        self.items: list[Combo] = []
        for number, text in enumerate(items, start=1):
            combo = Combo(ANSWERS, f"{self.name} item {number}: {text}")
            self.items.append(combo)
            self.add(f"item{number}", f"{number}. {text}", combo)
        self.result = self.note()
        self.result.setAccessibleName(f"{self.name} total")
        self.result.setObjectName(f"{self.name}Total")
        self.changed.connect(self.refresh)

    def answers(self) -> list[int | None]:
        return [c.value() for c in self.items]

    def complete(self) -> tuple[int, ...] | None:
        given = self.answers()
        if any(a is None for a in given):
            return None
        return tuple(int(a) for a in given if a is not None)

    def refresh(self) -> None:
        given = [a for a in self.answers() if a is not None]
        if len(given) < len(self.items):
            self.result.setText(
                f"{self.name}: {len(given)} of {len(self.items)} answered"
                + (f" (so far {sum(given)})" if given else "")
            )
            paint(self.result, None)
            return
        self.show_result()

    def show_result(self) -> None:
        raise NotImplementedError

    def contribute(self, parts: FormParts) -> None:
        given = self.answers()
        if all(a is None for a in given):
            return
        if any(a is None for a in given):
            missing = ", ".join(str(n) for n, a in enumerate(given, start=1) if a is None)
            parts.problems.append(
                f"{self.name}: answer every item (missing item {missing}), or clear it."
            )
            return
        self.put(parts, tuple(int(a) for a in given if a is not None))

    def put(self, parts: FormParts, items: tuple[int, ...]) -> None:
        raise NotImplementedError


class Phq9Section(ItemsSection):
    name = "PHQ-9"

    def __init__(self) -> None:
        super().__init__("PHQ-9 (depression)", questionnaires.PHQ9_STEM, questionnaires.PHQ9_ITEMS)
        self.flag = self.note()
        self.flag.setAccessibleName("PHQ-9 item 9 flag")
        self.refresh()

    def item9_positive(self) -> bool:
        """Item 9 above 0 — a red flag whatever the total, even before every item is in."""
        value = self.items[8].value()
        return value is not None and int(value) > 0

    def refresh(self) -> None:
        super().refresh()
        if self.item9_positive():
            self.flag.setText(
                "RED FLAG: item 9 above 0 (thoughts of being better off dead or of self-harm). "
                f"{questionnaires.PROMPT_RISK_ASSESSMENT}; "
                f"{lower_first(questionnaires.PROMPT_ACCT)}."
            )
            paint(self.flag, "RED")
        else:
            self.flag.setText("")
            paint(self.flag, None)

    def show_result(self) -> None:
        items = self.complete()
        assert items is not None
        result = questionnaires.phq9(items)
        self.result.setText(f"PHQ-9 total {result.total}: {result.band.value}")
        paint(self.result, _level(result.total, (5, 10, 15)))

    def put(self, parts: FormParts, items: tuple[int, ...]) -> None:
        parts.phq9 = items


class Gad7Section(ItemsSection):
    name = "GAD-7"

    def __init__(self) -> None:
        super().__init__("GAD-7 (anxiety)", questionnaires.GAD7_STEM, questionnaires.GAD7_ITEMS)
        self.refresh()

    def show_result(self) -> None:
        items = self.complete()
        assert items is not None
        result = questionnaires.gad7(items)
        more = ": further evaluation recommended" if result.further_evaluation else ""
        self.result.setText(f"GAD-7 total {result.total}: {result.band.value}{more}")
        paint(self.result, _level(result.total, (5, 10, 15)))

    def put(self, parts: FormParts, items: tuple[int, ...]) -> None:
        parts.gad7 = items


def _level(total: int, cuts: tuple[int, int, int]) -> str:
    mild, moderate, severe = cuts
    if total >= severe:
        return "RED"
    if total >= moderate:
        return "AMBER"
    if total >= mild:
        return "YELLOW"
    return "GREEN"


RIGHT_WRONG = ((False, "Correct"), (True, "Wrong"))
ERRORS_0_2 = ((0, "No errors"), (1, "1 error"), (2, "2 or more errors"))
ADDRESS_ERRORS = tuple((n, f"{n} error{'s' if n != 1 else ''}") for n in range(6))


class SixCitSection(Section):
    """6CIT recorded by topic; leave blank unless there is a concern about memory."""

    def __init__(self) -> None:
        super().__init__("6CIT cognitive screen (if there is a concern)")
        topics = questionnaires.SIX_CIT_TOPICS
        self.year = self.add("year_wrong", topics["year"], Combo(RIGHT_WRONG, topics["year"]))
        self.month = self.add("month_wrong", topics["month"], Combo(RIGHT_WRONG, topics["month"]))
        self.time = self.add("time_wrong", topics["time"], Combo(RIGHT_WRONG, topics["time"]))
        self.count = self.add(
            "count_errors", topics["count_backwards"], Combo(ERRORS_0_2, topics["count_backwards"])
        )
        self.months = self.add(
            "months_errors", topics["months_reverse"], Combo(ERRORS_0_2, topics["months_reverse"])
        )
        self.address = self.add(
            "address_errors",
            topics["address_recall"],
            Combo(ADDRESS_ERRORS, topics["address_recall"]),
        )
        self.result = self.note()
        self.result.setAccessibleName("6CIT total")
        self.changed.connect(self.refresh)
        self.refresh()

    def _input(self) -> SixCitInput | None:
        values = [w.value() for w in self.fields.values() if isinstance(w, Combo)]
        if any(v is None for v in values):
            return None
        year, month, time, count, months, address = values
        return SixCitInput(
            year_wrong=bool(year),
            month_wrong=bool(month),
            time_wrong=bool(time),
            count_errors=int(count),
            months_errors=int(months),
            address_errors=int(address),
        )

    def refresh(self) -> None:
        given = self._input()
        if given is None:
            answered = sum(
                1 for w in self.fields.values() if isinstance(w, Combo) and w.value() is not None
            )
            self.result.setText(f"6CIT: {answered} of 6 topics recorded")
            paint(self.result, None)
            return
        result = questionnaires.six_cit(
            year_wrong=given.year_wrong,
            month_wrong=given.month_wrong,
            time_wrong=given.time_wrong,
            count_errors=given.count_errors,
            months_errors=given.months_errors,
            address_errors=given.address_errors,
        )
        self.result.setText(f"6CIT total {result.total}: {result.band.value} ({result.action})")
        level = {"normal": "GREEN", "mild impairment": "AMBER"}.get(result.band.value, "RED")
        paint(self.result, level)

    def contribute(self, parts: FormParts) -> None:
        if self.blank():
            return
        given = self._input()
        if given is None:
            parts.problems.append("6CIT: record every topic, or clear them all.")
            return
        parts.six_cit = given


AQ10_ITEM = ((0, "0 (not towards autism)"), (1, "1 (towards autism)"))
OVERRIDE = ((True, "Offer an assessment"), (False, "Do not offer one"))


class Aq10Section(Section):
    """AQ-10 autism screen: ten items scored 0/1 by the published key, live total and verdict."""

    def __init__(self) -> None:
        super().__init__("AQ-10 autism screen (if there is a concern)")
        self.layout_.addRow(
            self.note(
                "Score each item of the AQ-10 as its key says: 1 where the answer points "
                "towards autism, otherwise 0."
            )
        )
        self.items = [
            self.add(f"aq10_item{n}", f"AQ-10 item {n}", Combo(AQ10_ITEM, f"AQ-10 item {n}"))
            for n in range(1, 11)
        ]
        self.override = self.add(
            "aq10_override", "Clinician &override", Combo(OVERRIDE, "AQ-10 clinician override")
        )
        self.reason = self.add("aq10_reason", "Override &reason", QLineEdit())
        self.reason.setAccessibleName("AQ-10 override reason")
        self.result = self.note()
        self.result.setAccessibleName("AQ-10 total")
        self.changed.connect(self.refresh)
        self.refresh()

    def answers(self) -> list[int | None]:
        return [None if c.value() is None else int(c.value()) for c in self.items]

    def refresh(self) -> None:
        given = self.answers()
        if any(a is None for a in given):
            count = sum(1 for a in given if a is not None)
            self.result.setText(f"AQ-10: {count} of 10 items scored")
            paint(self.result, None)
            return
        override = self.override.value()
        result = questionnaires.aq10([int(a or 0) for a in given], override=override)
        verdict = (
            "offer a comprehensive autism assessment"
            if result.offer_assessment
            else ("no assessment offered")
        )
        note = " (clinician override)" if result.overridden else ""
        self.result.setText(f"AQ-10 total {result.total}: {verdict}{note}")
        paint(self.result, "AMBER" if result.offer_assessment else "GREEN")

    def contribute(self, parts: FormParts) -> None:
        given = self.answers()
        override = self.override.value()
        if all(a is None for a in given) and override is None:
            return
        if any(a is None for a in given):
            missing = ", ".join(str(n) for n, a in enumerate(given, start=1) if a is None)
            parts.problems.append(f"AQ-10: score every item (missing item {missing}), or clear it.")
            return
        parts.aq10 = Aq10Input(
            items=tuple(int(a or 0) for a in given),
            override=override,
            override_reason=clean(self.reason.text()) or None,
        )


class CfsSection(Section):
    """Clinical Frailty Scale: one level 1-9 with its short name (no chart reproduced)."""

    def __init__(self, *, required: bool) -> None:
        super().__init__("Clinical Frailty Scale")
        self.required = required
        choices = tuple((lvl.level, lvl.label) for lvl in frailty.CFS_LEVELS)
        self.level = self.add(
            "cfs_level", "CFS &level", Combo(choices, "Clinical Frailty Scale level")
        )
        self.result = self.note()
        self.result.setAccessibleName("Clinical Frailty Scale result")
        self.age: int | None = None
        self.changed.connect(self.refresh)
        self.refresh()

    def set_age(self, age: int | None) -> None:
        self.age = age
        self.refresh()

    def refresh(self) -> None:
        value = self.level.value()
        lines = []
        if value is not None:
            level = frailty.cfs_level(int(value))
            lines.append(f"CFS {level.label}{' (frail)' if level.is_frail else ''}")
        if self.age is not None and (caveat := frailty.age_caveat(self.age)):
            lines.append(f"Note: {caveat}.")
        lines.append("Rate baseline function two weeks before any acute illness.")
        self.result.setText("\n".join(lines))

    def contribute(self, parts: FormParts) -> None:
        value = self.level.value()
        if value is None:
            if self.required:
                parts.problems.append("Choose the Clinical Frailty Scale level.")
            return
        parts.cfs_level = int(value)
