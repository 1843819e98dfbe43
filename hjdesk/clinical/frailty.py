"""Clinical Frailty Scale (CFS) version 2: the nine levels, their short names and the age caveat.

Source: Rockwood K, Theou O, Clinical Frailty Scale v2.0 (Dalhousie University, 2020);
domain.md §4. One level, 1-9, judged on baseline function two weeks before any acute illness; it
is not a sum. Dalhousie requires permission to reproduce the chart, so only level numbers and short
names are held here.
"""

from __future__ import annotations

from dataclasses import dataclass

CFS_SNOMED = "763264000"

CFS_NAMES: tuple[str, ...] = (
    "Very fit",
    "Fit",
    "Managing well",
    "Living with very mild frailty",
    "Living with mild frailty",
    "Living with moderate frailty",
    "Living with severe frailty",
    "Living with very severe frailty",
    "Terminally ill",
)

# A display aid only: 5 and above is the cut point commonly used for "frail"; it drives no rule.
FRAIL_FROM_LEVEL = 5
# The CFS was validated in people aged 65 and over.
VALIDATED_FROM_AGE = 65

AGE_CAVEAT = (
    "The Clinical Frailty Scale is validated for people aged 65 and over: "
    "interpret with caution in younger people"
)


@dataclass(frozen=True, slots=True)
class CfsLevel:
    """One CFS level. `is_frail` is a display aid, not a clinical decision."""

    level: int
    name: str

    @property
    def is_frail(self) -> bool:
        return self.level >= FRAIL_FROM_LEVEL

    @property
    def label(self) -> str:
        return f"{self.level} {self.name}"


CFS_LEVELS: tuple[CfsLevel, ...] = tuple(
    CfsLevel(level, name) for level, name in enumerate(CFS_NAMES, start=1)
)


def cfs_level(n: int) -> CfsLevel:
    """The CFS level numbered n (1-9); raise ValueError for anything else."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"Clinical Frailty Scale level must be a whole number 1-9, got {n!r}")
    if not 1 <= n <= len(CFS_LEVELS):
        raise ValueError(f"Clinical Frailty Scale level must be 1-9, got {n}")
    return CFS_LEVELS[n - 1]


def age_caveat(age_years: int) -> str | None:
    """A caveat to show beside a CFS level for someone under 65, else None."""
    if isinstance(age_years, bool) or not isinstance(age_years, int) or age_years < 0:
        raise ValueError(f"age must be a whole number of years, not negative, got {age_years!r}")
    return AGE_CAVEAT if age_years < VALIDATED_FROM_AGE else None
