"""The answers a grouped model keeps for the rows it has drawn (hjdesk.ui.widgets.grouped_model:
`multiData`, `row_cells`): the view asks for a cell's roles in one call, and a row's answers are
worked out once and kept until the model changes. Kept answers must never outlive what they
show: a mask, a reload, a page shown, a theme. Each check compares with a model that has drawn
nothing, so nothing it answers was kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QModelRoleData, Qt
from PySide6.QtWidgets import QApplication, QStyledItemDelegate, QStyleOptionViewItem

from hjdesk.services import patients
from hjdesk.services.worklists import today_worklists
from hjdesk.ui import caseload_model, theme, today_model
from hjdesk.ui.caseload_model import CaseloadModel
from hjdesk.ui.privacy import PrivacyState
from hjdesk.ui.today_model import TodayModel
from hjdesk.ui.widgets import grouped_model
from hjdesk.ui.widgets.grouped_model import DRAWN_ROLES, GroupedModel

PAGE = 7
EVERY_ROLE = range(Qt.ItemDataRole.UserRole + 10)
NOW = datetime.now(UTC)


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    # Short pages, so the demo's lists have "show more" rows.
    monkeypatch.setattr(today_model, "PAGE_SIZE", PAGE)
    monkeypatch.setattr(caseload_model, "PAGE_SIZE", PAGE)


@pytest.fixture
def plain_theme(qapp: QApplication) -> Iterator[None]:
    """The default theme applied, then the application's look as it was."""
    palette, sheet = qapp.palette(), qapp.styleSheet()
    theme.apply_theme(high_contrast=False)
    yield
    theme.apply_theme(high_contrast=False)
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)


def _today(
    demo: Any,
    privacy: PrivacyState | None = None,
    now: datetime = NOW,
    lists_at: datetime | None = None,
    pages: tuple[int, int] = (0, 0),
) -> TodayModel:
    """A Today model that has drawn nothing; `pages`: (list, n) shows n more pages of a list."""
    model = TodayModel(privacy or PrivacyState())
    model.load(today_worklists(demo, now=lists_at or now), now=now)
    group, more = pages
    for _ in range(more):
        model.show_more(model.index(model.shown(group), 0, model.index(group, 0)))
    return model


def _roll(demo: Any, privacy: PrivacyState | None = None) -> CaseloadModel:
    model = CaseloadModel(privacy or PrivacyState())
    model.load(patients.caseload(demo))
    return model


def _cells(model: GroupedModel) -> list[QModelIndex]:
    """Every heading's cells and every cell beneath, "show more" rows included."""
    cells = []
    for row in range(model.rowCount()):
        heading = model.index(row, 0)
        cells += [model.index(row, c) for c in range(model.columnCount())]
        for child in range(model.rowCount(heading)):
            cells += [model.index(child, c, heading) for c in range(model.columnCount())]
    return cells


def _draw(model: GroupedModel) -> list[tuple[Any, ...]]:
    """What the view's delegate reads of every cell (it asks `multiData` for seven roles)."""
    delegate = QStyledItemDelegate()
    drawn = []
    for cell in _cells(model):
        option = QStyleOptionViewItem()
        delegate.initStyleOption(option, cell)
        drawn.append(
            (
                option.text,
                option.font.bold(),
                option.font.italic(),
                option.palette.text().color().name(),
                option.backgroundBrush.style(),
                option.backgroundBrush.color().name(),
            )
        )
    return drawn


def _by_role(model: GroupedModel) -> list[list[Any]]:
    """Every role of every cell asked one at a time through Qt's `multiData`."""
    answers = []
    for cell in _cells(model):
        row = []
        for role in EVERY_ROLE:
            asked = QModelRoleData(role)
            cell.multiData(asked)
            row.append(asked.data())
        answers.append(row)
    return answers


def _data(model: GroupedModel) -> list[list[Any]]:
    return [[model.data(cell, role) for role in EVERY_ROLE] for cell in _cells(model)]


def _asked_one_by_one(model: GroupedModel) -> list[list[Any]]:
    """Every role of every cell from `heading_data`, `row_data` and the "show more" rows, role
    by role, nothing kept: the path before rows were worked out at once."""
    return [
        [model._ask(cell, role) if role in model.roles else None for role in EVERY_ROLE]
        for cell in _cells(model)
    ]


