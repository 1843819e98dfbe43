"""Report the test suite's coverage of the whole package and enforce the floors where a missed
line is a clinical or integrity risk (run by `./dev.sh test` after the whole suite).

Floors: every module of `hjdesk/clinical` (the scoring and safety rules) and the two modules that
make a record trustworthy once written — the outbox (nothing unsent lost) and the audit chain —
at 95% of statements each. The rest is reported, not enforced: screens and glue are proven by
behaviour tests, and a percentage there would reward tests that assert nothing.

Usage: python tools/coverage_floors.py [COVERAGE_DATA_FILE]
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import coverage

FLOOR = 95.0
ROOT = Path(__file__).resolve().parent.parent
FLOORED = ("hjdesk/clinical/", "hjdesk/storage/outbox.py", "hjdesk/storage/audit.py")


def main(argv: list[str]) -> int:
    data_file = argv[0] if argv else str(ROOT / ".coverage")
    cov = coverage.Coverage(data_file=data_file)
    cov.load()
    measured = {
        str(Path(f).resolve().relative_to(ROOT)): f for f in cov.get_data().measured_files()
    }
    total = cov.report(file=io.StringIO(), show_missing=False)
    print(f"Coverage of hjdesk (whole suite): {total:.1f}% of statements")
    below: list[str] = []
    expected = sorted(
        str(p.relative_to(ROOT))
        for prefix in FLOORED
        for p in ([ROOT / prefix] if prefix.endswith(".py") else (ROOT / prefix).glob("*.py"))
    )
    for path in expected:
        if path not in measured:
            below.append(f"  {path}: never imported by the tests")
            continue
        _, statements, _, missing, _ = cov.analysis2(measured[path])
        if not statements:
            continue
        percent = 100.0 * (len(statements) - len(missing)) / len(statements)
        if percent < FLOOR:
            below.append(f"  {path}: {percent:.1f}% (lines not run: {_ranges(missing)})")
    print(f"Floors ({FLOOR:.0f}% each): {len(expected)} modules of clinical rules, outbox, audit")
    if below:
        print("Below the floor:\n" + "\n".join(below))
        return 1
    return 0


def _ranges(lines: list[int]) -> str:
    return ", ".join(str(n) for n in lines[:20]) + (" …" if len(lines) > 20 else "")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
