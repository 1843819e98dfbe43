"""Trend charts of NEWS2, blood pressure, pulse and HbA1c, drawn with QPainter.

PySide6-Essentials has no QtCharts, and a chart this small does not need it. `chart_model` turns
the service's series into panels (one per scale: NEWS2 0-20, mmHg and beats per minute together,
HbA1c in mmol/mol); `TrendChart` only paints a model. Each series has its own marker shape and
line style as well as its own colour, and is named in a legend, so nothing depends on colour
alone; the observations tab puts the same numbers in a table beside the chart for screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QAccessible,
    QAccessibleInterface,
    QColor,
    QFontMetrics,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QAccessibleWidget, QSizePolicy, QWidget

from hjdesk.services.encounters import ObservationSeries, SeriesPoint
from hjdesk.ui.clinic_time import clinic
from hjdesk.ui.theme import is_high_contrast

# NEWS2 totals at which the RCP response changes (chart 4): 5 urgent review, 7 emergency.
NEWS2_THRESHOLDS = ((5.0, "5: urgent review"), (7.0, "7: emergency assessment"))


@dataclass(frozen=True, slots=True)
class SeriesStyle:
    colour: str
    high_contrast_colour: str
    marker: str  # circle, square, triangle, diamond
    dash: Qt.PenStyle


STYLES = {
    "NEWS2": SeriesStyle("#005eb8", "#00ffff", "circle", Qt.PenStyle.SolidLine),
    "Systolic BP": SeriesStyle("#7c2855", "#ff80ff", "triangle", Qt.PenStyle.SolidLine),
    "Diastolic BP": SeriesStyle("#7c2855", "#ff80ff", "square", Qt.PenStyle.DashLine),
    "Pulse": SeriesStyle("#006747", "#7cfc00", "diamond", Qt.PenStyle.DotLine),
    "HbA1c": SeriesStyle("#8a4b00", "#ffff00", "square", Qt.PenStyle.SolidLine),
}


@dataclass(frozen=True, slots=True)
class ChartSeries:
    name: str
    unit: str
    points: tuple[tuple[datetime, float], ...]


@dataclass(frozen=True, slots=True)
class ChartPanel:
    title: str
    series: tuple[ChartSeries, ...]
    low: float
    high: float
    ticks: tuple[float, ...]
    thresholds: tuple[tuple[float, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ChartModel:
    panels: tuple[ChartPanel, ...]
    start: datetime | None
    end: datetime | None

    @property
    def empty(self) -> bool:
        return not self.panels

    def describe(self) -> str:
        """A one-paragraph text alternative: each series, how many readings, the latest."""
        if self.empty:
            return "No observations recorded."
        parts = []
        for panel in self.panels:
            for s in panel.series:
                at, value = s.points[-1]
                count = f"{len(s.points)} reading{'s' if len(s.points) != 1 else ''}"
                latest = f"{value:g} {s.unit}".rstrip()
                parts.append(f"{s.name}: {count}, latest {latest} on {clinic(at):%d %b %Y}")
        return "; ".join(parts) + "."


def nice_ticks(low: float, high: float, count: int = 5) -> tuple[float, float, tuple[float, ...]]:
    """A range widened to round numbers and about `count` ticks across it."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    ticks = []
    value = first
    while value <= last + step / 1000:
        ticks.append(round(value, 6))
        value += step
    return first, last, tuple(ticks)


# No measure of a body comes near these values, and no reading was taken outside these years. A
# stored point past them (pulled from a device in hostile hands: the payload rules check only
# that it is a number and a time) is listed in the readings table, as it is, but not drawn.
# Drawn, 1e308 left no room between the axis' ends (1e308 - 5 == 1e308 + 5), and a time in year
# 9999 no room to pad the time axis: either stopped the patient's Observations tab.
PLOTTABLE = 1e9
DRAWN_FROM = datetime(1900, 1, 1, tzinfo=UTC)
DRAWN_TO = datetime(2200, 1, 1, tzinfo=UTC)


