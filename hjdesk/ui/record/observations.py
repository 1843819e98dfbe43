"""The observations tab: the trend chart, and the same readings as a table beside it (the text
alternative a screen reader reads, and the exact numbers a clinician wants)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from hjdesk.services.encounters import ObservationSeries, observations_series
from hjdesk.storage.vault import OpenVault
from hjdesk.ui.clinic_time import clinic
from hjdesk.ui.context import PageContext
from hjdesk.ui.record.tab_base import RecordTab, fit_width, make_tree, tree_item
from hjdesk.ui.record.trend_chart import TrendChart, chart_model

COLUMNS = ("Taken", "NEWS2", "BP mmHg", "Pulse", "HbA1c mmol/mol")


def news2_text(total: float) -> str:
    """The total with the response it calls for when that is more than routine (RCP chart 4)."""
    value = int(total)
    if value >= 7:
        return f"{value} HIGH: emergency"
    if value >= 5:
        return f"{value} MEDIUM: urgent"
    return str(value)


@dataclass(slots=True)
class ReadingRow:
    """Everything taken at one moment, as the table shows it."""

    at: datetime
    values: dict[str, float] = field(default_factory=dict)

    def cells(self) -> list[str]:
        v = self.values
        bp = ""
        if "sys" in v:
            bp = f"{v['sys']:g}/{v['dia']:g}" if "dia" in v else f"{v['sys']:g}/–"
        return [
            # The year in full: "12 Jun 25" reads as a day as easily as a year.
            clinic(self.at).strftime("%d %b %Y %H:%M"),
            news2_text(v["news2"]) if "news2" in v else "",
            bp,
            f"{v['pulse']:g}" if "pulse" in v else "",
            f"{v['hba1c']:g}" if "hba1c" in v else "",
        ]

    @property
    def severity(self) -> str | None:
        news2 = self.values.get("news2", 0)
        return "RED" if news2 >= 7 else "AMBER" if news2 >= 5 else None


def reading_rows(data: ObservationSeries) -> list[ReadingRow]:
    """The series merged by moment, newest first."""
    rows: dict[datetime, ReadingRow] = {}
    for key, points in (
        ("news2", data.news2_total),
        ("sys", data.systolic_bp),
        ("dia", data.diastolic_bp),
        ("pulse", data.pulse),
        ("hba1c", data.hba1c),
    ):
        for p in points:
            rows.setdefault(p.at, ReadingRow(p.at)).values[key] = float(p.value)
    return sorted(rows.values(), key=lambda r: r.at, reverse=True)


class ObservationsTab(RecordTab[ObservationSeries]):
    title = "&Observations"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.chart = TrendChart()
        self.table = make_tree(COLUMNS, "Observation readings (table of the chart)", None)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Observation summary")
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.chart)
        self.splitter.addWidget(self.table)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.summary)
        layout.addWidget(self.splitter, 1)

    def fetch(self, vault: OpenVault, patient_id: str) -> ObservationSeries:
        return observations_series(vault, patient_id)

    def show_data(self, data: ObservationSeries) -> None:
        model = chart_model(data)
        self.chart.set_model(model)
        self.summary.setText(model.describe())
        self.table.clear()
        for row in reading_rows(data):
            self.table.addTopLevelItem(tree_item(row.cells(), row.severity))
        # HbA1c is shown where present (diabetes): an always-empty column only costs width.
        self.table.setColumnHidden(COLUMNS.index("HbA1c mmol/mol"), not data.hba1c)
        fit_width(self.table)

    def reset(self) -> None:
        self.chart.set_model(chart_model(ObservationSeries((), (), (), (), ())))
        self.summary.clear()
        self.table.clear()
