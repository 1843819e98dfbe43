"""The two hand-written tree models check their own bounds (hjdesk.ui.caseload_model,
hjdesk.ui.today_model): every index the view may ask for outside the tree is invalid, and
only headings with rows have children."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex

from hjdesk.services import patients
from hjdesk.services.worklists import today_worklists
from hjdesk.ui.caseload_model import COLUMNS as ROLL_COLUMNS
from hjdesk.ui.caseload_model import CaseloadModel
from hjdesk.ui.today_model import COLUMNS as TODAY_COLUMNS
from hjdesk.ui.today_model import TodayModel


def _check_bounds(model, columns: int) -> None:
    root = QModelIndex()
    headings = model.rowCount()
    assert headings > 0
    assert model.hasChildren(root)
    for bad in ((-1, 0), (headings, 0), (0, -1), (0, columns)):
        assert not model.index(*bad).isValid()
    for row in range(headings):
        heading = model.index(row, 0)
        children = model.rowCount(heading)
        assert model.hasChildren(heading) == (children > 0)
        # Only a heading's first column holds rows.
        assert not model.hasChildren(model.index(row, 1))
        assert not model.index(0, 0, model.index(row, 1)).isValid()
        assert not model.index(children, 0, heading).isValid()
        assert not model.index(-1, 0, heading).isValid()
        assert not model.index(0, columns, heading).isValid()
        if children:
            last = model.index(children - 1, columns - 1, heading)
            assert last.isValid()
            assert model.parent(last) == heading
            assert not model.hasChildren(last)
            assert model.rowCount(last) == 0
            assert not model.index(0, 0, last).isValid()


def test_the_roll_model_keeps_to_its_bounds(qtbot, demo):
    model = CaseloadModel()
    model.load(patients.caseload(demo))
    _check_bounds(model, len(ROLL_COLUMNS))
    model.load([])
    assert model.rowCount() == 0
    assert not model.hasChildren(QModelIndex())


def test_the_today_model_keeps_to_its_bounds(qtbot, demo):
    model = TodayModel()
    model.load(today_worklists(demo))
    _check_bounds(model, len(TODAY_COLUMNS))
    empty = [r for r in range(model.rowCount()) if model.rowCount(model.index(r, 0)) == 0]
    for row in empty:  # an empty list shows no arrow to open it
        assert not model.hasChildren(model.index(row, 0))
    model.load(None)
    assert not model.hasChildren(QModelIndex())
