"""The trend chart: its data model from the service series, and that it paints (offscreen)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtGui import QColor, QImage
from sqlalchemy import func, select

from hjdesk.services.encounters.views import ObservationSeries, SeriesPoint, observations_series
from hjdesk.storage.models import Measurement
from hjdesk.ui.record.trend_chart import (
    NEWS2_THRESHOLDS,
    STYLES,
    ChartModel,
    TrendChart,
    chart_model,
    nice_ticks,
)
from hjdesk.ui.theme import apply_theme

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _points(*values: float, step_days: int = 7) -> tuple[SeriesPoint, ...]:
    return tuple(
        SeriesPoint(T0 + timedelta(days=step_days * i), v, f"e{i}") for i, v in enumerate(values)
    )


def _series(*, hba1c: tuple[SeriesPoint, ...] = ()) -> ObservationSeries:
    return ObservationSeries(
        news2_total=_points(1, 3, 6),
        systolic_bp=_points(128, 142, 95),
        diastolic_bp=_points(82, 90, 60),
        pulse=_points(72, 96, 118),
        hba1c=hba1c,
    )


def test_panels_hold_the_series_points():
    model = chart_model(_series())
    assert [p.title for p in model.panels] == [
        "NEWS2 total",
        "Blood pressure (mmHg) and pulse (beats/min)",
    ]
    news2, pressure = model.panels
    assert [v for _, v in news2.series[0].points] == [1, 3, 6]
    assert [s.name for s in pressure.series] == ["Systolic BP", "Diastolic BP", "Pulse"]
    assert [v for _, v in pressure.series[2].points] == [72, 96, 118]
    assert [at for at, _ in pressure.series[0].points] == [p.at for p in _points(0, 0, 0)]


def test_hba1c_panel_only_where_present():
    assert all("HbA1c" not in p.title for p in chart_model(_series()).panels)
    model = chart_model(_series(hba1c=_points(58, 52, step_days=90)))
    assert model.panels[-1].title == "HbA1c (mmol/mol)"
    assert [v for _, v in model.panels[-1].series[0].points] == [58, 52]
    # The shared time axis covers the HbA1c readings too (months after the other series).
    assert model.end is not None
    assert model.end > T0 + timedelta(days=90)


def test_scales_cover_every_value_and_news2_shows_its_thresholds():
    model = chart_model(_series())
    for panel in model.panels:
        values = [v for s in panel.series for _, v in s.points]
        assert panel.low <= min(values)
        assert panel.high >= max(values)
        assert panel.ticks[0] == panel.low
        assert panel.ticks[-1] == panel.high
    news2 = model.panels[0]
    assert news2.low == 0
    assert news2.high >= 8  # the 7 (emergency) line is always on the chart
    assert news2.thresholds == NEWS2_THRESHOLDS
    assert model.start is not None
    assert model.end is not None
    assert model.start < T0 < T0 + timedelta(days=14) < model.end


def test_a_single_reading_still_has_a_time_axis():
    one = ObservationSeries(_points(2), _points(120), _points(80), _points(70), ())
    model = chart_model(one)
    assert model.start is not None
    assert model.end is not None
    assert model.end - model.start >= timedelta(hours=24)


def test_nothing_recorded_gives_an_empty_model():
    model = chart_model(ObservationSeries((), (), (), (), ()))
    assert model.empty
    assert model.describe() == "No observations recorded."


@pytest.mark.parametrize(("low", "high"), [(0, 8), (58, 152), (41.5, 63.2), (100, 100), (0.2, 0.9)])
def test_nice_ticks_are_round_and_cover_the_range(low, high):
    first, last, ticks = nice_ticks(low, high)
    assert first <= low
    assert last >= high
    assert 2 <= len(ticks) <= 11
    steps = {round(b - a, 6) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1


def test_text_alternative_names_each_series_and_its_latest_value():
    text = chart_model(_series()).describe()
    assert "NEWS2: 3 readings, latest 6 on 16 Mar 2026" in text
    assert "Pulse: 3 readings, latest 118 beats/min" in text


def _colour_count(image: QImage, colour: str) -> int:
    wanted = QColor(colour).rgb()
    return sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if image.pixel(x, y) == wanted
    )


def test_paint_draws_every_series(qtbot):
    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.set_model(chart_model(_series(hba1c=_points(58, 52))))
    chart.resize(800, 600)
    image = chart.grab().toImage()
    assert not image.isNull()
    for name in ("NEWS2", "Pulse", "HbA1c", "Systolic BP"):
        assert _colour_count(image, STYLES[name].colour) > 10, name
    assert chart.accessibleDescription().startswith("NEWS2: 3 readings")


def test_paint_in_high_contrast_uses_its_colours(qtbot):
    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.set_model(chart_model(_series()))
    chart.resize(640, 420)
    apply_theme(high_contrast=True)
    try:
        image = chart.grab().toImage()
    finally:
        apply_theme(high_contrast=False)
    assert QColor(image.pixel(2, image.height() // 2)) == QColor("black")
    assert _colour_count(image, STYLES["NEWS2"].high_contrast_colour) > 10
    assert _colour_count(image, STYLES["NEWS2"].colour) == 0


def test_empty_chart_paints_without_error(qtbot):
    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.set_model(ChartModel((), None, None))
    chart.resize(300, 200)
    assert not chart.grab().toImage().isNull()
    assert chart.accessibleDescription() == "No observations recorded."


def test_demo_patient_chart_has_the_service_points(qtbot, demo):
    with demo.session() as session:
        patient_id = session.scalar(
            select(Measurement.patient_id)
            .where(Measurement.code == "HBA1C")
            .group_by(Measurement.patient_id)
            .order_by(func.count().desc(), Measurement.patient_id)
            .limit(1)
        )
    series = observations_series(demo, patient_id)
    model = chart_model(series)
    by_name = {s.name: s for p in model.panels for s in p.series}
    assert [v for _, v in by_name["HbA1c"].points] == [p.value for p in series.hba1c]
    assert [at for at, _ in by_name["HbA1c"].points] == [p.at for p in series.hba1c]
    if series.news2_total:
        assert [v for _, v in by_name["NEWS2"].points] == [p.value for p in series.news2_total]
    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.set_model(model)
    chart.resize(900, 700)
    image = chart.grab().toImage()
    assert _colour_count(image, STYLES["HbA1c"].colour) > 10


def test_a_screen_reader_meets_a_chart_with_its_name_and_what_it_shows(qtbot):
    from PySide6.QtGui import QAccessible

    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.set_model(chart_model(_series()))
    found = QAccessible.queryAccessibleInterface(chart)
    assert found is not None
    assert found.role() == QAccessible.Role.Chart  # not the "filler" of a plain widget
    assert found.text(QAccessible.Text.Name) == "Observation trend chart"
    assert found.text(QAccessible.Text.Description) == chart.model.describe()
    assert "NEWS2" in found.text(QAccessible.Text.Description)
    assert found.state().focusable  # reached with Tab
