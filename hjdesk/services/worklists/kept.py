"""Today's lists kept between calls: each person's items, worked out again only when that
person's records change or the day does (docs/performance.md, "Today: kept lists").

At 100,000 patients working every list out costs about a second, almost all of it on people
whose records have not changed since the last call. So the first call of a scope (the whole
vault, an establishment, a wing) works everything out and keeps each person's items; a later
call reads which people changed since, works out those people alone, and puts the lists
together again from what is kept.

What may change a person's items, and what is done about it:
- Their records (the person, conditions, encounters, care plans and reviews, ACCT cases, events
  and contributions, MH in-reach spells): triggers on those tables raise the person's mark in
  `worklist_changes` (migration 0012), in the writer's own transaction, whichever code path or
  process wrote. A location or establishment change marks everyone.
- The day: the care-plan, LTC, second-stage and older-prisoner rules read only the local date,
  so their items stand for the rest of the day; a new day (or a clock set back to another day)
  works everything out again.
- The time: ACCT flags do not depend on it. The 24-hour warnings do, so the events that may
  warn (`acct.may_warn`) are kept and the warnings asked for again at every call. Open tasks
  and the unsynced list (which changes when the office acknowledges) are read at every call:
  they are small.

While a first sync fills the vault the triggers are set aside with its indexes, so every call
then works everything out and keeps nothing. The marks are read *before* the lists: a write that
commits after that read has a higher mark and is picked up by the next call, and one that
committed before it is seen by the lists read after. Hazard H-36 (a kept list that hides work)
names the tests that hold the kept lists to a full computation. What is kept lives in the
unlocked vault's `memo`, forgotten at lock."""

from __future__ import annotations

import bisect
import heapq
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hjdesk.clinical import acct as acct_rules
from hjdesk.services.acct import Who, live_case_input
from hjdesk.services.worklists import today as lists
from hjdesk.services.worklists.today import TodayItem, TodayLists, TodayPolicy
from hjdesk.storage import deferred_indexes
from hjdesk.storage.models import EVERYONE, WorklistChange
from hjdesk.storage.vault import OpenVault

# More people changed than this (a day's roll import, a large pull): work everything out
# again, one pass over each list being cheaper than many look-ups by person.
MAX_CHANGED = 2_000
# People per look-up: well under SQLite's limit on bound values.
_CHUNK = 500
# Scopes kept per vault (the whole vault, an establishment, a few wings): a nurse switching
# between wings keeps the last few; older ones are worked out again when asked for.
_SCOPES = 6
_MEMO_KEY = "worklists.kept_today"

Scope = tuple[str | None, str | None, TodayPolicy]


@dataclass(slots=True)
class _Case:
    """A live ACCT case with events that may warn at some moment (`acct.may_warn`)."""

    who: Who
    case_id: str
    may_warn: tuple[acct_rules.AcctEvent, ...]


# The lists kept here, by name; the ACCT one holds the flags (warnings are asked for each call).
_LISTS = ("acct", "care_plans", "ltc", "second_stage", "long_overdue", "older")


@dataclass(slots=True)
class _Person:
    """One person's items in the kept lists, by list, in the order a full computation gives."""

    items: dict[str, list[TodayItem]] = field(default_factory=dict)
    warn: list[_Case] = field(default_factory=list)


class _Sorted:
    """One list kept in its final order with each line's sort key beside it, so that a few
    people's lines go out and in by bisection instead of sorting tens of thousands again. A
    line goes in after the lines already there with an equal key: only one person's lines can
    be equal (the key ends with the prison number and the source row), and theirs go in in
    their own order, so the order is the one sorting everything gives."""

    __slots__ = ("items", "keys")

    def __init__(self, items: Iterable[TodayItem]) -> None:
        self.items = sorted(items, key=lists.sort_key)
        self.keys = [lists.sort_key(i) for i in self.items]

    def remove(self, item: TodayItem) -> None:
        at = bisect.bisect_left(self.keys, lists.sort_key(item))
        while self.items[at] is not item:
            at += 1
        del self.items[at], self.keys[at]

    def add(self, item: TodayItem) -> None:
        key = lists.sort_key(item)
        at = bisect.bisect_right(self.keys, key)
        self.items.insert(at, item)
        self.keys.insert(at, key)


@dataclass(slots=True)
class _Kept:
    day: date
    seq: int
    people: dict[str, _Person]
    lists: dict[str, _Sorted]
    warn: set[str]  # the people with a case that may warn

    @classmethod
    def of(cls, day: date, seq: int, people: dict[str, _Person]) -> _Kept:
        return cls(
            day,
            seq,
            people,
            {
                name: _Sorted(i for p in people.values() for i in p.items.get(name, ()))
                for name in _LISTS
            },
            {pid for pid, p in people.items() if p.warn},
        )

    def replace(self, pid: str, person: _Person | None) -> None:
        old = self.people.pop(pid, None)
        self.warn.discard(pid)
        if old is not None:
            for name, items in old.items.items():
                for item in items:
                    self.lists[name].remove(item)
        if person is not None:
            self.people[pid] = person
            if person.warn:
                self.warn.add(pid)
            for name, items in person.items.items():
                for item in items:
                    self.lists[name].add(item)


