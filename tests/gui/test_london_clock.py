"""Hazard H-30 on every screen: times shown and typed are London's wall clock, whatever zone the
laptop is set to. The laptop here is set to UTC+14 (Kiritimati), so a screen that used the
laptop's zone would be 13 hours out in summer and a day out around midnight; the printouts and
the services already count in London, and the screen must agree with them and with the clock
on the clinic-room wall."""

from __future__ import annotations

import ast
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hjdesk.cli.entry import _as_of
from hjdesk.services import drafts, encounters
from hjdesk.services.common import CLINIC_ZONE
from hjdesk.services.encounters.forms import EncounterKind
from hjdesk.services.settings.status import SyncStatus
from hjdesk.ui.clinic_time import to_qt
from hjdesk.ui.encounter import EncounterForm
from hjdesk.ui.record.tab_base import moment_text
from hjdesk.ui.widgets.fields import aware
from tests.gui.helpers_clinic import page_context, show, sign, some_patient, type_narrative

ROOT = Path(__file__).resolve().parents[2]
# 13:00 UTC on 1 July is 14:00 BST in London and 03:00 on 2 July in Kiritimati.
SUMMER = datetime(2026, 7, 1, 13, 0, tzinfo=UTC)


@pytest.fixture
def far_laptop(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _form(qtbot, vault) -> EncounterForm:
    form = EncounterForm(page_context(vault), some_patient(vault).id, EncounterKind.CELL_DOOR)
    show(qtbot, form, (1280, 800))
    return form


def test_a_time_field_offers_londons_now_and_signs_the_instant_it_shows(
    qtbot, demo, far_laptop
) -> None:
    form = _form(qtbot, demo)
    before = datetime.now(CLINIC_ZONE)
    shown = form.basics.started.text()
    after = datetime.now(CLINIC_ZONE)
    assert shown in {f"{before:%d/%m/%Y %H:%M}", f"{after:%d/%m/%Y %H:%M}"}

    form.basics.started.setDateTime(to_qt(SUMMER))
    assert form.basics.started.text() == "01/07/2026 14:00"
    qtbot.keyClicks(form.basics.place, "Cell door A-1-001")
    type_narrative(qtbot, form, "Seen at the door; well.")
    encounter_id = sign(qtbot, form)
    assert encounter_id is not None, form.message.text()
    assert encounters.encounter_history(demo, encounter_id).current.started_at == SUMMER


def test_a_draft_keeps_the_time_typed_on_londons_clock(qtbot, demo, far_laptop) -> None:
    form = _form(qtbot, demo)
    form.basics.started.setDateTime(to_qt(SUMMER))
    type_narrative(qtbot, form, "Half written")
    form.save_draft()
    assert drafts.list_drafts(demo, patient_id=form.patient_id)

    again = EncounterForm(page_context(demo), form.patient_id, EncounterKind.CELL_DOOR)
    show(qtbot, again)
    assert again.basics.started.text() == "01/07/2026 14:00"
    assert aware(again.basics.started.dateTime()) == SUMMER


def test_stored_times_read_as_london_on_the_record_and_the_status_bar(far_laptop) -> None:
    late = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 July in London
    assert moment_text(late) == "02 Jul 2026 00:30"
    assert moment_text(datetime(2026, 12, 1, 23, 30, tzinfo=UTC)) == "01 Dec 2026 23:30"
    assert SyncStatus(waiting=0, last_receipt=late).receipt_text == "last sync receipt 02 Jul 00:30"


def test_a_roll_time_typed_without_a_zone_is_londons(far_laptop) -> None:
    assert _as_of("2026-07-01T06:00") == datetime(2026, 7, 1, 5, 0, tzinfo=UTC)
    assert _as_of("2026-12-01T06:00") == datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    assert _as_of("2026-07-01T06:00+00:00") == datetime(2026, 7, 1, 6, 0, tzinfo=UTC)


# The laptop's own clock is right for a log line's time stamp, nothing a clinician reads.
_LAPTOP_CLOCK_ALLOWED = {"hjdesk/cli/entry.py": 1}


def _laptop_clock_calls(tree: ast.AST) -> int:
    """Calls that read the laptop's zone: `x.astimezone()`, `datetime.now()`, `date.today()`."""
    found = 0
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.args or node.keywords:
            continue
        name, owner = node.func.attr, node.func.value
        called = (owner.id if isinstance(owner, ast.Name) else "", name)
        found += name == "astimezone" or called in {("datetime", "now"), ("date", "today")}
    return found


def test_no_code_a_clinician_reads_uses_the_laptops_zone() -> None:
    """Demo data is generated, not read; everything else shows or counts London time."""
    counts = {}
    for path in sorted((ROOT / "hjdesk").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("hjdesk/demo/"):
            continue
        found = _laptop_clock_calls(ast.parse(path.read_text(encoding="utf-8")))
        if found:
            counts[relative] = found
    assert counts == _LAPTOP_CLOCK_ALLOWED
