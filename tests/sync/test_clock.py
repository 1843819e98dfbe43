"""Clocks never decide: a laptop whose clock is a day wrong loses nothing, overwrites nothing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest

from hjdesk.storage import audit, outbox
from hjdesk.storage.models import utcnow
from hjdesk.sync.hub import schema
from tests.sync.helpers import HubProcess, Laptop

DAY = timedelta(days=1)


@contextmanager
def clock_off_by(shift: timedelta, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's clock, as HJDesk reads it (ids, HLC, timestamps), moved by `shift`."""
    real_ns = time.time_ns
    with monkeypatch.context() as patch:
        patch.setattr(time, "time_ns", lambda: real_ns() + int(shift.total_seconds() * 1e9))
        patch.setattr(outbox, "utcnow", lambda: utcnow() + shift)
        patch.setattr(audit, "utcnow", lambda: utcnow() + shift)
        yield


@pytest.mark.parametrize("shift", [DAY, -DAY], ids=["a day fast", "a day slow"])
def test_a_laptop_clock_a_day_wrong_loses_and_overwrites_nothing(
    hub: HubProcess,
    make_laptop: Callable[[str], Laptop],
    monkeypatch: pytest.MonkeyPatch,
    shift: timedelta,
) -> None:
    right, wrong = make_laptop("right"), make_laptop("wrong")
    est = right.add_establishment("DMO")
    right.enrol(hub, "DMO")
    wrong.enrol(hub, "DMO")
    right.sync()
    wrong.sync()

    right.rename_establishment(est, "Right")
    right_new = right.add_patients(est, 3, prefix="R")
    with clock_off_by(shift, monkeypatch):
        wrong.rename_establishment(est, "Wrong")
        wrong_new = wrong.add_patients(est, 3, prefix="W")
        stamp = wrong.patient(wrong_new[0])
        assert stamp is not None
        assert abs(stamp.updated_at - (datetime.now(stamp.updated_at.tzinfo) + shift)) < DAY / 24

    # Whichever clock says "later", the edit that reaches the hub second becomes a conflict.
    first, second = (right, wrong) if shift > timedelta(0) else (wrong, right)
    first.sync()
    with clock_off_by(shift, monkeypatch) if second is wrong else _no_change():
        second.sync()
    first.sync()

    doc = hub.doc("establishment", est)
    winner = "Right" if first is right else "Wrong"
    loser = "Wrong" if first is right else "Right"
    assert doc is not None
    assert doc["payload"]["name"] == winner
    with hub.store.reading() as conn:
        (kept,) = conn.execute(schema.conflicts.select()).mappings().all()
    assert kept["payload"]["name"] == loser
    for laptop in (right, wrong):  # every new record reached every laptop
        for patient_id in right_new + wrong_new:
            assert laptop.patient(patient_id) is not None


@contextmanager
def _no_change() -> Iterator[None]:
    yield