@dataclass
class _Store:
    lock: threading.Lock = field(default_factory=threading.Lock)
    scopes: OrderedDict[Scope, _Kept] = field(default_factory=OrderedDict)


def _store(vault: OpenVault) -> _Store:
    store = vault.memo.setdefault(_MEMO_KEY, _Store())  # setdefault: atomic, one per vault
    assert isinstance(store, _Store)
    return store


def _marks_since(session: Session, seq: int) -> list[tuple[str, int]]:
    query = select(WorklistChange.patient_id, WorklistChange.seq).where(WorklistChange.seq > seq)
    return [(pid, mark) for pid, mark in session.execute(query)]


def _latest_mark(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(WorklistChange.seq), 0))) or 0)


def _people(
    session: Session,
    moment: datetime,
    day: date,
    scope: Scope,
    only: Sequence[str] | None,
) -> dict[str, _Person]:
    """Each person's items (of `only`, or of everyone in the scope), by person."""
    establishment, wing, policy = scope
    people: dict[str, _Person] = {}

    def person(pid: str) -> _Person:
        return people.get(pid) or people.setdefault(pid, _Person())

    def add(name: str, items: Iterable[TodayItem]) -> None:
        for item in items:
            assert item.patient_id is not None  # every list kept here is about someone
            person(item.patient_id).items.setdefault(name, []).append(item)

    for live in live_case_input(session, moment, establishment=establishment, wing=wing, only=only):
        add("acct", lists.flag_items(live))
        if live.may_warn:
            person(live.who.patient_id).warn.append(_Case(live.who, live.case_id, live.may_warn))
    add("care_plans", lists.care_plan_items(session, day, establishment, wing, only))
    add("ltc", lists.ltc_items(session, day, establishment, wing, only))
    second, long_overdue = lists.second_stage_items(session, day, establishment, wing, policy, only)
    add("second_stage", second)
    add("long_overdue", long_overdue)
    add("older", lists.older_prisoner_items(session, day, establishment, wing, only))
    return people


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _brought_up_to_date(
    session: Session, kept: _Kept | None, moment: datetime, day: date, scope: Scope
) -> tuple[_Kept, bool]:
    """The kept lists brought up to date, or worked out afresh; and whether they may be kept.
    Not while a first sync fills the vault: its triggers are set aside then (or left aside by
    a pull that failed), nothing is marked, and only a full computation sees its pages."""
    marking = not deferred_indexes.pending(session.connection())
    if marking and kept is not None and kept.day == day:
        marks = _marks_since(session, kept.seq)
        changed = sorted({pid for pid, _ in marks})
        if EVERYONE not in changed and len(changed) <= MAX_CHANGED:
            for chunk in _chunks(changed):
                fresh = _people(session, moment, day, scope, chunk)
                for pid in chunk:
                    kept.replace(pid, fresh.get(pid))
            kept.seq = max((mark for _, mark in marks), default=kept.seq)
            return kept, True
    seq = _latest_mark(session)  # read before the lists (see the module's note)
    return _Kept.of(day, seq, _people(session, moment, day, scope, None)), marking


def _put_together(
    kept: _Kept, moment: datetime, unsynced: list[TodayItem], tasks: list[TodayItem]
) -> TodayLists:
    warnings: list[TodayItem] = []
    for pid in kept.warn:
        for case in kept.people[pid].warn:
            found = acct_rules.upcoming_warnings(case.may_warn, moment)
            warnings += lists.warning_items(case.who, case.case_id, found)
    # Flags before warnings where two lines are equal (one event flagged and warned about), as
    # a full computation orders them, case by case: merge keeps the first list's lines first.
    acct = heapq.merge(kept.lists["acct"].items, sorted(warnings, key=lists.sort_key),
                       key=lists.sort_key)  # fmt: skip
    return TodayLists(
        acct=tuple(acct),
        care_plan_reviews=tuple(kept.lists["care_plans"].items),
        ltc_reviews=tuple(kept.lists["ltc"].items),
        second_stage=tuple(kept.lists["second_stage"].items),
        older_prisoner_reviews=tuple(kept.lists["older"].items),
        unsynced=lists.sorted_items(unsynced),
        tasks=lists.sorted_items(tasks),
        second_stage_long_overdue=tuple(kept.lists["long_overdue"].items),
    )


def kept_worklists(vault: OpenVault, moment: datetime, day: date, scope: Scope) -> TodayLists:
    """Today's lists for `scope` from what is kept, brought up to date first. One call at a time
    per vault: two would work out the same people twice."""
    store = _store(vault)
    establishment, wing, _ = scope
    with store.lock, lists.collector_paused(), vault.session() as session:
        kept, keep = _brought_up_to_date(session, store.scopes.pop(scope, None), moment, day, scope)
        if keep:
            store.scopes[scope] = kept
        while len(store.scopes) > _SCOPES:
            store.scopes.popitem(last=False)
        unsynced = lists.unsynced_items(session, moment, establishment, wing)
        tasks = lists.task_items(session, moment, establishment, wing)
        return _put_together(kept, moment, unsynced, tasks)
