"""Aware datetimes reach SQLite as the same text by the one-step bind path as by the composed
one (`UtcDateTime.process_bind_param`, then SQLite's DATETIME processor), whatever their zone;
and what is not an aware datetime is handled, and refused, exactly as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import TypeDecorator
from sqlalchemy.dialects import postgresql, sqlite

from hjdesk.storage.models import Patient
from hjdesk.storage.models.base import UtcDateTime
from hjdesk.storage.vault import OpenVault

SQLITE = sqlite.dialect()
LONDON = ZoneInfo("Europe/London")
ONE_STEP = "UtcDateTime.bind_processor.<locals>.process"


def _fast() -> Any:
    return UtcDateTime().dialect_impl(SQLITE).bind_processor(SQLITE)


def _composed() -> Any:
    decorated = UtcDateTime().dialect_impl(SQLITE)
    return TypeDecorator.bind_processor(decorated, SQLITE)


def _outcome(process: Any, value: Any) -> Any:
    try:
        return process(value)
    except Exception as exc:  # the same error type, whichever path raised it
        return type(exc)


def test_the_vault_binds_its_times_by_the_one_step_path(vault: OpenVault) -> None:
    """The one-step path is taken only while SQLAlchemy's SQLite DATETIME stores its default
    text, which it holds in a private attribute (`_storage_format`): an upgrade that renamed or
    changed it would quietly bring back the composed path, three times the cost a value. This
    fails instead, so that the upgrade is noticed."""
    dialect = vault.engine.dialect
    process = Patient.__table__.c.updated_at.type.dialect_impl(dialect).bind_processor(dialect)
    assert process is not None
    assert process.__qualname__ == ONE_STEP, (
        "SQLite's DATETIME no longer shows its default text as `_storage_format`: "
        "see UtcDateTime.bind_processor and _SQLITE_FORMAT"
    )
    assert process(datetime(2025, 7, 15, 0, 30, tzinfo=LONDON)) == "2025-07-14 23:30:00.000000"


def test_a_datetime_that_stores_other_text_takes_the_composed_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Were SQLite's DATETIME to store another text, the one-step path steps aside and the
    composed path writes that text: slower, never different from what SQLAlchemy writes."""
    monkeypatch.setattr(
        sqlite.DATETIME,
        "_storage_format",
        "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d",
    )
    process = _fast()
    assert process.__qualname__ != ONE_STEP
    assert process(datetime(2025, 7, 15, 0, 30, 5, 123, tzinfo=LONDON)) == "2025-07-14 23:30:05"


def test_the_one_step_path_is_sqlites_only() -> None:
    assert _fast().__qualname__ == ONE_STEP
    pg = postgresql.dialect()
    on_pg = UtcDateTime().dialect_impl(pg).bind_processor(pg)
    assert on_pg is not None
    assert on_pg.__qualname__ != ONE_STEP
    moment = datetime(2025, 7, 15, 0, 30, tzinfo=LONDON)
    assert on_pg(moment) == datetime(2025, 7, 14, 23, 30)  # naive UTC, as before


@pytest.mark.parametrize(
    "value",
    [
        datetime(2025, 3, 6, 12, 0, 1, 123456, tzinfo=UTC),
        datetime(2025, 3, 6, 12, 0, tzinfo=UTC),  # no microseconds: still six digits
        datetime(2025, 1, 15, 9, 30, tzinfo=LONDON),  # GMT: offset zero, another tzinfo
        datetime(2025, 7, 15, 0, 30, tzinfo=LONDON),  # BST: the day before in UTC
        datetime(2025, 3, 30, 1, 30, tzinfo=LONDON),  # the hour that does not exist
        datetime(2025, 10, 26, 1, 30, fold=1, tzinfo=LONDON),  # the hour that comes twice
        datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
        datetime(1, 1, 1, 0, 0, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        None,
        datetime(2025, 3, 6, 12, 0),  # naive: refused
        "2025-03-06T12:00:00Z",  # not a datetime: refused
    ],
)
def test_the_same_text_or_the_same_refusal(value: Any) -> None:
    assert _outcome(_fast(), value) == _outcome(_composed(), value)


def test_a_naive_value_is_still_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        _fast()(datetime(2025, 3, 6, 12, 0))


@given(
    st.datetimes(
        min_value=datetime(1900, 1, 2),
        max_value=datetime(2200, 1, 1),
        timezones=st.sampled_from(
            [UTC, LONDON, ZoneInfo("America/New_York"), timezone(timedelta(hours=5, minutes=30))]
        ),
    )
)
def test_any_aware_moment_gives_the_same_text(value: datetime) -> None:
    assert _fast()(value) == _composed()(value)
