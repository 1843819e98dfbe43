"""Today's worklists and the global search, driven through the real workspace (offscreen)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from hjdesk.services import patients
from hjdesk.services.worklists.today import LONG_OVERDUE_SECOND_STAGE, today_worklists
from hjdesk.storage.vault import Vault
from hjdesk.ui.app import Shell
from hjdesk.ui.global_search import PATIENT_ID_ROLE
from hjdesk.ui.pages.today import ITEM_ROLE, TodayPage
from hjdesk.ui.tasks import InlineRunner
from tests.conftest import PASSWORD


def _unlocked(qtbot, home, user="nurse"):
    shell = Shell(Vault(home), InlineRunner(), user)
    qtbot.addWidget(shell)
    shell.show()
    shell.unlock_screen.password.setText(PASSWORD)
    qtbot.keyClick(shell.unlock_screen.password, Qt.Key.Key_Return)
    assert shell.opened is not None
    return shell


def _headings(page: TodayPage) -> dict[str, int]:
    model = page.model
    out = {}
    for row in range(model.rowCount()):
        heading = model.index(row, 0)
        name, count = heading.data().rsplit(" (", 1)
        out[name] = int(count.rstrip(")").replace(",", ""))
        assert model.rowCount(heading) == out[name]
    return out


def test_today_is_the_first_page_and_lists_every_worklist(qtbot, demo_home):
    shell = _unlocked(qtbot, demo_home)
    page = shell.workspace.current_page
    assert isinstance(page, TodayPage)
    expected = today_worklists(shell.opened)
    assert _headings(page) == {name: len(items) for name, items in expected.named()}
    # The demo makes every worklist non-empty; short lists open expanded, long ones collapsed.
    assert all(len(items) > 0 for name, items in expected.named() if name != "Open tasks")
    for row, (name, items) in enumerate(expected.named()):
        expanded = page.tree.isExpanded(page.model.index(row, 0))
        assert expanded == (0 < len(items) <= 12 and name != LONG_OVERDUE_SECOND_STAGE)
    assert shell.workspace.heading.text() == "HMP Demoford (synthetic)"


def test_today_items_open_the_right_place(qtbot, demo_home):
    shell = _unlocked(qtbot, demo_home)
    page = shell.workspace.current_page
    assert isinstance(page, TodayPage)
    opened: list[tuple[str, object]] = []
    shell.workspace.context.navigator.page_requested.connect(lambda t, x: opened.append((t, x)))
    patients_opened: list[str] = []
    shell.workspace.context.navigator.patient_requested.connect(patients_opened.append)

    acct_heading = page.model.index(0, 0)
    first_acct = page.model.index(0, 0, acct_heading)
    item = first_acct.data(ITEM_ROLE)
    page.tree.setCurrentIndex(first_acct)
    page.tree.activated.emit(first_acct)
    assert opened[-1] == ("ACCT", item.target_id)

    plans_heading = page.model.index(1, 0)
    plan_index = page.model.index(0, 0, plans_heading)
    page.tree.activated.emit(plan_index)
    assert opened[-1] == ("Care plans", plan_index.data(ITEM_ROLE).target_id)

    second_stage = page.model.index(3, 0)
    person = page.model.index(0, 0, second_stage)
    page.tree.activated.emit(person)
    assert patients_opened == [person.data(ITEM_ROLE).patient_id]


def test_second_stage_gaps_older_than_the_look_back_have_their_own_group(qtbot, demo_home):
    """Receptions over 8 weeks ago never assessed used to vanish from Today: they are listed in a
    long-overdue group (collapsed at first, with its count), each line opening the record."""
    shell = _unlocked(qtbot, demo_home)
    page = shell.workspace.current_page
    assert isinstance(page, TodayPage)
    expected = today_worklists(shell.opened).second_stage_long_overdue
    assert expected
    row = next(
        r
        for r in range(page.model.rowCount())
        if page.model.index(r, 0).data().startswith(LONG_OVERDUE_SECOND_STAGE)
    )
    heading = page.model.index(row, 0)
    assert heading.data() == f"{LONG_OVERDUE_SECOND_STAGE} ({len(expected):,})"
    assert not page.tree.isExpanded(heading)
    page.tree.activated.emit(heading)  # Enter on the heading opens the group
    assert page.tree.isExpanded(heading)
    first = page.model.index(0, 0, heading)
    item = first.data(ITEM_ROLE)
    assert item == expected[0]
    assert item.what.startswith("Second-stage assessment never done (received ")
    assert page.model.index(0, 5, heading).data() == "High"
    assert "(overdue)" in page.model.index(0, 4, heading).data()
    opened: list[str] = []
    shell.workspace.context.navigator.patient_requested.connect(opened.append)
    page.tree.activated.emit(first)
    assert opened == [item.patient_id]
    # The wing filter applies to the group as to every list.
    wing = item.wing
    page.wing.setCurrentIndex(page.wing.findText(wing))
    page.wing.activated.emit(page.wing.currentIndex())
    heading = page.model.index(row, 0)
    count = page.model.rowCount(heading)
    children = [page.model.index(r, 0, heading).data(ITEM_ROLE) for r in range(count)]
    assert children
    assert all(c.wing == wing for c in children)


def test_today_filters_by_wing_and_masks_names(qtbot, demo_home):
    shell = _unlocked(qtbot, demo_home)
    page = shell.workspace.current_page
    assert isinstance(page, TodayPage)
    wings = [page.wing.itemText(i) for i in range(page.wing.count())]
    assert wings[0] == "All wings"
    assert "A" in wings
    page.wing.setCurrentIndex(wings.index("A"))
    page.wing.activated.emit(page.wing.currentIndex())
    for row in range(page.model.rowCount()):
        heading = page.model.index(row, 0)
        for child in range(page.model.rowCount(heading)):
            assert page.model.index(child, 0, heading).data(ITEM_ROLE).wing == "A"

    heading = page.model.index(0, 0)
    first = page.model.index(0, 0, heading)
    name = first.data(ITEM_ROLE).patient_name
    assert first.data() == name
    shell.workspace.privacy_switch.setChecked(True)
    first = page.model.index(0, 0, page.model.index(0, 0))
    assert first.data() != name
    assert "•" in first.data()


def test_refresh_and_masking_keep_the_lists_the_nurse_opened(qtbot, demo_home):
    """A refresh reloads the lists but keeps each one open or closed as the nurse left it;
    masking names redraws the text without touching either."""
    shell = _unlocked(qtbot, demo_home)
    page = shell.workspace.current_page
    assert isinstance(page, TodayPage)

    def state() -> dict[str, bool]:
        return {
            page.model.heading_name(r): page.tree.isExpanded(page.model.index(r, 0))
            for r in range(page.model.rowCount())
        }

    first = state()
    long_list = next(name for name, opened in first.items() if not opened)
    short_list = next(name for name, opened in first.items() if opened)
    rows = {name: r for r, name in enumerate(first)}
    page.tree.setExpanded(page.model.index(rows[long_list], 0), True)
    page.tree.setExpanded(page.model.index(rows[short_list], 0), False)
    chosen = state()
    qtbot.mouseClick(page.reload, Qt.MouseButton.LeftButton)
    assert state() == chosen
    shell.workspace.privacy_switch.setChecked(True)
    assert state() == chosen
    heading = page.model.index(rows[long_list], 0)
    assert "•" in page.model.index(0, 0, heading).data()


def test_today_forgets_everything_on_lock(qtbot, demo_home):
    shell = _unlocked(qtbot, demo_home)
    page = shell.workspace.current_page
    assert page.model.rowCount() > 0
    shell.lock()
    assert page.model.rowCount() == 0


def test_global_search_finds_by_name_number_and_opens_the_record(qtbot, demo_home):
    shell = _unlocked(qtbot, demo_home)
    someone = patients.caseload(shell.opened)[10]
    search = shell.workspace.search
    requested: list[str] = []
    shell.workspace.context.navigator.patient_requested.connect(requested.append)

    for text in (someone.prison_number, someone.family_name[:4], someone.nhs_number):
        search.clear_results()
        search.setFocus()
        qtbot.keyClicks(search, text)
        qtbot.waitUntil(lambda: search.results.rowCount() > 0, timeout=2000)
        results = search.results
        ids = [results.item(r).data(PATIENT_ID_ROLE) for r in range(results.rowCount())]
        assert someone.id in ids, text

    search.clear_results()
    qtbot.keyClicks(search, someone.prison_number)
    qtbot.waitUntil(lambda: search.results.rowCount() == 1, timeout=2000)
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert requested[-1] == someone.id
    assert search.text() == ""


def test_global_search_says_when_nothing_matches_and_masks(qtbot, demo_home):
    shell = _unlocked(qtbot, demo_home)
    search = shell.workspace.search
    qtbot.keyClicks(search, "Zzzzqx")
    qtbot.waitUntil(lambda: search.results.rowCount() == 1, timeout=2000)
    assert search.results.item(0).text() == "No patient found"
    assert not search.results.item(0).isEnabled()

    someone = patients.caseload(shell.opened)[3]
    search.clear_results()
    shell.workspace.privacy_switch.setChecked(True)
    qtbot.keyClicks(search, someone.prison_number)
    qtbot.waitUntil(lambda: search.results.rowCount() == 1, timeout=2000)
    shown = search.results.item(0).text()
    assert someone.family_name.upper() not in shown
    assert someone.prison_number not in shown


def test_closing_a_task_from_today(qtbot, demo_home, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    shell = _unlocked(qtbot, demo_home)
    page = shell.workspace.current_page
    assert isinstance(page, TodayPage)
    tasks_heading = page.model.index(6, 0)
    before = page.model.rowCount(tasks_heading)
    first = page.model.index(0, 0, tasks_heading)
    task_item = first.data(ITEM_ROLE)
    page.tree.setCurrentIndex(page.model.index(0, 0, page.model.index(0, 0)))
    assert not page.close_task.isEnabled()  # an ACCT event is not a task
    page.tree.setCurrentIndex(first)
    assert page.close_task.isEnabled()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Assessment done", True))
    qtbot.mouseClick(page.close_task, Qt.MouseButton.LeftButton)
    tasks_heading = page.model.index(6, 0)
    assert page.model.rowCount(tasks_heading) == before - 1
    remaining = {
        page.model.index(r, 0, tasks_heading).data(ITEM_ROLE).source_id
        for r in range(page.model.rowCount(tasks_heading))
    }
    assert task_item.source_id not in remaining


def test_a_task_with_a_status_this_version_does_not_know_shows_on_today(qtbot, demo_home):
    """A newer laptop's status, arrived by a pull, is shown with the task, not dropped (H-40)."""
    from tests.services.test_today_task_status import _open_task_on_the_roll, _pull_status

    shell = _unlocked(qtbot, demo_home)
    page = shell.workspace.current_page
    assert isinstance(page, TodayPage)
    task = _open_task_on_the_roll(shell.opened)
    _pull_status(shell.opened, task, "SNOOZED")
    page.refresh()
    tasks_heading = page.model.index(6, 0)
    assert tasks_heading.data().startswith("Open tasks")
    shown = {
        page.model.index(r, 0, tasks_heading).data(ITEM_ROLE).source_id: r
        for r in range(page.model.rowCount(tasks_heading))
    }
    row = shown[task["id"]]
    columns = range(page.model.columnCount())
    texts = [str(page.model.index(row, c, tasks_heading).data()) for c in columns]
    assert any("status 'SNOOZED' not known to this version: check the record" in t for t in texts)
    page.tree.setCurrentIndex(page.model.index(row, 0, tasks_heading))
    assert page.close_task.isEnabled()