def _drawn(point: SeriesPoint) -> bool:
    value = point.value
    return math.isfinite(value) and abs(value) <= PLOTTABLE and DRAWN_FROM <= point.at < DRAWN_TO


def _series(name: str, unit: str, points: Sequence[SeriesPoint]) -> ChartSeries | None:
    drawn = tuple((p.at, float(p.value)) for p in points if _drawn(p))
    return ChartSeries(name, unit, drawn) if drawn else None


def _panel(
    title: str,
    found: Sequence[ChartSeries | None],
    *,
    floor: float | None = None,
    at_least: float | None = None,
    margin: float = 0.0,
    thresholds: tuple[tuple[float, str], ...] = (),
) -> ChartPanel | None:
    series = tuple(s for s in found if s is not None)
    if not series:
        return None
    values = [v for s in series for _, v in s.points]
    low = min(values) - margin if floor is None else floor
    high = max(values) + margin
    if at_least is not None:
        high = max(high, at_least)
    low, high, ticks = nice_ticks(low, high)
    return ChartPanel(title, series, low, high, ticks, thresholds)


def chart_model(data: ObservationSeries) -> ChartModel:
    """Panels for the series that have points: NEWS2, BP with pulse, and HbA1c where present."""
    panels = [
        _panel(
            "NEWS2 total",
            [_series("NEWS2", "", data.news2_total)],
            floor=0,
            at_least=8,
            thresholds=NEWS2_THRESHOLDS,
        ),
        _panel(
            "Blood pressure (mmHg) and pulse (beats/min)",
            [
                _series("Systolic BP", "mmHg", data.systolic_bp),
                _series("Diastolic BP", "mmHg", data.diastolic_bp),
                _series("Pulse", "beats/min", data.pulse),
            ],
            margin=10,
        ),
        _panel("HbA1c (mmol/mol)", [_series("HbA1c", "mmol/mol", data.hba1c)], margin=5),
    ]
    kept = tuple(p for p in panels if p is not None)
    moments = [at for p in kept for s in p.series for at, _ in s.points]
    if not moments:
        return ChartModel((), None, None)
    start, end = min(moments), max(moments)
    # Pad the time axis so the first and last points are not drawn on the frame.
    pad = max((end - start) * 0.04, timedelta(hours=12))
    return ChartModel(kept, start - pad, end + pad)


@dataclass(frozen=True, slots=True)
class _Ink:
    background: QColor
    text: QColor
    grid: QColor
    high_contrast: bool


def _chart_interface(key: str, obj: QObject) -> QAccessibleInterface | None:
    """A chart is announced as a chart (its name, then what it shows from its description),
    not as an unnamed "filler", the role Qt gives a plain widget."""
    if isinstance(obj, TrendChart):
        return QAccessibleWidget(obj, QAccessible.Role.Chart)
    return None


_factory_installed = False


