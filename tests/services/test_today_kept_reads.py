"""What Today's kept lists read (hjdesk/services/worklists/kept.py): nothing of the per-person
tables when nobody changed, only the people a write marked when someone did, everything again
on a new day, and only tables whose writes mark people. Each call is also held to a full
computation (`kept=False`); the random walk over the services is tests/services/test_today_kept.py.
Writes go through the services (tests/services/care_world.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, select

from hjdesk.services.common import CLINIC_ZONE
from hjdesk.services.worklists.today import TodayLists, today_worklists
from hjdesk.storage.models import Patient
from hjdesk.storage.vault import OpenVault
from tests.services.care_world import add_encounter

NOW = datetime.now(UTC).replace(microsecond=0)
# Tables whose every write marks the people it is about (migration 0012) …
MARKED = {
    "patients",
    "conditions",
    "encounters",
    "care_plans",
    "care_plan_reviews",
    "acct_cases",
    "acct_events",
    "acct_contributions",
    "caseload_memberships",
    "locations",
    "establishments",
}
# … and those read afresh at every call (open tasks, the unsynced list, the marks themselves).
# (settings: whether a first sync has the triggers set aside.)
EVERY_CALL = {"tasks", "outbox", "worklist_changes", "settings"}
# (acct_events is read at every call too: the unsynced list joins it.)
PER_PERSON_LISTS = ("conditions", "care_plans", "encounters")
_TABLE = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)", re.IGNORECASE)


@contextmanager
def _statements(vault: OpenVault) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def keep(*args: Any) -> None:
        seen.append((str(args[2]), args[3]))

    event.listen(vault.engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(vault.engine, "before_cursor_execute", keep)


def _tables(statements: list[tuple[str, Any]]) -> set[str]:
    return {name for sql, _ in statements for name in _TABLE.findall(sql)}


def _same(vault: OpenVault, now: datetime, **scope: Any) -> TodayLists:
    kept = today_worklists(vault, now=now, **scope)
    assert kept == today_worklists(vault, now=now, kept=False, **scope)
    return kept


def _someone(vault: OpenVault) -> str:
    with vault.session() as session:
        pid = session.scalar(select(Patient.id).where(Patient.on_roll.is_(True)).limit(1))
    assert pid is not None
    return pid


def test_the_kept_lists_read_only_tables_whose_writes_mark_people(demo: OpenVault) -> None:
    with _statements(demo) as seen:
        _same(demo, NOW)
    read = _tables(seen)
    assert read <= MARKED | EVERY_CALL, read - MARKED - EVERY_CALL
    assert {"conditions", "care_plans", "acct_events"} <= read  # the whole lists were read


def test_an_unchanged_vault_is_not_read_again(demo: OpenVault) -> None:
    first = _same(demo, NOW)
    with _statements(demo) as seen:
        again = today_worklists(demo, now=NOW + timedelta(minutes=5))
    assert again.ltc_reviews == first.ltc_reviews
    assert not _tables(seen) & set(PER_PERSON_LISTS)  # only the marks, tasks and unsynced
    assert again == today_worklists(demo, now=NOW + timedelta(minutes=5), kept=False)


def test_a_write_works_out_that_person_alone(demo: OpenVault) -> None:
    _same(demo, NOW)
    pid = _someone(demo)
    add_encounter(demo, pid, "SECOND_STAGE_ASSESSMENT", NOW.astimezone(CLINIC_ZONE).date())
    with _statements(demo) as seen:
        after = today_worklists(demo, now=NOW)
    per_person = [params for sql, params in seen if "conditions" in sql or "care_plans" in sql]
    assert per_person, "the changed person's lists were not read"
    for params in per_person:
        ids = {v for v in _values(params) if isinstance(v, str) and len(v) == 36}
        assert pid in ids
        assert ids <= {pid} | _non_person_ids(demo, ids), ids
    assert after == today_worklists(demo, now=NOW, kept=False)
    assert pid not in {i.patient_id for i in after.second_stage}


def _values(params: Any) -> list[Any]:
    if isinstance(params, dict):
        return list(params.values())
    if isinstance(params, list | tuple):
        return [
            v for p in params for v in (_values(p) if isinstance(p, list | tuple | dict) else [p])
        ]
    return [params]


def _non_person_ids(vault: OpenVault, ids: set[str]) -> set[str]:
    with vault.session() as session:
        people = set(session.scalars(select(Patient.id).where(Patient.id.in_(ids))))
    return ids - people


def test_a_new_day_works_everything_out_again(demo: OpenVault) -> None:
    _same(demo, NOW)
    tomorrow = NOW + timedelta(days=1)
    with _statements(demo) as seen:
        _same(demo, tomorrow)
    assert set(PER_PERSON_LISTS) <= _tables(seen)
    _same(demo, NOW - timedelta(days=3))  # a clock set back: that day worked out afresh


def test_warnings_follow_the_clock_with_no_write(demo: OpenVault) -> None:
    # Every hour over three days, around each review's 24-hour window, from kept events only.
    seen_warnings = 0
    for hours in range(0, 72, 1):
        lists = _same(demo, NOW + timedelta(hours=hours))
        seen_warnings += sum(1 for i in lists.acct if "within the next" in i.what)
    assert seen_warnings > 0  # the demo's live cases do come into their windows


def test_each_scope_is_kept_apart(demo: OpenVault) -> None:
    wing = next(i.wing for i in today_worklists(demo, now=NOW).ltc_reviews if i.wing)
    whole = _same(demo, NOW)
    one_wing = _same(demo, NOW, wing=wing)
    assert {i.wing for i in one_wing.ltc_reviews} == {wing}
    assert len(one_wing.ltc_reviews) < len(whole.ltc_reviews)
    pid = next(i.patient_id for i in one_wing.ltc_reviews)
    assert pid is not None
    add_encounter(demo, pid, "OLDER_PRISONER_REVIEW", NOW.astimezone(CLINIC_ZONE).date())
    _same(demo, NOW, wing=wing)
    _same(demo, NOW)


def test_locking_forgets_what_was_kept(demo: OpenVault) -> None:
    _same(demo, NOW)
    assert demo.memo
    demo.lock()
    assert demo.memo == {}
