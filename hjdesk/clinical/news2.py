"""NEWS2: the National Early Warning Score 2, its clinical response and local escalation pathways.

Sources: Royal College of Physicians, National Early Warning Score (NEWS) 2, 2017 — chart 1 (the
scoring table, SpO2 scales 1 and 2) and chart 4 (clinical response); domain.md §4. The mapping from
a risk band to a pathway on a prison wing is local policy (domain.md §4 [C]), so it is reference
data passed in, with defaults.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

NEWS2_TOTAL_SNOMED = "1104051000000101"

NEWS2_PARAMETERS: tuple[str, ...] = (
    "resp_rate",
    "spo2",
    "air_or_oxygen",
    "systolic_bp",
    "pulse",
    "consciousness",
    "temperature",
)

PREGNANCY_WARNING = "NEWS2 is not validated in pregnancy: use an obstetric early warning score"
UNDER_16_WARNING = (
    "NEWS2 is not validated for people under 16: use a paediatric early warning score"
)


class Consciousness(enum.StrEnum):
    """ACVPU. Any level other than Alert scores 3, including new confusion."""

    A = "A"
    C = "C"
    V = "V"
    P = "P"
    U = "U"

    @property
    def label(self) -> str:
        return _CONSCIOUSNESS_LABELS[self]


_CONSCIOUSNESS_LABELS: Mapping[Consciousness, str] = MappingProxyType(
    {
        Consciousness.A: "Alert",
        Consciousness.C: "New confusion",
        Consciousness.V: "Responds to voice",
        Consciousness.P: "Responds to pain",
        Consciousness.U: "Unresponsive",
    }
)


class News2Risk(enum.StrEnum):
    """Clinical risk bands of RCP chart 4."""

    LOW = "low"
    LOW_MEDIUM = "low-medium"
    MEDIUM = "medium"
    HIGH = "high"


RESPONSE_HIGH = "Emergency assessment; inform the medical team at once"
RESPONSE_MEDIUM = "Urgent review by a clinician"
RESPONSE_RED_SCORE = "Urgent ward-based response; inform a clinician"
RESPONSE_LOW = "Assess; decide the frequency of observations"
RESPONSE_ROUTINE = "Routine observations"


@dataclass(frozen=True, slots=True)
class ObservationLimits:
    """Inclusive ranges outside which a reading cannot be real (a typing or device error).

    Lower limits are 0 rather than a 'survivable' value so that a true extreme reading is never
    refused: it scores 3 and forces an escalation.
    """

    resp_rate: tuple[int, int] = (0, 80)
    spo2: tuple[int, int] = (0, 100)
    systolic_bp: tuple[int, int] = (0, 300)
    pulse: tuple[int, int] = (0, 300)
    temperature: tuple[Decimal, Decimal] = (Decimal(25), Decimal(45))


OBSERVATION_LIMITS = ObservationLimits()


@dataclass(frozen=True, slots=True)
class News2Result:
    """Scored observations; `subscores` holds every parameter, keyed as NEWS2_PARAMETERS."""

    total: int
    subscores: Mapping[str, int] = field(hash=False)
    risk: News2Risk
    red_score: bool
    response: str
    spo2_scale: int

    @property
    def needs_escalation(self) -> bool:
        """Medium, high or a red score: an escalation must be recorded before signing."""
        return self.red_score or self.risk in (News2Risk.MEDIUM, News2Risk.HIGH)


@dataclass(frozen=True, slots=True)
class EscalationPathways:
    """The local pathway for each band (domain.md §4 [C]).

    Continuous monitoring is impossible on a wing, so each band maps to a local action instead.
    """

    high: str = (
        "Use the prison's medical emergency code and call 999; "
        "emergency assessment and inform the duty GP at once"
    )
    medium: str = "Urgent review: contact the duty GP now; consider transfer to the healthcare unit"
    red_score: str = "Urgent response on the wing: inform the duty GP or nurse in charge now"
    low: str = "Nurse to assess on the wing and decide how often to repeat observations"
    routine: str = "Continue routine observations"


DEFAULT_PATHWAYS = EscalationPathways()


def _check_int(name: str, value: object, limits: tuple[int, int]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    low, high = limits
    if value < 0:
        raise ValueError(f"{name} cannot be negative (got {value})")
    if not low <= value <= high:
        raise ValueError(f"{name} of {value} is not possible: it must be {low}-{high}")
    return value


def _check_temperature(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"temperature must be a number in °C, got {value!r}")
    # str() keeps the reading as typed (36.6, not 36.600000000000001).
    temperature = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not temperature.is_finite():
        raise ValueError(f"temperature must be a number in °C, got {value!r}")
    low, high = OBSERVATION_LIMITS.temperature
    if not low <= temperature <= high:
        raise ValueError(f"temperature of {value} °C is not possible: it must be {low}-{high} °C")
    return temperature


def _check_consciousness(value: object) -> Consciousness:
    if isinstance(value, Consciousness):
        return value
    if isinstance(value, str):
        try:
            return Consciousness(value.strip().upper())
        except ValueError:
            pass
    raise ValueError(f"consciousness must be one of A, C, V, P or U (ACVPU), got {value!r}")


def _resp_rate_score(rate: int) -> int:
    if rate <= 8:
        return 3
    if rate <= 11:
        return 1
    if rate <= 20:
        return 0
    if rate <= 24:
        return 2
    return 3


def _spo2_scale_1_score(spo2: int) -> int:
    if spo2 <= 91:
        return 3
    if spo2 <= 93:
        return 2
    if spo2 <= 95:
        return 1
    return 0


def _spo2_scale_2_score(spo2: int, on_oxygen: bool) -> int:
    if spo2 <= 83:
        return 3
    if spo2 <= 85:
        return 2
    if spo2 <= 87:
        return 1
    # Above the 88-92 target only oxygen is a concern: the same reading on air scores 0.
    if spo2 <= 92 or not on_oxygen:
        return 0
    if spo2 <= 94:
        return 1
    if spo2 <= 96:
        return 2
    return 3


def _spo2_score(spo2: int, on_oxygen: object, spo2_scale: object) -> int:
    if isinstance(spo2_scale, bool) or spo2_scale not in (1, 2):
        raise ValueError(f"SpO2 scale must be 1 or 2, got {spo2_scale!r}")
    if not isinstance(on_oxygen, bool):
        raise ValueError(f"on oxygen must be yes or no, got {on_oxygen!r}")
    if spo2_scale == 1:
        return _spo2_scale_1_score(spo2)
    return _spo2_scale_2_score(spo2, on_oxygen)


def _systolic_bp_score(systolic: int) -> int:
    if systolic <= 90:
        return 3
    if systolic <= 100:
        return 2
    if systolic <= 110:
        return 1
    if systolic <= 219:
        return 0
    return 3


def _pulse_score(pulse: int) -> int:
    if pulse <= 40:
        return 3
    if pulse <= 50:
        return 1
    if pulse <= 90:
        return 0
    if pulse <= 110:
        return 1
    if pulse <= 130:
        return 2
    return 3


def _temperature_score(temperature: Decimal) -> int:
    # Half-open intervals so a reading such as 35.05 or 38.04 still falls in exactly one band.
    if temperature <= Decimal("35.0"):
        return 3
    if temperature <= Decimal("36.0"):
        return 1
    if temperature <= Decimal("38.0"):
        return 0
    if temperature <= Decimal("39.0"):
        return 1
    return 2


def _risk(total: int, red_score: bool) -> tuple[News2Risk, str]:
    """RCP chart 4, checked in the chart's order."""
    if total >= 7:
        return News2Risk.HIGH, RESPONSE_HIGH
    if total >= 5:
        return News2Risk.MEDIUM, RESPONSE_MEDIUM
    if red_score:
        return News2Risk.LOW_MEDIUM, RESPONSE_RED_SCORE
    if total >= 1:
        return News2Risk.LOW, RESPONSE_LOW
    return News2Risk.LOW, RESPONSE_ROUTINE