@pytest.mark.parametrize("kind", ["today", "roll"])
def test_every_cell_and_role_answers_as_asked_one_by_one(qtbot, demo, kind):
    make = _today if kind == "today" else _roll
    model = make(demo)
    assert any(model.is_more(cell) for cell in _cells(model))
    first = _draw(model)  # fills what is kept
    assert model._drawn
    assert _by_role(model) == _data(model) == _asked_one_by_one(model)
    assert _draw(model) == first == _draw(make(demo))
    # Asked in another order (data() first, roles beyond the delegate's), the same again.
    other = make(demo)
    assert _data(other) == _asked_one_by_one(other) == _data(model)
    assert _draw(other) == first


@pytest.mark.parametrize("kind", ["today", "roll"])
def test_masking_after_drawing_masks_every_role(qtbot, demo, kind):
    make = _today if kind == "today" else _roll
    privacy = PrivacyState()
    model = make(demo, privacy)
    open_answers = _data(model)
    _draw(model)
    privacy.set_masked(True)
    masked_from_the_start = PrivacyState()
    masked_from_the_start.set_masked(True)
    assert _draw(model) == _draw(make(demo, masked_from_the_start))
    assert _by_role(model) == _data(model) == _data(make(demo, masked_from_the_start))
    assert _data(model) != open_answers
    # No name or number shown unmasked survives in any role of any cell.
    names = {row.display_name for row in patients.caseload(demo)}
    texts = {a for row in _by_role(model) for a in row if isinstance(a, str)}
    assert not names & texts
    privacy.set_masked(False)
    assert _data(model) == open_answers


def test_a_reload_drops_the_kept_answers(qtbot, demo):
    model = _today(demo)
    _draw(model)
    later = NOW + timedelta(days=3)  # times today become late, dates overdue
    model.load(today_worklists(demo, now=NOW), now=later)
    assert _draw(model) == _draw(_today(demo, now=later, lists_at=NOW))
    assert _by_role(model) == _data(_today(demo, now=later, lists_at=NOW))
    assert _by_role(model) != _by_role(_today(demo))  # what was drawn before the reload
    model.load(None)
    assert not model._drawn
    assert _cells(model) == []


def test_showing_more_drops_the_kept_answers(qtbot, demo):
    # Each page down to the last, where the "show more" row goes and the rest take its place.
    model = _today(demo)
    group = next(g for g in range(model.rowCount()) if model.has_more(g))
    pages = 0
    while model.has_more(group):
        _draw(model)
        model.show_more(model.index(model.shown(group), 0, model.index(group, 0)))
        pages += 1
        assert _draw(model) == _draw(_today(demo, pages=(group, pages)))
        assert _by_role(model) == _data(_today(demo, pages=(group, pages)))
    assert pages >= 2


def test_a_theme_change_redraws_in_the_new_colours(qtbot, demo, plain_theme):
    model = _today(demo)
    plain = _draw(model)
    theme.apply_theme(high_contrast=True)
    contrast = _draw(model)
    assert contrast != plain
    assert contrast == _draw(_today(demo))
    theme.apply_theme(high_contrast=False)
    assert _draw(model) == plain


def test_what_is_kept_is_bounded(qtbot, demo, monkeypatch):
    reference = _draw(_today(demo))
    monkeypatch.setattr(grouped_model, "KEPT_ROWS", 5)
    model = _today(demo)
    assert _draw(model) == reference
    assert 0 < len(model._drawn) <= 5


def test_the_delegate_asks_only_for_the_roles_drawn(qtbot, demo):
    # DRAWN_ROLES is what a row's answers are worked out for; a delegate asking for others
    # would still be answered (by data()), only more slowly.
    asked: list[list[int]] = []

    class Spy(TodayModel):
        def multiData(self, index, roleDataSpan):
            asked.append([each.role() for each in roleDataSpan])
            super().multiData(index, roleDataSpan)

    model = Spy()
    model.load(today_worklists(demo, now=NOW), now=NOW)
    _draw(model)
    assert asked
    assert all(sorted(roles) == sorted(DRAWN_ROLES) for roles in asked)
