"""Today's tree model (hjdesk.ui.today_model) against the service's lists on the demo: every item
under its heading, in order, each cell saying what the list means, the urgency and lateness
treatments, and masking without a reload."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from hjdesk.services.common import local_today
from hjdesk.services.worklists import HIGH, MEDIUM, TodayItem, TodayLists, today_worklists
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.theme import severity_colour, tone_colours
from hjdesk.ui.today_model import COLUMNS, DUE, ITEM_ROLE, URGENCY, TodayModel, due_text

FOREGROUND = Qt.ItemDataRole.ForegroundRole
BACKGROUND = Qt.ItemDataRole.BackgroundRole
FONT = Qt.ItemDataRole.FontRole


def _loaded(demo, privacy=None):
    now = datetime.now(UTC)
    lists = today_worklists(demo, now=now)
    model = TodayModel(privacy)
    model.load(lists, now=now)
    return model, lists, now


def test_every_item_sits_under_its_heading_in_the_services_order(qtbot, demo):
    model, lists, now = _loaded(demo)
    named = lists.named()
    assert model.rowCount() == len(named)
    assert model.columnCount() == len(COLUMNS)
    assert model.total() == sum(len(items) for _, items in named)
    today = local_today(now)
    for row, (name, items) in enumerate(named):
        heading = model.index(row, 0)
        assert heading.data() == f"{name} ({len(items):,})"
        assert heading.data(Qt.ItemDataRole.AccessibleTextRole) == f"{name}: {len(items)} items"
        assert heading.data(FONT).bold()
        assert heading.data(ITEM_ROLE) is None
        assert not model.parent(heading).isValid()
        assert model.rowCount(heading) == len(items)
        assert model.rowCount(model.index(row, 1)) == 0  # only column 0 has children
        for number, item in enumerate(items):
            cells = [model.index(number, c, heading) for c in range(len(COLUMNS))]
            assert model.parent(cells[0]) == heading
            assert cells[0].data(ITEM_ROLE) == item
            assert model.item_at(cells[3]) == item  # any column of the row names the item
            assert model.rowCount(cells[0]) == 0
            assert [c.data() for c in cells] == [
                item.patient_name or "(wing)",
                item.prison_number,
                item.location,
                item.what,
                due_text(item, today, now),
                {HIGH: "High", MEDIUM: "Medium"}.get(item.severity, "Low"),
            ]
            assert cells[3].data(Qt.ItemDataRole.ToolTipRole) == item.what


def test_urgency_and_lateness_have_their_own_treatments(qtbot, demo):
    model, lists, now = _loaded(demo)
    seen = {"high": 0, "medium": 0, "late": 0}
    for row, (_, items) in enumerate(lists.named()):
        heading = model.index(row, 0)
        for number, item in enumerate(items):
            due = model.index(number, DUE, heading)
            urgency = model.index(number, URGENCY, heading)
            late = item.due_at is not None and item.due_at < now
            colour = {HIGH: "RED", MEDIUM: "AMBER"}.get(item.severity)
            if colour:
                assert urgency.data(FOREGROUND).color() == severity_colour(colour)
                assert urgency.data(FONT).bold()
                seen["high" if item.severity == HIGH else "medium"] += 1
            else:
                assert urgency.data(FOREGROUND) is None
                assert urgency.data(FONT) is None
            if late:
                ink, band = tone_colours("late")
                assert due.data().endswith("(late)")
                assert due.data(FOREGROUND).color() == ink
                assert due.data(BACKGROUND).color() == band
                seen["late"] += 1
            else:
                assert due.data(BACKGROUND) is None
                if colour:
                    assert due.data(FOREGROUND).color() == severity_colour(colour)
    # The demo has work of every kind, so none of the branches above went untried.
    assert all(seen.values()), seen


def _item(**when):
    return TodayItem("patient", "p", "s", "p", "A, B", "Z1234AB", "A-1-001", "A", "x",
                     when.get("due"), when.get("due_at"), HIGH)  # fmt: skip


def test_due_text_says_late_overdue_and_today():
    now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    today = local_today(now)
    item = _item

    assert due_text(item(), today, now) == ""
    assert due_text(item(due=today), today, now) == "today"
    assert due_text(item(due=today - timedelta(days=3)), today, now).endswith("(overdue)")
    assert due_text(item(due=today + timedelta(days=3)), today, now) == (
        f"{today + timedelta(days=3):%d %b %Y}"
    )
    earlier = now - timedelta(hours=1)
    assert due_text(item(due_at=earlier), today, now).endswith("(late)")
    later = now + timedelta(hours=1)
    assert not due_text(item(due_at=later), today, now).endswith("(late)")


def test_masking_changes_the_text_without_a_reload(qtbot, demo):
    privacy = PrivacyState()
    model, lists, _ = _loaded(demo, privacy)
    resets: list[bool] = []
    changed: list[tuple[int, int]] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.dataChanged.connect(lambda first, last: changed.append((first.row(), last.row())))
    heading = model.index(0, 0)
    first = model.index(0, 0, heading)
    item = lists.named()[0][1][0]
    assert first.data() == item.patient_name
    privacy.set_masked(True)
    assert not resets
    assert changed  # the view is told, list by list
    assert first.data() != item.patient_name
    assert "•" in first.data()
    assert "•" in model.index(0, 1, heading).data()
    assert first.data(ITEM_ROLE) == item


def test_an_empty_load_shows_nothing(qtbot, demo):
    model, _, _ = _loaded(demo)
    model.load(None)
    assert model.rowCount() == 0
    assert model.total() == 0
    assert not model.index(0, 0).isValid()


def test_the_page_counts_london_days_whatever_the_laptop_zone(
    qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hazard H-30 on the Today page: 23:30 UTC on 30 June is already 1 July in London. On a
    laptop set to UTC an item due 1 July must say "today", not tomorrow, and one due 30 June
    "(overdue)"; a time shows as London's."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        now = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
        model = TodayModel()
        due_now, due_before = _item(due=date(2026, 7, 1)), _item(due=date(2026, 6, 30))
        model.load(TodayLists(acct=(due_now, due_before), care_plan_reviews=(), ltc_reviews=(),
                              second_stage=(), older_prisoner_reviews=(), unsynced=(),
                              tasks=()), now=now)  # fmt: skip
        today = local_today(now)
        assert today == date(2026, 7, 1)
        assert due_text(_item(due=date(2026, 7, 1)), today, now) == "today"
        assert due_text(_item(due=date(2026, 6, 30)), today, now) == "30 Jun 2026 (overdue)"
        soon = datetime(2026, 6, 30, 23, 45, tzinfo=UTC)  # 00:45 on 1 July in London
        assert due_text(_item(due_at=soon), today, now) == "today 00:45"
        heading = model.index(0, 0)
        assert model.index(0, DUE, heading).data() == "today"
        assert model.index(1, DUE, heading).data() == "30 Jun 2026 (overdue)"
    finally:
        monkeypatch.undo()
        time.tzset()