class TrendChart(QWidget):
    """Paints a `ChartModel`: one panel per scale, stacked, sharing the time axis."""

    PANEL_MIN_HEIGHT = 150

    def __init__(self, parent: QWidget | None = None) -> None:
        global _factory_installed
        if not _factory_installed:  # once per process: Qt asks every factory for every object
            QAccessible.installFactory(_chart_interface)
            _factory_installed = True
        super().__init__(parent)
        self.model = ChartModel((), None, None)
        self.setAccessibleName("Observation trend chart")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # so a screen reader can reach it
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._describe()

    def set_model(self, model: ChartModel) -> None:
        self.model = model
        self._describe()
        self.updateGeometry()
        self.update()

    def _describe(self) -> None:
        self.setAccessibleDescription(self.model.describe())
        self.setToolTip(self.model.describe())

    def minimumSizeHint(self) -> QSize:
        panels = max(len(self.model.panels), 1)
        return QSize(320, panels * self.PANEL_MIN_HEIGHT)

    def sizeHint(self) -> QSize:
        panels = max(len(self.model.panels), 1)
        return QSize(640, panels * 210)

    def _ink(self) -> _Ink:
        if is_high_contrast():
            return _Ink(QColor("black"), QColor("white"), QColor("#9a9a9a"), True)
        palette = self.palette()
        return _Ink(palette.base().color(), palette.text().color(), QColor("#c8cfd4"), False)

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            ink = self._ink()
            painter.fillRect(self.rect(), ink.background)
            if self.hasFocus():
                painter.setPen(QPen(QColor("#ffb81c"), 3))
                painter.drawRect(self.rect().adjusted(1, 1, -2, -2))
            if self.model.empty:
                painter.setPen(ink.text)
                painter.drawText(
                    self.rect(), Qt.AlignmentFlag.AlignCenter, "No observations recorded."
                )
                return
            height = self.height() / len(self.model.panels)
            for number, panel in enumerate(self.model.panels):
                area = QRectF(0, number * height, self.width(), height)
                self._paint_panel(painter, panel, area.adjusted(8, 6, -12, -4), ink)
        finally:
            painter.end()

    def _x(self, at: datetime, plot: QRectF) -> float:
        start, end = self.model.start, self.model.end
        if start is None or end is None:
            return plot.left()
        span = (end - start).total_seconds() or 1.0
        return plot.left() + plot.width() * (at - start).total_seconds() / span

    @staticmethod
    def _y(value: float, panel: ChartPanel, plot: QRectF) -> float:
        fraction = (value - panel.low) / ((panel.high - panel.low) or 1.0)
        return plot.bottom() - plot.height() * fraction

    def _paint_panel(self, painter: QPainter, panel: ChartPanel, area: QRectF, ink: _Ink) -> None:
        metrics = QFontMetrics(painter.font())
        line = metrics.height()
        title_font = painter.font()
        title_font.setBold(True)
        title_end = area.left() + QFontMetrics(title_font).horizontalAdvance(panel.title) + 18
        # The legend follows the title, or goes on a line of its own when the chart is narrow.
        legend_at = QPointF(title_end, area.top() + line / 2 - 2)
        head = line + 6
        if title_end + self._legend_width(panel, metrics) > area.right():
            legend_at = QPointF(area.left(), area.top() + line * 1.5)
            head += line + 2
        label_width = max(metrics.horizontalAdvance(f"{t:g}") for t in panel.ticks) + 8
        plot = QRectF(
            area.left() + label_width,
            area.top() + head,
            area.width() - label_width,
            area.height() - head - line - 6,
        )
        painter.save()
        painter.setFont(title_font)
        painter.setPen(ink.text)
        painter.drawText(QPointF(area.left(), area.top() + line - 4), panel.title)
        painter.restore()
        self._paint_legend(painter, panel, legend_at, ink)
        self._paint_axes(painter, panel, plot, ink, metrics)
        for series in panel.series:
            self._paint_series(painter, series, panel, plot, ink)

    @staticmethod
    def _legend_width(panel: ChartPanel, metrics: QFontMetrics) -> float:
        return sum(27 + metrics.horizontalAdvance(s.name) + 16 for s in panel.series)

    def _paint_legend(self, painter: QPainter, panel: ChartPanel, at: QPointF, ink: _Ink) -> None:
        metrics = QFontMetrics(painter.font())
        x = at.x()
        for series in panel.series:
            style = STYLES[series.name]
            pen = QPen(self._colour(style, ink), 2, style.dash)
            painter.setPen(pen)
            painter.drawLine(QPointF(x, at.y()), QPointF(x + 22, at.y()))
            self._marker(painter, style, QPointF(x + 11, at.y()), ink)
            painter.setPen(ink.text)
            painter.drawText(QPointF(x + 27, at.y() + metrics.ascent() / 2 - 1), series.name)
            x += 27 + metrics.horizontalAdvance(series.name) + 16

    def _paint_axes(
        self, painter: QPainter, panel: ChartPanel, plot: QRectF, ink: _Ink, metrics: QFontMetrics
    ) -> None:
        grid = QPen(
            ink.grid, 1, Qt.PenStyle.DotLine if ink.high_contrast else Qt.PenStyle.SolidLine
        )
        for tick in panel.ticks:
            y = self._y(tick, panel, plot)
            painter.setPen(grid)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(ink.text)
            text = f"{tick:g}"
            painter.drawText(
                QPointF(
                    plot.left() - metrics.horizontalAdvance(text) - 6, y + metrics.ascent() / 2
                ),
                text,
            )
        for value, label in panel.thresholds:
            if not panel.low <= value <= panel.high:
                continue
            y = self._y(value, panel, plot)
            painter.setPen(QPen(QColor("#ff6b6b" if ink.high_contrast else "#b10e1e"), 1.5))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.drawText(
                QPointF(plot.right() - metrics.horizontalAdvance(label) - 4, y - 3), label
            )
        painter.setPen(QPen(ink.text, 1.5))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        self._paint_dates(painter, plot, ink, metrics)

    def _paint_dates(
        self, painter: QPainter, plot: QRectF, ink: _Ink, metrics: QFontMetrics
    ) -> None:
        start, end = self.model.start, self.model.end
        if start is None or end is None:
            return
        short = end - start < timedelta(days=3)
        pattern = "%d %b %H:%M" if short else "%d %b %Y"
        sample = metrics.horizontalAdvance(clinic(start).strftime(pattern)) + 24
        count = max(2, min(6, int(plot.width() // sample)))
        painter.setPen(ink.text)
        for step in range(count):
            at = start + (end - start) * (step + 0.5) / count
            x = self._x(at, plot)
            painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 4))
            text = clinic(at).strftime(pattern)
            width = metrics.horizontalAdvance(text)
            painter.drawText(QPointF(x - width / 2, plot.bottom() + metrics.height() + 2), text)

    def _paint_series(
        self, painter: QPainter, series: ChartSeries, panel: ChartPanel, plot: QRectF, ink: _Ink
    ) -> None:
        style = STYLES[series.name]
        points = [QPointF(self._x(at, plot), self._y(v, panel, plot)) for at, v in series.points]
        painter.setPen(QPen(self._colour(style, ink), 2, style.dash))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if len(points) > 1:
            painter.drawPolyline(QPolygonF(points))
        for point in points:
            self._marker(painter, style, point, ink)

    @staticmethod
    def _colour(style: SeriesStyle, ink: _Ink) -> QColor:
        return QColor(style.high_contrast_colour if ink.high_contrast else style.colour)

    def _marker(self, painter: QPainter, style: SeriesStyle, at: QPointF, ink: _Ink) -> None:
        size = 4.5
        painter.save()
        painter.setPen(QPen(self._colour(style, ink), 1.5))
        painter.setBrush(self._colour(style, ink))
        if style.marker == "circle":
            painter.drawEllipse(at, size, size)
        elif style.marker == "square":
            painter.drawRect(QRectF(at.x() - size, at.y() - size, 2 * size, 2 * size))
        elif style.marker == "triangle":
            painter.drawPolygon(
                QPolygonF(
                    [
                        QPointF(at.x(), at.y() - size - 1),
                        QPointF(at.x() - size - 1, at.y() + size),
                        QPointF(at.x() + size + 1, at.y() + size),
                    ]
                )
            )
        else:
            painter.drawPolygon(
                QPolygonF(
                    [
                        QPointF(at.x(), at.y() - size - 1),
                        QPointF(at.x() - size - 1, at.y()),
                        QPointF(at.x(), at.y() + size + 1),
                        QPointF(at.x() + size + 1, at.y()),
                    ]
                )
            )
        painter.restore()
