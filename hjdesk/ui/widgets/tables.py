"""Filling a QTableWidget quickly.

With a header in ResizeToContents mode, every `setItem` makes Qt measure the whole column again,
so filling n rows costs O(n²) — seconds for a hundred rows on a slow laptop. `bulk_fill` switches
the header to fixed sizes while filling and measures once at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtWidgets import QHeaderView, QTableWidget


@contextmanager
def bulk_fill(table: QTableWidget) -> Iterator[None]:
    header = table.horizontalHeader()
    modes = [header.sectionResizeMode(c) for c in range(table.columnCount())]
    table.setUpdatesEnabled(False)
    for column in range(table.columnCount()):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
    try:
        yield
    finally:
        for column, mode in enumerate(modes):
            header.setSectionResizeMode(column, mode)
        table.setUpdatesEnabled(True)
