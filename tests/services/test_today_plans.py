"""How SQLite reads Today's ACCT and care-plan lists: from the live cases and plans by status,
each person looked up by (on_roll, id) in the covering `ix_patients_worklists`, never by probing
everyone on the roll, nor the patients table's wide rows (docs/performance.md, "Today: fifth
session"). The lists' content is tested elsewhere (test_today.py, test_acct_today_input.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from hjdesk.services.worklists.today import today_worklists
from hjdesk.storage.vault import OpenVault


def _plans(demo: OpenVault, start: str) -> list[list[str]]:
    seen: list[tuple[str, Any]] = []

    def keep(*args: Any) -> None:
        seen.append((str(args[2]), args[3]))

    event.listen(demo.engine, "before_cursor_execute", keep)
    try:
        today_worklists(demo, kept=False)
    finally:
        event.remove(demo.engine, "before_cursor_execute", keep)
    found = [(sql, params) for sql, params in seen if start in sql]
    assert found, start
    with demo.session() as session:
        conn = session.connection()
        return [
            [str(r[3]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)]
            for sql, params in found
        ]


def test_todays_acct_cases_and_care_plans_look_people_up_in_the_covering_index(
    demo: OpenVault,
) -> None:
    for start, first in (
        ("FROM acct_cases JOIN patients", "SEARCH acct_cases USING INDEX ix_acct_cases_status"),
        ("FROM care_plans JOIN patients", "SEARCH care_plans USING INDEX ix_care_plans_status"),
    ):
        for plan in _plans(demo, start):
            assert plan[0].startswith(first), plan
            people = [step for step in plan if " patients " in f"{step} "]
            assert people == [
                "SEARCH patients USING COVERING INDEX ix_patients_worklists (on_roll=? AND id=?)"
            ], plan
