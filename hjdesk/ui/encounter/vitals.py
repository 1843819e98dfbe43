"""Vital signs with a live NEWS2: each parameter's sub-score beside it, the total, the risk band
(in words and colour) and the local escalation pathway, redrawn on every keystroke.

Scoring is `clinical.news2.score`, never re-done here. While some readings are still blank, the
blanks are scored with a reading that scores 0 so the parameters already typed can show their own
sub-scores; the total and band appear only once all seven are in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from hjdesk.clinical import news2
from hjdesk.clinical.news2 import Consciousness, EscalationPathways, News2Result, News2Risk
from hjdesk.services.encounters import VitalsInput
from hjdesk.ui.encounter.parts import FormParts
from hjdesk.ui.widgets.fields import Combo, DateField, NumberField, Section, clean, paint

# The scored parameters in chart order, with their labels (mnemonics for the keyboard).
SCORED: tuple[tuple[str, str], ...] = (
    ("resp_rate", "&Respiration rate (/min)"),
    ("spo2", "S&pO2 (%)"),
    ("air_or_oxygen", "&Air or oxygen"),
    ("systolic_bp", "S&ystolic BP (mmHg)"),
    ("pulse", "P&ulse (/min)"),
    ("consciousness", "Co&nsciousness (ACVPU)"),
    ("temperature", "&Temperature (°C)"),
)
PARAMETER_NAMES = {key: label.replace("&", "") for key, label in SCORED}
# Readings that score 0, standing in for blanks so typed parameters can show their sub-score.
_NEUTRAL = {"resp_rate": 16, "systolic_bp": 120, "pulse": 70, "temperature": 37.0}
_W = TypeVar("_W", bound=QWidget)
SUBSCORE_LEVEL = {0: None, 1: "YELLOW", 2: "AMBER", 3: "RED"}
BAND = {
    News2Risk.HIGH: ("HIGH risk", "RED"),
    News2Risk.MEDIUM: ("MEDIUM risk", "AMBER"),
    News2Risk.LOW_MEDIUM: ("LOW-MEDIUM risk: red score (a parameter scored 3)", "YELLOW"),
    News2Risk.LOW: ("LOW risk", "GREEN"),
}


def band_text(result: News2Result) -> tuple[str, str]:
    """The band in words and its severity colour level."""
    return BAND[result.risk]


@dataclass(frozen=True, slots=True)
class Scoring:
    """The live state: the full result once complete, else what is missing or wrong."""

    result: News2Result | None
    subscores: dict[str, int]
    missing: tuple[str, ...]
    error: str | None

    @property
    def blank(self) -> bool:
        return (
            self.result is None
            and not self.subscores
            and self.error is None
            and len(self.missing) == len(SCORED)
        )


class VitalsSection(Section):
    """Observations for NEWS2 (domain.md §4): all seven readings, or none."""

    def __init__(self) -> None:
        super().__init__("Observations and NEWS2")
        self.pathways = news2.DEFAULT_PATHWAYS
        self.age: int | None = None
        self.scores: dict[str, QLabel] = {}
        labels = dict(SCORED)
        self.resp_rate = self._scored("resp_rate", labels, NumberField("Respiration rate"))
        self.spo2 = self._scored("spo2", labels, NumberField("SpO2"))
        self.scale = Combo(((1, "Scale 1"), (2, "Scale 2: prescribed target 88-92%")), "SpO2 scale")
        self.scale.set_value(1)
        self.add("spo2_scale", "SpO2 &scale", self.scale)
        self.prescriber = QLineEdit()
        self.add("scale2_prescriber", "Scale 2 prescribed &by", self.prescriber)
        self.prescribed_on = DateField("Scale 2 prescribed on")
        self.add("scale2_prescribed_on", "Scale 2 prescribed &on", self.prescribed_on)
        self.oxygen = self._scored(
            "air_or_oxygen", labels, Combo(((False, "Air"), (True, "Oxygen")), "Air or oxygen")
        )
        self.systolic = self._scored("systolic_bp", labels, NumberField("Systolic BP"))
        self.diastolic = NumberField("Diastolic BP")
        self.add("diastolic_bp", "&Diastolic BP (mmHg, not scored)", self.diastolic)
        self.pulse = self._scored("pulse", labels, NumberField("Pulse"))
        levels = tuple((c.value, f"{c.value} {c.label}") for c in Consciousness)
        self.consciousness = self._scored("consciousness", labels, Combo(levels, "Consciousness"))
        self.temperature = self._scored(
            "temperature", labels, NumberField("Temperature", decimals=True)
        )
        self.pregnant = QCheckBox("Pre&gnant (NEWS2 is not validated in pregnancy)")
        self.add("pregnant", "Pregnant", self.pregnant)
        panel = QWidget()
        column = QVBoxLayout(panel)
        column.setContentsMargins(0, 0, 0, 0)
        self.total = self._result_label("news2Total", "NEWS2 total", larger=True)
        self.band = self._result_label("news2Band", "NEWS2 risk band", larger=True)
        self.response = self._result_label("news2Response", "NEWS2 response and pathway")
        self.warnings = self._result_label("news2Warnings", "NEWS2 warnings")
        for label in (self.total, self.band, self.response, self.warnings):
            column.addWidget(label)
        column.addStretch(1)
        self.side(panel)
        self.changed.connect(self.refresh)
        self.refresh()

    def _result_label(self, name: str, accessible: str, *, larger: bool = False) -> QLabel:
        label = QLabel("")
        label.setObjectName(name)
        label.setAccessibleName(accessible)
        label.setWordWrap(True)
        if larger:
            font = label.font()
            # Relative to the system font, which the user may have enlarged.
            font.setPointSizeF(font.pointSizeF() * 1.3)
            font.setBold(True)
            label.setFont(font)
        return label

    def _scored(self, key: str, labels: dict[str, str], widget: _W) -> _W:
        score = QLabel("")
        score.setMinimumWidth(score.fontMetrics().horizontalAdvance("score 3 (red)") + 16)
        score.setAccessibleName(f"{PARAMETER_NAMES[key]} sub-score")
        self.scores[key] = score
        field_key = "on_oxygen" if key == "air_or_oxygen" else key
        self.add(field_key, labels[key], widget, beside=score)
        return widget

    def set_context(self, *, age: int | None, pathways: EscalationPathways) -> None:
        self.age, self.pathways = age, pathways
        self.refresh()

    # --- reading the fields -------------------------------------------------------------

    def _readings(self) -> tuple[dict[str, int | float | str | bool], list[str], str | None]:
        """Typed readings by parameter, the parameters still blank, and a parse problem."""
        values: dict[str, int | float | str | bool] = {}
        missing: list[str] = []
        numbers = {
            "resp_rate": self.resp_rate,
            "spo2": self.spo2,
            "systolic_bp": self.systolic,
            "pulse": self.pulse,
            "temperature": self.temperature,
        }
        for key, _ in SCORED:
            value: int | float | str | bool | None
            if key == "air_or_oxygen":
                value = self.oxygen.value()
            elif key == "consciousness":
                value = self.consciousness.value()
            else:
                try:
                    value = numbers[key].value()
                except ValueError:
                    return values, missing, f"{PARAMETER_NAMES[key]} is not a number"
            if value is None:
                missing.append(key)
            else:
                values[key] = value
        return values, missing, None

    def scoring(self) -> Scoring:
        values, missing, error = self._readings()
        if error is not None:
            return Scoring(None, {}, tuple(missing), error)
        scale = int(self.scale.value() or 1)
        on_oxygen = values.get("air_or_oxygen")
        spo2_neutral = 97 if scale == 1 else 90
        try:
            result = news2.score(
                resp_rate=int(values.get("resp_rate", _NEUTRAL["resp_rate"])),
                spo2=int(values.get("spo2", spo2_neutral)),
                on_oxygen=bool(on_oxygen),
                systolic_bp=int(values.get("systolic_bp", _NEUTRAL["systolic_bp"])),
                pulse=int(values.get("pulse", _NEUTRAL["pulse"])),
                consciousness=str(values.get("consciousness", "A")),
                temperature=float(values.get("temperature", _NEUTRAL["temperature"])),
                spo2_scale=scale,
            )
        except ValueError as exc:
            return Scoring(None, {}, tuple(missing), str(exc))
        known = {k: v for k, v in result.subscores.items() if k in values}
        # On scale 2 the SpO2 sub-score depends on air or oxygen: wait until both are known.
        if scale == 2 and on_oxygen is None:
            known.pop("spo2", None)
        return Scoring(result if not missing else None, known, tuple(missing), None)

    # --- showing the result -------------------------------------------------------------

    def refresh(self) -> None:
        scale2 = self.scale.value() == 2
        self.prescriber.setEnabled(scale2)
        self.prescribed_on.setEnabled(scale2)
        scoring = self.scoring()
        for key, label in self.scores.items():
            value = scoring.subscores.get(key)
            text = "" if value is None else f"score {value}" + (" (red)" if value == 3 else "")
            label.setText(text)
            paint(label, SUBSCORE_LEVEL.get(value) if value is not None else None)
        self._show_total(scoring)
        notes = news2.validity_warnings(age_years=self.age, pregnant=self.pregnant.isChecked())
        self.warnings.setText("\n".join(f"Warning: {w}." for w in notes))
        self.warnings.setVisible(bool(notes))

    def _show_total(self, scoring: Scoring) -> None:
        result = scoring.result
        if result is None:
            paint(self.band, None)
            self.band.setText("")
            self.response.setText("")
            if scoring.error:
                self.total.setText(f"NEWS2 not scored: {scoring.error}.")
            elif scoring.blank:
                self.total.setText("NEWS2: no observations entered (leave blank if not taken).")
            else:
                names = ", ".join(PARAMETER_NAMES[k].lower() for k in scoring.missing)
                self.total.setText(f"NEWS2 not complete: enter {names}.")
            return
        words, level = band_text(result)
        self.total.setText(f"NEWS2 total {result.total}")
        self.band.setText(f"{words.upper() if level == 'RED' else words} ({level})")
        paint(self.band, level)
        pathway = news2.pathway_for(result, self.pathways)
        self.response.setText(f"Response: {result.response}. Local pathway: {pathway}.")

    # --- what signing hands over --------------------------------------------------------

    def contribute(self, parts: FormParts) -> None:
        scoring = self.scoring()
        if scoring.blank and self.blank(
            ["diastolic_bp", "scale2_prescriber", "scale2_prescribed_on"]
        ):
            return
        if scoring.error:
            parts.problems.append(f"Observations: {scoring.error}.")
            return
        if scoring.missing:
            names = ", ".join(PARAMETER_NAMES[k].lower() for k in scoring.missing)
            parts.problems.append(
                f"Observations: enter every NEWS2 reading (missing {names}), or clear them all."
            )
            return
        try:
            prescribed_on = self.prescribed_on.value()
            diastolic = self.diastolic.value()
        except ValueError as exc:
            parts.problems.append(f"{exc}.")
            return
        scale = int(self.scale.value() or 1)
        parts.vitals = VitalsInput(
            resp_rate=int(self.resp_rate.value() or 0),
            spo2=int(self.spo2.value() or 0),
            on_oxygen=bool(self.oxygen.value()),
            systolic_bp=int(self.systolic.value() or 0),
            pulse=int(self.pulse.value() or 0),
            consciousness=str(self.consciousness.value()),
            temperature=float(self.temperature.value() or 0),
            diastolic_bp=int(diastolic) if diastolic is not None else None,
            spo2_scale=scale,
            scale2_prescriber=(clean(self.prescriber.text()) or None) if scale == 2 else None,
            scale2_prescribed_on=prescribed_on if scale == 2 else None,
            pregnant=self.pregnant.isChecked(),
        )
