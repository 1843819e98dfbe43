"""Long lists in pages (hjdesk.ui.widgets.grouped_model): a Today worklist or a wing longer than
a page shows one page and a "show more" row counting the rest; every row stays reachable, in the
service's order, from the keyboard; the Patients page keeps a huge roll's wings closed until one
is opened or the filter narrows it. The page sizes are made small here so the 1,200-patient demo
has long lists; the rows are the services' own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QHeaderView

from hjdesk.services import patients
from hjdesk.services.worklists import today_worklists
from hjdesk.ui import caseload_model, today_model
from hjdesk.ui.pages import patients as patients_page
from hjdesk.ui.pages.today import TodayPage
from hjdesk.ui.today_model import TodayModel
from hjdesk.ui.widgets.grouped_model import MoreRow
from tests.gui.test_today_and_search import _unlocked

PAGE = 7


def _children(model, heading) -> list[object]:
    return [model.row_at(model.index(r, 0, heading)) for r in range(model.rowCount(heading))]


def _longest(model) -> int:
    return max(range(model.rowCount()), key=lambda r: len(model._lists[r][1]))


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(today_model, "PAGE_SIZE", PAGE)
    monkeypatch.setattr(caseload_model, "PAGE_SIZE", PAGE)


def test_a_long_list_shows_a_page_then_the_rest_a_page_at_a_time(qtbot, demo, small_pages):
    now = datetime.now(UTC)
    lists = today_worklists(demo, now=now)
    model = TodayModel()
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.load(lists, now=now)
    assert model.total() == sum(len(items) for _, items in lists.named())
    for row, (name, items) in enumerate(lists.named()):
        heading = model.index(row, 0)
        # The heading counts the whole list, however much of it is shown.
        assert heading.data() == f"{name} ({len(items):,})"
        shown = _children(model, heading)
        if len(items) <= PAGE:
            assert shown == list(items)
            continue
        assert shown[:PAGE] == list(items[:PAGE])
        more = shown[PAGE]
        assert isinstance(more, MoreRow)
        assert model.index(PAGE, 0, heading).data() == (
            f"Show {min(PAGE, len(items) - PAGE):,} more ({len(items) - PAGE:,} not shown yet)"
        )
        assert model.index(PAGE, 1, heading).data() is None
        assert model.item_at(model.index(PAGE, 0, heading)) is None

    row = _longest(model)
    heading, items = model.index(row, 0), lists.named()[row][1]
    assert len(items) > 2 * PAGE, "the demo needs a list of three pages or more"
    first_new = model.show_more(model.index(PAGE, 0, heading))
    assert (first_new.row(), first_new.parent()) == (PAGE, heading)
    assert _children(model, heading)[: 2 * PAGE] == list(items[: 2 * PAGE])
    while model.is_more(model.index(model.rowCount(heading) - 1, 0, heading)):
        model.show_more(model.index(model.rowCount(heading) - 1, 0, heading))
    # Every item reached, in the service's order, and no "show more" row left.
    assert _children(model, heading) == list(items)
    assert model.shown(row) == len(items)
    # Anything but a "show more" row changes nothing.
    assert not model.show_more(model.index(0, 0, heading)).isValid()
    assert not model.show_more(heading).isValid()
    assert model.rowCount(heading) == len(items)


def test_a_refresh_keeps_the_pages_a_nurse_opened(qtbot, demo, small_pages):
    now = datetime.now(UTC)
    lists = today_worklists(demo, now=now)
    model = TodayModel()
    model.load(lists, now=now)
    row = _longest(model)
    heading = model.index(row, 0)
    model.show_more(model.index(PAGE, 0, heading))
    model.load(today_worklists(demo, now=now), now=now)
    assert model.shown(row) == 2 * PAGE
    assert model.shown((row + 1) % model.rowCount()) <= PAGE
    model.load(None)  # the lock forgets them
    model.load(lists, now=now)
    assert model.shown(row) == PAGE


def test_masking_redraws_only_the_rows_shown(qtbot, demo, small_pages):
    # dataChanged past the last row shown would be a range the view does not have.
    now = datetime.now(UTC)
    model = TodayModel()
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.load(today_worklists(demo, now=now), now=now)
    changed: list[tuple[QModelIndex, QModelIndex]] = []
    model.dataChanged.connect(lambda first, last, _roles: changed.append((first, last)))
    model.privacy.set_masked(True)
    assert changed
    for first, last in changed:
        assert first.parent() == last.parent()
        assert last.row() == model.rowCount(last.parent()) - 1


def test_enter_on_show_more_in_today_shows_the_next_page(qtbot, demo_home, small_pages):
    shell = _unlocked(qtbot, demo_home)
    page = shell.workspace.current_page
    assert isinstance(page, TodayPage)
    model, tree = page.model, page.tree
    row = _longest(model)
    heading = model.index(row, 0)
    total = len(model._lists[row][1])
    # Double-click opens the list once (the tree's own toggle is off: activation does it).
    tree.setExpanded(heading, False)
    where = tree.visualRect(heading).center()
    activated = []
    tree.activated.connect(activated.append)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=where)  # as a hand does
    qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert activated == [heading]
    assert tree.isExpanded(heading)
    more = model.index(PAGE, 0, heading)
    # Headings and the "show more" row span the row: their text is not a patient's name.
    assert tree.isFirstColumnSpanned(row, QModelIndex())
    assert tree.isFirstColumnSpanned(PAGE, heading)
    assert not tree.isFirstColumnSpanned(PAGE - 1, heading)
    tree.setCurrentIndex(more)
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert model.shown(row) == min(total, 2 * PAGE)
    # The span moved down with the "show more" row (or went with it).
    assert not tree.isFirstColumnSpanned(PAGE, heading)
    assert tree.isFirstColumnSpanned(2 * PAGE, heading) == model.has_more(row)
    # The cursor lands on the first item the page added, which opens like any other.
    assert tree.currentIndex().row() == PAGE
    assert tree.currentIndex().parent() == heading
    assert page.item_at(tree.currentIndex()) == model._lists[row][1][PAGE]


def test_a_huge_roll_keeps_its_wings_closed_until_asked(qtbot, demo_home, small_pages, monkeypatch):
    monkeypatch.setattr(patients_page, "OPEN_ALL_UP_TO", 100)
    shell = _unlocked(qtbot, demo_home)
    shell.workspace.show_page("Patients")
    caseload = shell.workspace.page("Patients").caseload
    model, tree = caseload.model, caseload.tree
    assert caseload.count.text() == "1,200 on the roll: open a wing, or type to narrow"
    assert model.rowCount() > 1
    assert not any(tree.isExpanded(model.index(w, 0)) for w in range(model.rowCount()))

    # Enter on a wing opens it; it shows a page, then the rest a page at a time.
    wing = model.index(0, 0)
    tree.setCurrentIndex(wing)
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert tree.isExpanded(wing)
    people = len(model._wings[0].rows)
    assert people > PAGE
    assert model.rowCount(wing) == PAGE + 1
    tree.setCurrentIndex(model.index(PAGE, 0, wing))
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert model.shown(0) == min(people, 2 * PAGE)
    qtbot.keyClick(tree, Qt.Key.Key_Return)  # the cursor is on a person now: their record opens
    assert shell.workspace.current_page.title == "Patient record"
    shell.workspace.show_page("Patients")
    tree.setCurrentIndex(wing)
    qtbot.keyClick(tree, Qt.Key.Key_Return)  # and Enter closes the wing again
    assert not tree.isExpanded(wing)

    # A filter that narrows the roll to no more than the limit opens every wing.
    someone = patients.caseload(shell.opened)[0]
    caseload.search.setText(someone.prison_number)
    caseload.filter_now()
    assert caseload.count.text() == "1 of 1,200 on the roll"
    assert all(tree.isExpanded(model.index(w, 0)) for w in range(model.rowCount()))
    caseload.search.setText("a")
    caseload.filter_now()
    assert caseload.count.text().endswith("on the roll: open a wing, or type to narrow")


@pytest.mark.parametrize("kind", ["today", "roll"])
def test_the_roles_refused_early_are_only_those_never_answered(qtbot, demo, small_pages, kind):
    # data() refuses a role outside `roles` before any lookup: the same answers as without it.
    if kind == "today":
        model = TodayModel()
        model.load(today_worklists(demo))
    else:
        model = caseload_model.CaseloadModel()
        model.load(patients.caseload(demo))
    cells = []
    for row in range(model.rowCount()):
        heading = model.index(row, 0)
        cells.append(heading)
        for child in range(min(model.rowCount(heading), PAGE + 1)):
            cells += [model.index(child, c, heading) for c in range(model.columnCount())]
    assert any(model.is_more(cell) for cell in cells)
    every_role = range(Qt.ItemDataRole.UserRole + 10)
    fast = [[model.data(cell, role) for role in every_role] for cell in cells]
    model.roles = frozenset(every_role)
    slow = [[model.data(cell, role) for role in every_role] for cell in cells]
    assert fast == slow


def test_today_columns_fit_the_longest_texts_and_can_be_dragged(qtbot, demo_home):
    shell = _unlocked(qtbot, demo_home)
    page = shell.workspace.current_page
    assert isinstance(page, TodayPage)
    items = [item for _, rows in page._lists.named() for item in rows]
    metrics, header = page.tree.fontMetrics(), page.tree.header()
    for column, field in ((0, "patient_name"), (1, "prison_number"), (2, "location")):
        longest = max((getattr(item, field) for item in items), key=len)
        assert header.sectionSize(column) > metrics.horizontalAdvance(longest)
    assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.Interactive
    assert header.sectionResizeMode(3) == QHeaderView.ResizeMode.Stretch
