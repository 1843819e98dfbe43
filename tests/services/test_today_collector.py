"""Today pauses Python's cycle collector while it builds the lists (docs/performance.md) and
leaves it as it found it: on after a call, on after a call that failed, off if it was off."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from hjdesk.services.worklists import today
from hjdesk.storage.vault import OpenVault


@pytest.fixture
def collector_on() -> Iterator[None]:
    was_on = gc.isenabled()
    gc.enable()
    yield
    if not was_on:
        gc.disable()


def test_collector_is_off_while_the_lists_are_built_and_on_after(
    vault: OpenVault, collector_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    tasks = today.task_items

    def watching(session: Any, now: datetime, establishment: Any, wing: Any) -> Any:
        seen.append(gc.isenabled())
        return tasks(session, now, establishment, wing)

    monkeypatch.setattr(today, "task_items", watching)
    today.today_worklists(vault)
    assert seen == [False]
    assert gc.isenabled()


def test_collector_is_back_on_after_a_failed_call(
    vault: OpenVault, collector_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(today, "task_items", broken)
    with pytest.raises(RuntimeError, match="disk gone"):
        today.today_worklists(vault)
    assert gc.isenabled()


def test_collector_left_off_if_it_was_off(vault: OpenVault, collector_on: None) -> None:
    gc.disable()
    today.today_worklists(vault)
    assert not gc.isenabled()
    gc.enable()
