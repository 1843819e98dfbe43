"""Screening and immunisation events, and the second-stage assessment status (domain.md §8)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hjdesk.services import encounters
from hjdesk.services.encounters.forms import EncounterInput
from hjdesk.services.patients import screening as screening
from hjdesk.storage.errors import InvalidInput, PermissionDenied
from hjdesk.storage.models import AuditEvent, OutboxOp, ScreeningEvent, SignedEntryImmutable
from tests.services.clinic_world import DAY, NOON, World


def record_flu(world: World, **kw: object) -> screening.ScreeningView:
    args: dict[str, object] = {
        "programme": "flu",
        "event_date": DAY,
        "outcome": "Given",
        "batch": "AB123",
        "next_due": date(2026, 3, 1),
        "now": NOON,
        "today": DAY,
    }
    args.update(kw)
    return screening.record_screening(world.vault, world.ids["diabetic"], **args)  # type: ignore[arg-type]


def test_a_screening_event_is_signed_audited_and_queued(world: World) -> None:
    view = record_flu(world)
    assert (view.programme, view.outcome, view.batch, view.next_due) == (
        "FLU",
        "Given",
        "AB123",
        date(2026, 3, 1),
    )
    assert (view.signed_at, view.signed_by) == (NOON, world.vault.actor.staff_id)
    with world.vault.session() as session:
        actions = list(session.scalars(select(AuditEvent.action)))
        queued = session.scalars(select(OutboxOp).where(OutboxOp.record_id == view.id)).all()
    assert "screening_recorded" in actions
    assert [op.kind for op in queued] == ["screening_event"]

    def edit_in_place() -> None:
        with world.vault.transaction() as session:
            row = session.get(ScreeningEvent, view.id)
            assert row is not None
            row.outcome = "Declined"

    with pytest.raises(SignedEntryImmutable):
        edit_in_place()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"programme": " "}, "programme"),
        ({"outcome": ""}, "outcome"),
        ({"event_date": DAY + timedelta(days=1)}, "future"),
        ({"next_due": DAY}, "after the event"),
        ({"batch": "B" * 61}, "batch"),
    ],
)
def test_screening_mistakes(world: World, change: dict, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        record_flu(world, **change)


def test_history_is_newest_first_and_audited(world: World) -> None:
    old = record_flu(world, event_date=DAY - timedelta(days=365), next_due=None)
    new = record_flu(world, programme="AAA", outcome="Normal", batch=None, next_due=None)
    history = screening.screening_history(world.vault, world.ids["diabetic"])
    assert [h.id for h in history] == [new.id, old.id]
    with world.vault.session() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert last is not None
    assert last.action == "view_screening"


def test_admin_cannot_record_screening(world: World) -> None:
    with pytest.raises(PermissionDenied):
        screening.record_screening(
            world.as_user("admin"), world.ids["diabetic"], "FLU", DAY, "Given", today=DAY
        )


def second_stage(world: World, who: str, started_days_ago: int) -> str:
    return encounters.sign_encounter(
        world.vault,
        EncounterInput(
            patient_id=world.ids[who],
            kind="SECOND_STAGE_ASSESSMENT",
            started_at=NOON - timedelta(days=started_days_ago),
            narrative="Second-stage assessment.",
        ),
        now=NOON,
    ).id


def test_second_stage_due_then_overdue(world: World) -> None:
    arrived = DAY - timedelta(days=3)
    due = screening.second_stage_status(world.vault, world.ids["new_arrival"], DAY)
    assert (due.reception_date, due.due, due.status) == (
        arrived,
        arrived + timedelta(days=7),
        "DUE",
    )
    last_day = screening.second_stage_status(
        world.vault, world.ids["new_arrival"], arrived + timedelta(days=7)
    )
    assert last_day.status == "DUE"
    late = screening.second_stage_status(
        world.vault, world.ids["new_arrival"], arrived + timedelta(days=8)
    )
    assert late.status == "OVERDUE"


def test_second_stage_done_by_a_standing_assessment_since_this_reception(world: World) -> None:
    # An assessment from before this reception (an earlier stay) does not count.
    second_stage(world, "overdue", 30)
    before = screening.second_stage_status(world.vault, world.ids["overdue"], DAY)
    assert (before.status, before.completed_on) == ("OVERDUE", None)
    done_id = second_stage(world, "overdue", 1)
    done = screening.second_stage_status(world.vault, world.ids["overdue"], DAY)
    assert (done.status, done.completed_on) == ("DONE", DAY - timedelta(days=1))
    encounters.amend_encounter(
        world.vault, done_id, reason="Wrong patient", entered_in_error=True, now=NOON
    )
    assert screening.second_stage_status(world.vault, world.ids["overdue"], DAY).status == "OVERDUE"


def test_second_stage_before_reception_is_a_roll_problem(world: World) -> None:
    with pytest.raises(InvalidInput, match="before this patient's reception"):
        screening.second_stage_status(world.vault, world.ids["future_arrival"], DAY)
