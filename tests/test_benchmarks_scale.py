"""The scale suite's arithmetic (no timing is asserted: the figures are made up here): the
per-record ratio, the first sync judged as a rate against a million in 120 s, memory judged on
the worst side, and the suite run only when named."""

from __future__ import annotations

import pytest

from benchmarks import __main__ as bench_main
from benchmarks.scale import LaptopRun, Round, _figures, demo_patients_for


def _round(push_s: float, pushed: int, pull_s: float, pulled: int, rss: float) -> Round:
    return Round(
        LaptopRun(push_s, pushed, 0, rss, 3), LaptopRun(pull_s, 0, pulled, rss + 50, 4), rss * 2
    )


def test_per_record_ratios_first_sync_rate_and_memory_verdicts() -> None:
    base = _round(2.0, 10_000, 1.0, 10_000, 100)
    large = _round(50.0, 200_000, 30.0, 200_000, 290)  # push 1.25x per record, pull 1.5x
    figures = {f.key: f for f in _figures("sqlite", "SQLite", 200_000, base, large)}
    assert figures["push_per_record_sqlite"].median == pytest.approx(1.25)
    assert figures["push_per_record_sqlite"].status == "met"
    assert figures["pull_per_record_sqlite"].median == pytest.approx(1.5)
    assert figures["pull_per_record_sqlite"].status == "MISSED"
    first = figures["first_sync_sqlite_200000"]
    assert first.median == pytest.approx(200_000 / 30)
    assert first.status == "MISSED"  # 6,667 records/s: a million would take 150 s
    assert "1,000,000 at this rate: 150 s" in first.note
    laptop = figures["laptop_rss_sqlite_200000"]
    assert laptop.samples == [290, 340]
    assert laptop.status == "met"  # the worst of push and pull, 340 MiB, is under 600
    assert figures["hub_rss_sqlite_200000"].status == "met"
    assert all(f.as_json()["key"] == k for k, f in figures.items())


def test_the_demo_is_big_enough_for_the_records_asked_for() -> None:
    assert demo_patients_for(10_000) == 2000
    assert demo_patients_for(1_000_000) * 5.8 >= 1_000_000


def test_scale_runs_only_when_named_and_unknown_suites_are_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert "scale" not in bench_main.SUITES
    assert bench_main.main(["--only", "scale,nonsense"]) == 2
    assert "unknown suites: nonsense" in capsys.readouterr().err
