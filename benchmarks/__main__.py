"""`python -m benchmarks [--quick]`: measure every target of architecture.md §9.

Builds its own data in a scratch folder, prints one line per figure (median, p95, target,
verdict) as it goes and the whole table at the end, and writes the same as JSON. `--quick` runs a
reduced set at 2,000-patient sizes in under a minute. Exit code 0 when every figure ran (a missed
target is a finding, not a failure), 1 when one could not be measured.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.data import Workdir
from benchmarks.harness import Figure, Report, format_value

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "{mode}.json"
SUITES = ("launch", "search", "entry", "today", "cipher", "ui", "sync", "large")
# Run only when named (`--only scale`): about 10-15 minutes on its own (benchmarks/scale.py).
EXTRA_SUITES = ("scale",)


def _args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="reduced set, under a minute")
    parser.add_argument("--json", type=Path, help="where to write the figures (JSON)")
    parser.add_argument(
        "--only", help=f"comma-separated suites: {', '.join(SUITES + EXTRA_SUITES)}"
    )
    parser.add_argument(
        "--scale-records",
        type=int,
        default=None,
        help="the large record count of the scale suite (default 200,000)",
    )
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _args(argv)
    chosen = set(SUITES if not args.only else args.only.split(","))
    mode = "quick" if args.quick else "scale" if chosen == {"scale"} else "full"
    unknown = chosen - set(SUITES + EXTRA_SUITES)
    if unknown:
        print(f"unknown suites: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    report = Report(mode)
    m = report.machine_before
    print(f"HJDesk benchmarks ({mode}) on {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, "
          f"Python {m['python']}; load average {m['load_average']}")  # fmt: skip
    work = Workdir.create(args.workdir, keep=args.keep, log=print)
    failed = False

    def run(name: str, fn: Callable[[], list[Figure]]) -> None:
        nonlocal failed
        if name not in chosen:
            return
        start = time.monotonic()
        try:
            for figure in fn():
                report.add(figure)
        except Exception as exc:  # one suite failing must not lose the others' figures
            failed = True
            traceback.print_exc()
            report.add(Figure(name, f"{name} (failed)", "s", skipped=f"failed: {exc}"))
        print(f"  ({name}: {time.monotonic() - start:.0f} s)", flush=True)

    try:
        _suites(run, work, quick=args.quick, scale_records=args.scale_records)
    finally:
        path = args.json or Path(str(DEFAULT_JSON).format(mode=mode))
        report.write_json(path)
        work.close()
    print()
    for line in report.lines():
        print(line)
    took = time.monotonic() - report.started
    missed = [f.label for f in report.figures if f.status == "MISSED"]
    print(f"\n{len(report.figures)} figures in {format_value(took, 's')}; "
          f"{len(missed)} missed their target; JSON: {path}")  # fmt: skip
    return 1 if failed else 0


def _suites(run: Callable[[str, Callable[[], list[Figure]]], None], work: Workdir, *,
            quick: bool, scale_records: int | None = None) -> None:  # fmt: skip
    from benchmarks import launch, reads, scale, syncing, writes

    records = scale_records or scale.DEFAULT_RECORDS
    run("scale", lambda: [*scale.today_figures(work), *scale.sync_scale_figures(
        work, records=records, engines=("sqlite", "postgresql"))])  # fmt: skip

    small = work.demo(2000)
    if quick:
        run("search", lambda: [reads.search_figure(small, 2000, per_kind=40)])
        run("entry", lambda: [writes.entry_figure(work, small, repeat=150)])
        run("today", lambda: reads.today_figures(work, small, 2000, repeat=3, stored=STORED_ORM))
        run("sync", lambda: syncing.sync_figures(work, small, records=2000, samples=3,
                                                 engines=("sqlite",)))  # fmt: skip
        run("cipher", lambda: [writes.cipher_figure(work, small, rounds=3)])
        return
    run("launch", lambda: launch.launch_figures(work, small, samples=10))
    run("search", lambda: [reads.search_figure(small, 2000, per_kind=100)])
    run("entry", lambda: [writes.entry_figure(work, small, repeat=400)])
    run("today", lambda: reads.today_figures(work, work.demo(1200), 1200, repeat=10,
                                             stored=STORED_ORM))  # fmt: skip
    run("cipher", lambda: [writes.cipher_figure(work, small, rounds=8)])
    run("ui", lambda: [launch.ui_figure(work, small)])
    run("sync", lambda: syncing.sync_figures(work, small, records=10_000, samples=5,
                                             engines=("sqlite", "postgresql")))  # fmt: skip

    def large() -> list[Figure]:
        big = work.pulled_demo(100_000)
        return [
            reads.search_figure(big, 100_000, per_kind=100),
            *reads.today_figures(work, big, 100_000, repeat=5, stored=STORED_PULLED),
            *launch.large_page_figures(work, big, 100_000),
        ]

    run("large", large)


STORED_ORM = "demo vault built by `hjdesk demo` (every row written through the services' ORM path)"
STORED_PULLED = "the same generators' establishment stored as pulled from a hub (bulk_demo.py)"

if __name__ == "__main__":
    sys.exit(main())
