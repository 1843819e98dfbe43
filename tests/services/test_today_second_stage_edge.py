"""The second-stage list at the edge of the reception day: the rule counts an assessment by its
London day, and SQL only leaves out people with an assessment on or after the UTC day of their
reception (never a London day earlier), so an assessment just before UTC midnight counts in
summer (London 00:30, the reception day) and not in winter (London 23:30, the day before)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import true

from hjdesk.services.patients.caseload import caseload
from hjdesk.services.roll.importing import import_roll
from hjdesk.services.worklists import today
from hjdesk.storage.paths import HomePaths
from hjdesk.storage.vault import OpenVault, Vault
from tests.conftest import FAST_KDF, PASSWORD, RollWriter
from tests.services import care_world


@pytest.fixture
def nurse(vault: OpenVault, home: HomePaths) -> Iterator[OpenVault]:
    vault.add_user("nurse", PASSWORD, display_name="Alex Morgan", role="RN",
                   team="PRIMARY_CARE", kdf=FAST_KDF)  # fmt: skip
    opened = Vault(home).unlock("nurse", PASSWORD)
    yield opened
    opened.lock()


def _assess_at_2330_utc(
    monkeypatch: pytest.MonkeyPatch, nurse: OpenVault, pid: str, eve: date
) -> None:
    """A signed assessment started at 23:30 UTC on `eve`, through the encounter service."""
    with monkeypatch.context() as patched:
        patched.setattr(care_world, "at_noon", lambda d: datetime.combine(d, time(23, 30), UTC))
        care_world.add_encounter(nurse, pid, "SECOND_STAGE_ASSESSMENT", eve)


@pytest.mark.parametrize(
    ("received", "eve", "counts"),
    [
        (date(2025, 6, 10), date(2025, 6, 9), True),  # BST: 00:30 on 10 June in London
        (date(2025, 1, 10), date(2025, 1, 9), False),  # GMT: 23:30 on 9 January in London
    ],
)
def test_assessment_just_before_utc_midnight(
    vault: OpenVault,
    nurse: OpenVault,
    roll: RollWriter,
    monkeypatch: pytest.MonkeyPatch,
    received: date,
    eve: date,
    counts: bool,
) -> None:
    now = datetime.combine(received, time(15, 0), UTC)
    line = roll.line("K1000KK", location="A-1-001", reception_date=received.isoformat())
    import_roll(vault, roll.write([line]), today=received)
    (person,) = caseload(vault)
    _assess_at_2330_utc(monkeypatch, nurse, person.id, eve)
    listed = today.today_worklists(vault, now=now).second_stage
    assert [i.prison_number for i in listed] == ([] if counts else ["K1000KK"])
    # The same with the SQL pre-filter switched off: the rule alone decides the same.
    monkeypatch.setattr(today, "_not_assessed_since_reception", true)
    assert today.today_worklists(vault, now=now).second_stage == listed