def score(
    *,
    resp_rate: int,
    spo2: int,
    on_oxygen: bool,
    systolic_bp: int,
    pulse: int,
    consciousness: str | Consciousness,
    temperature: float | Decimal,
    spo2_scale: int = 1,
) -> News2Result:
    """Score one set of observations; raise ValueError for a reading that cannot be real.

    Scale 2 is only for a prescribed 88-92% target; the caller records the prescriber and date.
    """
    limits = OBSERVATION_LIMITS
    level = _check_consciousness(consciousness)
    subscores = {
        "resp_rate": _resp_rate_score(_check_int("respiration rate", resp_rate, limits.resp_rate)),
        "spo2": _spo2_score(_check_int("SpO2", spo2, limits.spo2), on_oxygen, spo2_scale),
        "air_or_oxygen": 2 if on_oxygen else 0,
        "systolic_bp": _systolic_bp_score(
            _check_int("systolic BP", systolic_bp, limits.systolic_bp)
        ),
        "pulse": _pulse_score(_check_int("pulse", pulse, limits.pulse)),
        "consciousness": 0 if level is Consciousness.A else 3,
        "temperature": _temperature_score(_check_temperature(temperature)),
    }
    total = sum(subscores.values())
    red_score = any(value == 3 for value in subscores.values())
    risk, response = _risk(total, red_score)
    return News2Result(
        total=total,
        subscores=MappingProxyType(subscores),
        risk=risk,
        red_score=red_score,
        response=response,
        spo2_scale=spo2_scale,
    )


def validity_warnings(*, age_years: int | None, pregnant: bool) -> list[str]:
    """Warnings where NEWS2 is not validated. An unknown age (None) gives no age warning."""
    if age_years is not None and (
        isinstance(age_years, bool) or not isinstance(age_years, int) or age_years < 0
    ):
        raise ValueError(f"age must be a whole number of years, not negative, got {age_years!r}")
    warnings: list[str] = []
    if pregnant:
        warnings.append(PREGNANCY_WARNING)
    if age_years is not None and age_years < 16:
        warnings.append(UNDER_16_WARNING)
    return warnings


def pathway_for(result: News2Result, pathways: EscalationPathways = DEFAULT_PATHWAYS) -> str:
    """The local escalation pathway for a result's band."""
    if result.risk is News2Risk.HIGH:
        return pathways.high
    if result.risk is News2Risk.MEDIUM:
        return pathways.medium
    if result.risk is News2Risk.LOW_MEDIUM:
        return pathways.red_score
    return pathways.low if result.total > 0 else pathways.routine
