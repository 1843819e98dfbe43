"""Today's SQL pre-filters (LTC, older-prisoner reviews and second-stage assessments) only leave
out rows the exact rules in Python would drop: on the demo, over days a year apart and around
month ends (where calendar months clamp) and clock changes, the lists are the same with the
pre-filters switched off."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import true

from hjdesk.services.worklists import today as today
from hjdesk.storage.vault import OpenVault


def _days() -> list[date]:
    base = datetime.now(UTC).date()
    spread = [base + timedelta(days=d) for d in range(-30, 400, 37)]
    edges = [date(base.year + 1, m, d) for m, d in ((2, 28), (3, 1), (3, 31), (4, 30), (5, 1))]
    clocks = [date(base.year + 1, 3, 30), date(base.year + 1, 10, 26)]  # around BST changes
    return [*spread, *edges, *clocks]


@pytest.mark.parametrize("hour", [0, 23])
def test_prefiltered_lists_equal_the_unfiltered_ones(
    demo: OpenVault, monkeypatch: pytest.MonkeyPatch, hour: int
) -> None:
    moments = [datetime.combine(d, time(hour, 30), UTC) for d in _days()]
    filtered = [today.today_worklists(demo, now=m) for m in moments]

    def keep_everything(value: Any, cutoff: Any) -> Any:
        return true()

    monkeypatch.setattr(today, "_none_or_before", keep_everything)
    monkeypatch.setattr(today, "_not_assessed_since_reception", true)
    checked = 0
    for moment, lists in zip(moments, filtered, strict=True):
        unfiltered = today.today_worklists(demo, now=moment)
        assert lists.ltc_reviews == unfiltered.ltc_reviews, moment
        assert lists.older_prisoner_reviews == unfiltered.older_prisoner_reviews, moment
        assert lists.second_stage == unfiltered.second_stage, moment
        assert lists.second_stage_long_overdue == unfiltered.second_stage_long_overdue, moment
        assert lists == unfiltered, moment
        checked += len(lists.ltc_reviews) + len(lists.older_prisoner_reviews)
    assert checked > 1000  # the demo has plenty of both, so the comparison means something
