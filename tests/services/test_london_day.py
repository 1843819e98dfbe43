"""The services' default day is London's, whatever the laptop's zone (H-30).

Half an hour after midnight in summer, London (BST) is on 2 July while UTC, and a laptop left on
UTC, are still on 1 July. A default day taken from the laptop's clock would give a patient's age a
day late and call a date of London's today "in the future"."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from hjdesk.services import actions, common
from hjdesk.services.patients.caseload import caseload
from hjdesk.services.roll.importing import import_roll
from hjdesk.services.worklists.tasks import complete_task
from hjdesk.storage.models import Task
from tests.services.care_world import (
    NO_FALLS,
    World,
    add_encounter,
    care_template_fixture,
    world_fixture,
)

__all__ = ["care_template_fixture", "world_fixture"]

HALF_PAST_MIDNIGHT = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 BST on 2 July
LONDON_TODAY = date(2026, 7, 2)


@pytest.fixture
def utc_laptop_after_midnight(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The laptop's zone is UTC and the services' clock reads 23:30 UTC on 1 July."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(common, "utc_now", lambda: HALF_PAST_MIDNIGHT)
    monkeypatch.setattr(actions, "utc_now", lambda: HALF_PAST_MIDNIGHT)
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_caseload_counts_ages_on_londons_day(
    world: World, utc_laptop_after_midnight: None
) -> None:
    born = world.patient(dob=date(1960, 7, 2), family_name="Birthday")
    other = world.patient(dob=date(1960, 7, 3), family_name="Tomorrow")
    ages = {row.id: row.age for row in caseload(world.vault)}
    assert ages[born] == 66, "66 today in London, though still 65 on the laptop's clock"
    assert ages[other] == 65


def test_a_roll_dated_londons_today_is_not_in_the_future(
    admin_vault, roll, utc_laptop_after_midnight: None
) -> None:
    path = roll.write(
        [
            roll.line("A1111AA", date_of_birth=LONDON_TODAY.isoformat()),
            roll.line("B2222BB", date_of_birth="2026-07-03"),
        ]
    )
    summary = import_roll(admin_vault, path)
    assert summary.added == 1
    assert summary.rejected == [(3, "date_of_birth is in the future")]


def test_a_task_note_says_when_on_londons_clock(
    world: World, utc_laptop_after_midnight: None
) -> None:
    """The note a nurse reads on a closed task names London's time (BST here), not UTC's."""
    pid = world.patient(dob=date(1950, 3, 1))
    falls = {**NO_FALLS, "fallen_last_year": True}  # a falls assessment task is raised
    first = add_encounter(world.vault, pid, "OLDER_PRISONER_REVIEW", date(2026, 6, 30),
                          data={"falls": falls})  # fmt: skip
    add_encounter(world.vault, pid, "OLDER_PRISONER_REVIEW", date(2026, 7, 1),
                  amends_id=first, entered_in_error=True)  # fmt: skip
    second = add_encounter(world.vault, pid, "OLDER_PRISONER_REVIEW", date(2026, 7, 1),
                           data={"falls": falls})  # fmt: skip
    with world.vault.session() as session:
        tasks = {t.source_id: t for t in session.scalars(select(Task))}
    withdrawn, raised = tasks[first], tasks[second]
    # Withdrawn by the amendment signed at noon UTC on 1 July: 13:00 in London.
    assert "\nWithdrawn 2026-07-01 13:00 BST by nurse: " in withdrawn.detail
    complete_task(world.vault, raised.id, outcome="Falls assessment booked")
    with world.vault.session() as session:
        done = session.get(Task, raised.id)
        assert done is not None
        assert done.detail.endswith("Done 2026-07-02 00:30 BST by nurse: Falls assessment booked")
