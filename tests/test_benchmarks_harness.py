"""The benchmark suite's own machinery (benchmarks/): statistics, verdicts, the table and the JSON
file, and the benchmark data it builds. No timing is asserted anywhere here."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from benchmarks.harness import Figure, Report, Target, percentile_worst, table_line
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault
from tests.conftest import FAST_KDF


def test_p95_is_the_nearest_rank_worst_value_for_either_direction() -> None:
    values = [float(v) for v in range(1, 21)]  # 1…20
    assert percentile_worst(values, "lower") == 19.0  # the slowest 5 % is one sample: 20
    assert percentile_worst(values, "higher") == 2.0  # for rates the worst are the lowest
    assert percentile_worst([7.0, 3.0], "lower") == 7.0  # few samples: the worst one
    assert percentile_worst(values, "lower", 1.0) == 20.0
    with pytest.raises(ValueError, match="no samples"):
        percentile_worst([], "lower")


def test_verdict_uses_the_statistic_the_target_names() -> None:
    samples = [1.0] * 18 + [50.0, 60.0]  # median 1, p95 50, max 60
    on_median = Figure("a", "a", "ms", samples, Target(10.0, judged_on="median"))
    on_p95 = Figure("b", "b", "ms", samples, Target(10.0, judged_on="p95"))
    on_max = Figure("c", "c", "ms", samples, Target(55.0, judged_on="max"))
    rate = Figure("d", "d", "records/s", [6000.0, 5500.0, 4000.0], Target(5000.0, "higher"),
                  better="higher")  # fmt: skip
    assert (on_median.median, on_median.p95, on_max.worst) == (1.0, 50.0, 60.0)
    assert on_median.status == "met"
    assert on_p95.status == "MISSED"
    assert on_max.status == "MISSED"
    assert rate.status == "met"
    assert rate.p95 == 4000.0
    assert Figure("e", "e", "ms", [3.0]).status == "info"
    assert Figure("f", "f", "ms", skipped="PostgreSQL not installed").status == "skipped"


def test_table_line_shows_median_p95_target_and_verdict() -> None:
    line = table_line(Figure("s", "patient search, 2,000 patients", "ms", [4.0, 6.0, 12.5],
                             Target(10.0, judged_on="p95")))  # fmt: skip
    assert line.startswith("patient search, 2,000 patients")
    assert "median            6.0 ms" in line
    assert "12.5 ms" in line
    assert "p95 ≤ 10.0 ms" in line
    assert line.endswith("MISSED")
    rate = table_line(Figure("p", "push", "records/s", [5230.0], Target(5000.0, "higher"),
                             better="higher"))  # fmt: skip
    assert "5,230 records/s" in rate
    assert "median ≥ 5,000 records/s" in rate
    skipped = table_line(Figure("q", "push, PostgreSQL hub", "records/s", skipped="no server"))
    assert skipped.endswith("skipped: no server")


def test_report_json_holds_every_figure_with_its_samples_and_the_misses(tmp_path: Path) -> None:
    report = Report("quick")
    report.add(Figure("ok", "fine", "ms", [1.0, 2.0, 3.0], Target(5.0)), echo=None)
    report.add(Figure("slow", "slow", "s", [2.0, 3.0], Target(1.0)), echo=None)
    report.add(Figure("pg", "pg", "records/s", skipped="no PostgreSQL"), echo=None)
    path = tmp_path / "out" / "quick.json"
    report.write_json(path)
    data = json.loads(path.read_text("utf-8"))
    assert data["mode"] == "quick"
    assert data["machine"]["cores"] >= 1
    assert data["machine"]["python"]
    assert [f["key"] for f in data["figures"]] == ["ok", "slow", "pg"]
    first = data["figures"][0]
    assert (first["median"], first["p95"], first["values"], first["status"]) == (
        2.0, 3.0, [1.0, 2.0, 3.0], "met"
    )  # fmt: skip
    assert first["target"]["text"] == "median ≤ 5.0 ms"
    assert data["figures"][2]["skipped"] == "no PostgreSQL"
    assert data["missed"] == ["slow"]
    assert report.lines()[0].startswith("figure")


@pytest.mark.slow
def test_bulk_demo_stores_the_same_establishment_as_build_demo(tmp_path: Path) -> None:
    """The 100,000-patient benchmark vault is made by benchmarks.bulk_demo; it must hold what
    `hjdesk demo` would, only without outbox ops (as records pulled from a hub)."""
    from benchmarks.bulk_demo import build_pulled_demo
    from hjdesk.demo.establishment import build_demo

    day = date(2026, 6, 1)
    orm, _ = build_demo(HomePaths.resolve(tmp_path / "orm"), password="x" * 12, patients=150,
                        today=day, kdf=FAST_KDF)  # fmt: skip
    bulk = build_pulled_demo(HomePaths.resolve(tmp_path / "bulk"), password="x" * 12,
                             patients=150, today=day, kdf=FAST_KDF)  # fmt: skip
    try:
        orm_counts, bulk_counts = _counts(orm), _counts(bulk)
        assert orm_counts["patients"] == 150
        assert orm_counts["encounters"] > 0
        assert orm_counts["acct_events"] > 0
        # Queued for the hub: everything on the ORM path; on the pulled path only what the
        # ordinary way still writes (users, audit events, the two late receptions' edit).
        assert orm_counts["outbox"] > 1000
        assert bulk_counts["outbox"] < 30
        for table in ("outbox", "audit_events"):
            orm_counts.pop(table), bulk_counts.pop(table)
        assert bulk_counts == orm_counts
        with orm.session() as a, bulk.session() as b:
            people = "SELECT prison_number, family_name, date_of_birth FROM patients ORDER BY 1"
            assert a.execute(text(people)).all() == b.execute(text(people)).all()
    finally:
        orm.lock()
        bulk.lock()


def _counts(vault: OpenVault) -> dict[str, int]:
    with vault.session() as session:
        tables = text("SELECT name FROM sqlite_master WHERE type = 'table'")
        names = [r[0] for r in session.execute(tables)]
        return {n: session.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in names}


@pytest.mark.slow
def test_trimmed_outbox_is_numbered_from_one_and_keeps_every_audit_event(tmp_path: Path) -> None:
    from benchmarks.data import PASSWORD
    from benchmarks.syncing import trim_outbox
    from hjdesk.demo.establishment import build_demo
    from hjdesk.storage.vault import Vault

    home = HomePaths.resolve(tmp_path / "laptop")
    opened, _ = build_demo(home, password=PASSWORD, patients=60, kdf=FAST_KDF)
    with opened.session() as session:
        audit = session.execute(text("SELECT count(*) FROM outbox WHERE kind = 'audit_event'"))
        audit_ops = audit.scalar_one()
    opened.lock()
    trim_outbox(home, 300)
    opened = Vault(home).unlock("admin", PASSWORD)  # queues one more op, numbered 301
    try:
        with opened.session() as session:
            seqs = [r[0] for r in session.execute(text("SELECT seq FROM outbox ORDER BY seq"))]
            kept = session.execute(text("SELECT count(*) FROM outbox WHERE kind = 'audit_event'"))
            assert seqs == list(range(1, 302))
            assert kept.scalar_one() == audit_ops + 1
    finally:
        opened.lock()
