"""`new_row` fills a new row's dictionary instead of running an attribute event per value (one
clinical entry makes three or more rows: docs/performance.md). It is only right while the models
have no listener it would skip, and while it does what their one listener does (an enum column's
text becomes its member). Whether a filled row is stored and queued as a flushed one is shown by
`tests/services/test_encounter_append.py` (the entry's own rows, appended and flushed) and by the
corrections, which flush filled rows (`tests/services/test_encounters.py`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Enum, inspect
from sqlalchemy.orm import configure_mappers

from hjdesk.clinical.news2 import Consciousness, News2Risk
from hjdesk.storage.models import Alert, Base, Encounter, Observation
from hjdesk.storage.models.new_rows import new_row
from hjdesk.storage.serialise import row_payload

WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _encounter_values() -> dict[str, Any]:
    return {
        "id": "0192f000-0000-7000-8000-000000000001",
        "patient_id": "p-1",
        "appointment_id": None,
        "kind": "LTC_REVIEW",
        "ltc_condition": "DIABETES",
        "place": "Healthcare",
        "started_at": WHEN,
        "ended_at": None,
        "narrative": "Reviewed.",
        "consent_recorded": True,
        "capacity_concern": False,
        "data": {"answers": {}, "derived": {}},
        "red_flags": [],
        "signed_at": WHEN,
        "signed_by": "s-1",
    }


def _observation_values() -> dict[str, Any]:
    return {
        "patient_id": "p-1",
        "encounter_id": "e-1",
        "signed_at": WHEN,
        "signed_by": "s-1",
        "taken_at": WHEN,
        "resp_rate": 16,
        "spo2": 97,
        "spo2_scale": 1,
        "on_oxygen": False,
        "systolic_bp": 126,
        "diastolic_bp": 78,
        "pulse": 74,
        "consciousness": "A",
        "temperature": 36.8,
        "subscores": {"resp_rate": 0},
        "news2_total": 0,
        "news2_risk": "low",
        "red_score": False,
    }


def _held(row: Any) -> dict[str, Any]:
    return {attr.key: getattr(row, attr.key) for attr in inspect(type(row)).column_attrs}


@pytest.mark.parametrize(
    ("cls", "values"), [(Encounter, _encounter_values), (Observation, _observation_values)]
)
def test_a_filled_row_holds_and_serialises_what_the_constructor_gives(
    cls: type[Any], values: Any
) -> None:
    built, filled = cls(**values()), new_row(cls, **values())
    assert _held(filled) == _held(built)
    assert row_payload(filled) == row_payload(built)
    assert inspect(filled).transient


def test_an_enum_columns_text_becomes_its_member_as_the_constructor_makes_it() -> None:
    filled = new_row(Observation, **_observation_values())
    assert filled.consciousness is Consciousness("A")
    assert filled.news2_risk is News2Risk("low")


def test_an_unknown_keyword_a_relationship_and_a_wrong_enum_text_are_refused() -> None:
    with pytest.raises(TypeError, match="'nope' is an invalid keyword argument for Encounter"):
        new_row(Encounter, **_encounter_values(), nope=1)
    with pytest.raises(TypeError):
        Encounter(**_encounter_values(), nope=1)
    with pytest.raises(TypeError, match="'patient' is an invalid keyword argument for Alert"):
        new_row(Alert, patient=None)
    wrong = {**_observation_values(), "consciousness": "Q"}
    with pytest.raises(ValueError, match="'Q' is not one of consciousness"):
        new_row(Observation, **wrong)
    with pytest.raises(ValueError, match="'Q' is not one of consciousness"):
        Observation(**wrong)


def test_no_model_has_a_listener_a_filled_row_would_skip() -> None:
    """The only `set` listener of any column attribute is an enum column's conversion, and no
    model listens for its instances being made: were one added (a validator, a default set on
    `init`), `new_row` would skip it, and this fails. (`new_row` takes columns only, so a
    relationship's own listeners are never skipped: it refuses the keyword.)"""
    configure_mappers()
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        for attr in mapper.column_attrs:
            listeners = list(getattr(cls, attr.key).dispatch.set)
            column_type = attr.columns[0].type
            expected = 1 if isinstance(column_type, Enum) and column_type.enum_class else 0
            assert len(listeners) == expected, f"{cls.__name__}.{attr.key}: {listeners}"
        on_init = [f.__name__ for f in mapper.class_manager.dispatch.init]
        assert on_init == ["_event_on_init"], f"{cls.__name__}: {on_init}"  # SQLAlchemy's own
