"""Enum and JSON column types (migration 0009) change what the code handles, not what is stored or
synced: a care plan and an encounter written through the services are stored as the same text as
before, travel to the hub as the same payload, and a pulled payload reads back into the same
typed values. A value outside an enum is refused by the vault itself."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError, StatementError

from hjdesk.clinical.care_plans import CarePlanStatus, CarePlanType
from hjdesk.services import care_plans as cp
from hjdesk.storage.models import CarePlan, Encounter, OutboxOp
from hjdesk.sync.local_apply import to_row
from tests.services.care_world import (  # noqa: F401
    TODAY,
    World,
    add_encounter,
    care_template_fixture,
    world_fixture,
)

# The plan's details: what the test sets, merged into the template's key.
DATA = {"zeta": 1, "alpha": "ü", "template": "MENTAL_HEALTH"}


def _before_0009(value: Any) -> str:
    """How the services wrote a JSON column before 0009 (services.common.dumps)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _mental_health_plan(w: World) -> str:
    pid = w.patient(dob=date(1970, 5, 1))
    plan = cp.create_plan(w.vault, pid, "MENTAL_HEALTH", today=TODAY)
    cp.update_plan(
        w.vault,
        plan.id,
        base_rev=plan.rev,
        shared_with=["GP", "Équipe santé mentale"],
        data={"zeta": 1, "alpha": "ü"},
        today=TODAY,
    )
    return plan.id


def test_a_care_plan_is_stored_and_queued_as_the_same_text_as_before(world: World) -> None:
    plan_id = _mental_health_plan(world)
    with world.vault.session() as session:
        plan = session.get(CarePlan, plan_id)
        assert plan is not None
        assert plan.plan_type is CarePlanType.MENTAL_HEALTH
        assert plan.status is CarePlanStatus.DRAFT
        assert plan.shared_with == ["GP", "Équipe santé mentale"]
        raw = session.execute(
            text("SELECT plan_type, status, shared_with, data FROM care_plans WHERE id = :id"),
            {"id": plan_id},
        ).one()
        queued = session.scalars(
            select(OutboxOp.payload)
            .where(OutboxOp.record_id == plan_id)
            .order_by(OutboxOp.seq.desc())
        ).first()
    assert tuple(raw) == (
        "MENTAL_HEALTH",
        "DRAFT",
        _before_0009(["GP", "Équipe santé mentale"]),
        _before_0009(DATA),
    )
    assert queued is not None
    payload = json.loads(queued)
    # On the wire the JSON columns are still text and the enums their values.
    assert payload["shared_with"] == raw[2]
    assert payload["data"] == raw[3]
    assert (payload["plan_type"], payload["status"]) == ("MENTAL_HEALTH", "DRAFT")
    # …and a pulled copy of that payload reads back as the typed values.
    row = to_row(CarePlan, payload)
    assert row["shared_with"] == ["GP", "Équipe santé mentale"]
    assert row["data"] == DATA
    assert row["status"] is CarePlanStatus.DRAFT


def test_an_encounter_keeps_its_json_text(world: World) -> None:
    pid = world.patient(dob=date(1950, 1, 1))
    encounter_id = add_encounter(
        world.vault, pid, "GENERAL", TODAY - timedelta(days=1), data={"note": "stable"}
    )
    with world.vault.session() as session:
        enc = session.get(Encounter, encounter_id)
        assert enc is not None
        data, flags = enc.data, enc.red_flags
        raw = session.execute(
            text("SELECT data, red_flags FROM encounters WHERE id = :id"), {"id": encounter_id}
        ).one()
    assert isinstance(data, dict)
    assert data["answers"]["note"] == "stable"
    assert tuple(raw) == (_before_0009(data), _before_0009(flags))


def test_a_pulled_value_outside_its_enum_is_not_read_into_a_row() -> None:
    """The hub checks only that it is text (a newer version may know more values); this laptop
    cannot store it, so the pull sets it aside (local_apply quarantines a ValueError)."""
    with pytest.raises(ValueError, match="not one of"):
        to_row(CarePlan, {"status": "SUSPENDED"})
    with pytest.raises(ValueError):
        to_row(CarePlan, {"data": "{not json"})


def test_the_vault_refuses_a_value_outside_the_enum(world: World) -> None:
    plan_id = _mental_health_plan(world)
    # Through the ORM: refused when assigned; a value's text becomes its member at once.
    with world.vault.session() as session:
        plan = session.get(CarePlan, plan_id)
        assert plan is not None
        with pytest.raises(ValueError, match="not one of status's values"):
            plan.status = "SUSPENDED"  # type: ignore[assignment]
        plan.status = "ACTIVE"  # type: ignore[assignment]
        assert plan.status is CarePlanStatus.ACTIVE
        session.rollback()
    # Past the attribute, by a Core statement: SQLAlchemy's Enum refuses it before SQL runs.
    with world.vault.engine.connect() as conn:
        bad = update(CarePlan).where(CarePlan.id == plan_id).values(status="SUSPENDED")
        with pytest.raises(StatementError, match="not among the defined enum values"):
            conn.execute(bad)
    # Around the ORM, by plain SQL: the CHECK constraint of migration 0009 refuses it.
    with world.vault.engine.connect() as conn:
        raw_update = text("UPDATE care_plans SET status = 'SUSPENDED' WHERE id = :id")
        with pytest.raises(IntegrityError, match="CHECK constraint failed"):
            conn.execute(raw_update, {"id": plan_id})
    with world.vault.session() as session:
        assert session.scalar(select(CarePlan.status)) is CarePlanStatus.DRAFT
