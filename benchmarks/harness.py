"""Figures, their statistics and targets, the printed table and the JSON file.

A `Figure` holds the raw samples of one measurement in its own unit. Its "p95" is the
95th-percentile *worst* sample (nearest rank): the slowest 5 % for times and ratios, the lowest 5 %
for rates. With fewer than 20 samples that is simply the worst one. A target is judged on the
statistic §9 names (p95 for search and a clinical entry, the worst sample for "no event handler >
50 ms") and on the median otherwise.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

Better = Literal["lower", "higher"]
Statistic = Literal["median", "p95", "max"]


@dataclass(frozen=True, slots=True)
class Target:
    """A bound on one statistic: `limit` in the figure's unit, `better` says which side passes."""

    limit: float
    better: Better = "lower"
    judged_on: Statistic = "median"
    reference: str = ""

    def met(self, value: float) -> bool:
        return value <= self.limit if self.better == "lower" else value >= self.limit

    def text(self, unit: str) -> str:
        sign = "≤" if self.better == "lower" else "≥"
        return f"{self.judged_on} {sign} {format_value(self.limit, unit)}"


def percentile_worst(samples: Sequence[float], better: Better, q: float = 0.95) -> float:
    """The q-th percentile worst sample, by nearest rank (no interpolation)."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples, reverse=(better == "higher"))
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


@dataclass(slots=True)
class Figure:
    key: str
    label: str
    unit: str  # "s", "ms", "records/s" or "x"
    samples: list[float] = field(default_factory=list)
    target: Target | None = None
    better: Better = "lower"
    note: str = ""
    skipped: str | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def p95(self) -> float | None:
        return percentile_worst(self.samples, self.better) if self.samples else None

    @property
    def worst(self) -> float | None:
        return percentile_worst(self.samples, self.better, 1.0) if self.samples else None

    def judged(self) -> float | None:
        if self.target is None:
            return None
        return {"p95": self.p95, "max": self.worst}.get(self.target.judged_on, self.median)

    @property
    def status(self) -> str:
        if self.skipped is not None:
            return "skipped"
        value = self.judged()
        if self.target is None or value is None:
            return "info"
        return "met" if self.target.met(value) else "MISSED"

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "unit": self.unit,
            "median": self.median,
            "p95": self.p95,
            "max": self.worst,
            "better": self.better,
            "target": None
            if self.target is None
            else {
                "limit": self.target.limit,
                "better": self.target.better,
                "judged_on": self.target.judged_on,
                "text": self.target.text(self.unit),
                "reference": self.target.reference,
            },
            "status": self.status,
            "samples": len(self.samples),
            "values": self.samples,
            "note": self.note,
            "skipped": self.skipped,
        }


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "records/s":
        return f"{value:,.0f} records/s"
    if unit == "x":
        return f"{value:.2f}×"
    if unit == "ms":
        return f"{value:.1f} ms" if value < 100 else f"{value:,.0f} ms"
    if unit == "MiB":
        return f"{value:,.0f} MiB"
    if unit == "s":
        return f"{value:.2f} s" if value < 100 else f"{value:,.0f} s"
    return f"{value:g} {unit}"


def table_line(figure: Figure) -> str:
    """One figure per line: what, median, p95, target, verdict (and why, when skipped)."""
    if figure.skipped is not None:
        return f"{figure.label:<58} skipped: {figure.skipped}"
    target = figure.target.text(figure.unit) if figure.target else "(no §9 target)"
    median = format_value(figure.median, figure.unit)
    p95 = format_value(figure.p95, figure.unit)
    line = f"{figure.label:<58} median {median:>17}  p95 {p95:>17}  target {target:<26} "
    if figure.target is not None and figure.target.judged_on == "max":
        line += f"(max {format_value(figure.worst, figure.unit)}) "
    return line + figure.status


def header_line() -> str:
    return f"{'figure':<58} {'':>7}{'':>18}  {'':>4}{'':>18}  {'':<33} verdict"


def machine() -> dict[str, Any]:
    """What the figures ran on: they mean little without it."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory,
        "python": platform.python_version(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


@dataclass(slots=True)
class Report:
    mode: str
    figures: list[Figure] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    machine_before: dict[str, Any] = field(default_factory=machine)

    def add(self, figure: Figure, *, echo: Callable[[str], None] | None = print) -> Figure:
        self.figures.append(figure)
        if echo is not None:
            echo(table_line(figure))
        return figure

    def lines(self) -> list[str]:
        return [header_line(), *(table_line(f) for f in self.figures)]

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "started_at": self.started_at,
            "duration_s": round(time.monotonic() - self.started, 1),
            "machine": self.machine_before,
            "load_average_at_end": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
            "figures": [f.as_json() for f in self.figures],
            "missed": [f.key for f in self.figures if f.status == "MISSED"],
        }

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_json(), indent=2, ensure_ascii=False) + "\n", "utf-8")


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as took: ...` then `took[0]` is the elapsed seconds."""
    took: list[float] = []
    start = time.perf_counter()
    try:
        yield took
    finally:
        took.append(time.perf_counter() - start)


def timed(fn: Callable[[], object], *, repeat: int, warmup: int = 0) -> list[float]:
    """Seconds per call of `fn`, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    out: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out
