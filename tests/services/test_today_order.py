"""Today's order within a list: severity, due date, name, then prison number and source, so two
people of the same name due the same day always come in the same order, whatever index SQLite
read them through (docs/performance.md, issue 15)."""

from __future__ import annotations

from datetime import date

from hjdesk.services.worklists.today import HIGH, MEDIUM, TodayItem, sorted_items


def _item(number: str, source: str, *, name: str = "SMITH, John", due: date | None = None,
          severity: str = HIGH) -> TodayItem:  # fmt: skip
    return TodayItem(
        target_kind="patient",
        target_id=f"patient-{number}",
        source_id=source,
        patient_id=f"patient-{number}",
        patient_name=name,
        prison_number=number,
        location="A-1-001",
        wing="A",
        what="LTC review overdue (diabetes)",
        due=due or date(2026, 11, 1),
        due_at=None,
        severity=severity,
    )


def test_namesakes_due_the_same_day_come_in_prison_number_then_source_order():
    items = [
        _item("B2222BB", "c2"),
        _item("A1111AA", "c9"),
        _item("B2222BB", "c1"),
        _item("A1111AA", "c3"),
    ]
    expected = [("A1111AA", "c3"), ("A1111AA", "c9"), ("B2222BB", "c1"), ("B2222BB", "c2")]
    assert [(i.prison_number, i.source_id) for i in sorted_items(items)] == expected
    assert sorted_items(reversed(items)) == sorted_items(items)


def test_severity_then_due_then_name_still_come_first():
    late = _item("Z9999ZZ", "s1", name="ZED, Amy", due=date(2026, 10, 1))
    named_first = _item("Z9999ZZ", "s2", name="ABLE, Ben")
    medium = _item("A0000AA", "s3", name="ABLE, Ben", due=date(2026, 9, 1), severity=MEDIUM)
    assert sorted_items([medium, named_first, late]) == (late, named_first, medium)
