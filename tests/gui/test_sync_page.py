"""The Sync page and the sync controller against a real hub process (`hjdesk hub serve`).

Kept few: one hub for the module, each test in its own establishment.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from hjdesk.storage.errors import InvalidInput
from hjdesk.storage.models import CarePlan, Patient
from hjdesk.sync.hub import schema
from hjdesk.ui.pages.sync import SyncPage
from hjdesk.ui.sync.conflict_fields import FieldRow, parse_value
from hjdesk.ui.sync.conflicts_panel import MERGED
from hjdesk.ui.sync_controller import SyncOutcome
from tests.gui.helpers_sync import GuiLaptop, gui_hub, sync_page
from tests.sync.helpers import HubProcess

__all__ = ["gui_hub"]  # the module-scoped hub fixture


def _row_of(page: SyncPage, label: str) -> int:
    table = page.conflicts.compare
    for row in range(table.rowCount()):
        if table.item(row, 0).text() == label:  # type: ignore[union-attr]
            return row
    raise AssertionError(f"no row {label!r}")


def test_enrol_then_sync_through_the_page(qtbot, gui_hub: HubProcess, tmp_path: Path) -> None:
    laptop = GuiLaptop(tmp_path, "a")
    establishment = laptop.add_establishment("GEA")
    (patient,) = laptop.add_patients(establishment, 1)
    with laptop.vault() as opened:
        page, controller = sync_page(qtbot, opened)
        before = controller.status_text
        assert before.startswith("Offline (not enrolled with a hub) · ")
        assert "never synced" in before
        waiting = int(before.split(" · ")[1].split()[0])
        assert waiting > 0
        assert page.status.text() == f"Status: {before}"
        assert not page.sync_button.isEnabled()

        qtbot.keyClicks(page.enrol.hub_url, gui_hub.url)
        qtbot.keyClicks(page.enrol.code, gui_hub.enrol_code("GEA"))
        page.enrol.enrol_button.click()

        # Enrolled, found the hub answering, and synced on its own.
        assert "Enrolled with the hub at" in page.enrol.state.text()
        assert page.enrol.form.isHidden()
        after = controller.status_text
        assert after.startswith("Online · 0 records waiting · last sync receipt today ")
        assert gui_hub.doc("patient", patient) is not None

        # New work waits, then "Sync now" sends it and the summary says so.
        with opened.transaction() as s:
            s.add(Patient(prison_number="G0001AB", family_name="Newperson", given_names="Ann",
                          family_fold="newperson", given_fold="ann", date_of_birth=date(1979, 5, 6),
                          sex="F", establishment_id=establishment))  # fmt: skip
        page.context.navigator.data_changed.emit()
        assert controller.status_text.startswith("Online · 1 records waiting · last sync receipt")
        with qtbot.waitSignal(controller.finished) as finished:
            qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
        outcome = finished.args[0]
        assert isinstance(outcome, SyncOutcome)
        assert outcome.error is None
        assert "Sent " in page.summary.text()
        assert controller.status_text.startswith("Online · 0 records waiting · last sync receipt")
        assert page.progress.isHidden()
        new = opened.session().scalar(select(Patient.id).where(Patient.prison_number == "G0001AB"))
        assert gui_hub.doc("patient", new or "") is not None


def test_a_care_plan_edited_on_two_laptops_is_shown_side_by_side_and_resolved(
    qtbot, gui_hub: HubProcess, tmp_path: Path
) -> None:
    a, b = GuiLaptop(tmp_path, "a"), GuiLaptop(tmp_path, "b")
    # Its own prisoner: the module's hub is shared, and one prison number is one person estate-wide.
    (patient,) = a.add_patients(a.add_establishment("GCF"), 1, prefix="C")
    a.add_user("nurse_a", "RN")
    b.add_user("nurse_b", "RN")
    plan = a.create_plan("nurse_a", patient)
    a.enrol(gui_hub, "GCF")
    b.enrol(gui_hub, "GCF")
    a.sync()
    b.sync()
    a.retitle_plan("nurse_a", plan, "Stop smoking: patches")
    b.retitle_plan("nurse_b", plan, "Stop smoking: gum")
    a.sync()

    with b.vault_as("nurse_b") as opened:
        page, controller = sync_page(qtbot, opened)  # the hub answers: it syncs on opening
        edits = [c for c in page.conflicts.conflicts if c.reason == "edit"]
        assert [c.kind for c in edits] == ["care_plan"]
        hub_rev = edits[0].hub_rev
        assert "conflicts to resolve" in controller.status_text
        row = next(n for n, c in enumerate(page.conflicts.conflicts) if c.reason == "edit")
        page.conflicts.list.selectRow(row)
        listed = page.conflicts.list
        assert listed.item(row, 0).text() == "Care plan"
        assert listed.item(row, 1).text() == "TESTPERSON, Pat 0"
        assert "title" in listed.item(row, 4).text()

        # Both versions, field by field, the difference marked in words.
        compare = page.conflicts.compare
        title = _row_of(page, "Title")
        assert title == 0  # differing fields come first
        assert compare.item(title, 1).text() == "DIFFERS"
        assert compare.item(title, 2).text() == "Stop smoking: gum"
        assert compare.item(title, 3).text() == "Stop smoking: patches"
        status_row = _row_of(page, "Status")
        assert compare.item(status_row, 1).text() == ""
        assert compare.item(status_row, 2).text() == compare.item(status_row, 3).text() == "DRAFT"
        assert (
            compare.item(_row_of(page, "Patient id"), MERGED).flags() & (Qt.ItemFlag.ItemIsEditable)
            == Qt.ItemFlag.NoItemFlags
        )

        # A merged version, typed into the last column, becomes a new revision.
        page.conflicts.set_merged_text("title", "Stop smoking: patches and gum")
        page.conflicts.save_merged.click()
        assert "Resolved" in page.conflicts.message.text()
        assert [c for c in page.conflicts.conflicts if c.reason == "edit"] == []
        with opened.session() as s:
            stored = s.get(CarePlan, plan)
            assert stored is not None
            assert (stored.title, stored.rev) == ("Stop smoking: patches and gum", hub_rev + 1)
        with qtbot.waitSignal(controller.finished):
            page.sync_button.click()

    doc = gui_hub.doc("care_plan", plan)
    assert doc is not None
    assert doc["payload"]["title"] == "Stop smoking: patches and gum"
    assert doc["rev"] == hub_rev + 1
    assert not doc["conflict"]
    assert (
        gui_hub.count(
            schema.conflicts,
            schema.conflicts.c.status == "open",
            schema.conflicts.c.record_id == plan,
        )
        == 0
    )


def test_hub_down_says_offline_without_freezing(qtbot, gui_hub: HubProcess, tmp_path: Path) -> None:
    laptop = GuiLaptop(tmp_path, "down")
    laptop.add_establishment("GDN")
    laptop.enrol(gui_hub, "GDN")
    dead = laptop.point_at_dead_hub()
    with laptop.vault() as opened:
        page, controller = sync_page(qtbot, opened, threaded=True)
        # The reachability check and the waiting counts are two reads that finish in either
        # order; the status line is written once both are in.
        qtbot.waitUntil(lambda: controller.online is False, timeout=15_000)
        qtbot.waitUntil(lambda: controller.status_text.startswith("Offline · "), timeout=15_000)
        assert "records waiting" in controller.status_text
        # The button comes on once the page has read the enrolment (a read of its own).
        qtbot.waitUntil(page.sync_button.isEnabled, timeout=15_000)

        with qtbot.waitSignal(controller.finished, timeout=15_000) as finished:
            page.sync_button.click()
            # The click returned at once: the sync runs off the UI thread.
            assert controller.running
            assert not page.sync_button.isEnabled()
            assert controller.sync_now() is False  # never two at once
        outcome = finished.args[0]
        assert outcome.summary is None
        assert f"The hub at {dead} cannot be reached" in (outcome.error or "")
        assert page.message.text().startswith(f"Not done: The hub at {dead} cannot be reached")
        assert "Traceback" not in page.message.text()
        qtbot.waitUntil(lambda: controller.status_text.startswith("Offline · "), timeout=15_000)
        assert page.sync_button.isEnabled()
        page.context.runner.wait()


def test_needed_by_warnings_and_read_only_enrolment_for_a_nurse(qtbot, demo) -> None:
    page, controller = sync_page(qtbot, demo)
    items = page.needed.items
    assert items, "the demo has ACCT contributions the office has not received"
    table = page.needed.table
    assert table.rowCount() == len(items)
    late = [r for r in range(table.rowCount()) if table.item(r, 1).text().startswith("LATE by")]
    assert late
    assert all(items[r].warn for r in late)
    assert f"{len(items)} safety-critical unsynced" in controller.status_text
    # The warning window is named from the ACCT policy that decided `warn`, not written out.
    urgent = sum(1 for i in items if i.warn)
    assert f"{urgent} LATE or due within 2 hours" in page.needed.banner.text()
    assert f"({urgent} LATE or due within 2 hours)" in controller.status_text
    first_name = table.item(0, 2).text()
    page.context.privacy.set_masked(True)
    assert table.item(0, 2).text() != first_name
    assert "•" in table.item(0, 2).text()
    # A nurse cannot enrol: a sentence says who can, and there is no form to fill in.
    assert "Only an administrator can enrol it" in page.enrol.state.text()
    assert page.enrol.form.isHidden()
    assert not page.sync_button.isEnabled()
    # Nothing set aside: the banner says so, and no table or actions on nothing are shown.
    assert "nothing waiting" in page.quarantine.banner.text()
    assert page.quarantine.table.isHidden()
    assert page.quarantine.actions_row.isHidden()


@pytest.mark.parametrize(
    ("typed", "mine", "hub", "stored"),
    [
        ("Stop smoking: gum", "Stop smoking: gum", "x", "Stop smoking: gum"),
        ("12", 3, 4, 12),
        ("yes", False, False, True),
        ("", "note", None, None),
        ("", "note", "other", ""),
        ('["GP"]', [], ["MH"], ["GP"]),
    ],
)
def test_a_merged_value_is_read_back_as_the_versions_type(typed, mine, hub, stored) -> None:
    row = FieldRow("f", "F", mine, hub, differs=True, editable=True, private=None)
    assert parse_value(typed, row) == stored


@pytest.mark.parametrize(("typed", "hub"), [("twelve", 4), ("maybe", True), ("{", [])])
def test_a_merged_value_of_the_wrong_type_is_refused_in_words(typed, hub) -> None:
    row = FieldRow("count", "Count", hub, hub, differs=False, editable=True, private=None)
    with pytest.raises(InvalidInput, match=r"^Count: "):
        parse_value(typed, row)


def _check_handover_says_not_everything(qtbot, page) -> None:
    page.quarantine.check_button.click()
    qtbot.waitUntil(lambda: "office" in page.quarantine.handover.text()
                    and "Asking" not in page.quarantine.handover.text())  # fmt: skip
    text = page.quarantine.handover.text()
    assert text.startswith("NOT everything on this laptop is at the office")
    assert "establishment-own-only" in text


def test_a_refused_change_is_listed_with_what_to_do_and_the_handover_check_says_so(
    qtbot, gui_hub: HubProcess, tmp_path: Path
) -> None:
    laptop = GuiLaptop(tmp_path, "q")
    laptop.add_establishment("GEQ")
    laptop.enrol(gui_hub, "GEQ")
    laptop.sync()
    laptop.add_establishment("GEZ")  # another prison's record: the hub refuses it
    with laptop.vault() as opened:
        page, _ = sync_page(qtbot, opened)
        page.sync_now()  # (or the sync the page starts on its own): it carries on regardless
        qtbot.waitUntil(lambda: page.quarantine.table.rowCount() == 1)
        assert "Set &aside by sync: 1." in page.quarantine.banner.text()
        table = page.quarantine.table
        texts = [table.item(0, c).text() for c in range(table.columnCount())]  # type: ignore[union-attr]
        assert texts[1] == "Not accepted by the office"
        assert "establishment-own-only" in texts[3]
        assert "tell the system administrator" in texts[4].lower()

        _check_handover_says_not_everything(qtbot, page)

        # Choose it: read it in full, then (an administrator, with a reason) dismiss it.
        panel = page.quarantine
        assert panel.actions_row.isVisible()
        assert not panel.show_button.isEnabled()  # none chosen
        table.selectRow(0)
        assert panel.resend_button.isEnabled()  # this laptop's change: it may be sent again
        assert not panel.retry_button.isEnabled()  # only for a record from the office
        panel.show_button.click()
        qtbot.waitUntil(lambda: panel.record.isVisible())
        assert '"code": "GEZ"' in panel.record.toPlainText()
        page.context.privacy.set_masked(True)  # what is on screen goes behind the privacy screen
        assert "GEZ" not in panel.record.toPlainText()
        panel.show_button.click()
        qtbot.waitUntil(lambda: "privacy screen" in panel.record.toPlainText())
        page.context.privacy.set_masked(False)
        assert not panel.dismiss_button.isEnabled()  # no reason yet
        qtbot.keyClicks(panel.reason, "Made by mistake; GEZ is not our prison")
        assert panel.dismiss_button.isEnabled()
        panel.dismiss_button.click()
        qtbot.waitUntil(lambda: "nothing waiting" in panel.banner.text())
        assert "Dismissed earlier: 1." in panel.banner.text()
        texts = [table.item(0, c).text() for c in range(table.columnCount())]  # type: ignore[union-attr]
        assert texts[1] == "Dismissed"
        assert texts[4].startswith("Dismissed by admin on ")
        assert texts[4].endswith(": Made by mistake; GEZ is not our prison")
        table.selectRow(0)
        assert not panel.resend_button.isEnabled()
        assert not panel.dismiss_button.isEnabled()
        assert panel.show_button.isEnabled()  # still readable
        panel.check_button.click()
        qtbot.waitUntil(lambda: "office" in panel.handover.text()
                        and "Asking" not in panel.handover.text())  # fmt: skip
        assert "establishment-own-only" not in panel.handover.text()


def test_an_unexpected_failure_in_sync_is_a_plain_message_never_a_traceback(
    qtbot, gui_hub: HubProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = GuiLaptop(tmp_path, "u")
    laptop.add_establishment("GEU")
    laptop.enrol(gui_hub, "GEU")
    with laptop.vault() as opened:
        page, controller = sync_page(qtbot, opened)
        qtbot.waitUntil(lambda: not controller.running)

        def broken(*args: object, **kwargs: object) -> None:
            raise KeyError("family_name")  # what a malformed record once caused

        monkeypatch.setattr("hjdesk.sync.client.sync", broken)
        with qtbot.waitSignal(controller.finished) as finished:
            page.sync_now()
        error = finished.args[0].error
        assert error.startswith("Sync stopped on an unexpected problem (KeyError)")
        assert "Traceback" not in error
        assert "family_name" not in error
