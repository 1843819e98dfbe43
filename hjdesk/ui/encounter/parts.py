"""What the sections of an encounter form hand over when it is signed: the pieces of one
`EncounterInput`, and the problems found before the service is asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hjdesk.services.encounters import (
    MEASUREMENTS,
    Aq10Input,
    MeasurementInput,
    QuestionnairesInput,
    SixCitInput,
    VitalsInput,
)


@dataclass
class FormParts:
    data: dict[str, Any] = field(default_factory=dict)
    measurements: list[MeasurementInput] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    vitals: VitalsInput | None = None
    ltc_condition: str | None = None
    phq9: tuple[int, ...] | None = None
    gad7: tuple[int, ...] | None = None
    six_cit: SixCitInput | None = None
    aq10: Aq10Input | None = None
    cfs_level: int | None = None

    def measure(self, code: str, value: float | str | None) -> None:
        """Add a measurement in the unit the service expects (blank values are left out)."""
        if value is None or value == "":
            return
        self.measurements.append(MeasurementInput(code, value, MEASUREMENTS[code].unit))

    def questionnaires(self) -> QuestionnairesInput | None:
        given = (self.phq9, self.gad7, self.six_cit, self.aq10, self.cfs_level)
        if all(v is None for v in given):
            return None
        return QuestionnairesInput(
            phq9=self.phq9,
            gad7=self.gad7,
            six_cit=self.six_cit,
            aq10=self.aq10,
            cfs_level=self.cfs_level,
        )
