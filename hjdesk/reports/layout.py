"""The frame every HJDesk PDF shares: A4, fonts that render any name, patient identifiers on every
page, "page x of y", printed by and at, and a clear mark when it holds unsynced entries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
MARGIN = 15 * mm
HEADER_HEIGHT = 22 * mm
FOOTER_HEIGHT = 14 * mm
NHS_BLUE = colors.HexColor("#005eb8")
WARNING_RED = colors.HexColor("#b10e1e")


@cache
def register_fonts() -> None:
    """DejaVu Sans covers Latin Extended (Wiśniewski, Bartłomiej, Ní Bhriain) unlike Helvetica."""
    folder = resources.files("hjdesk.resources").joinpath("fonts")
    for name, filename in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")):
        with resources.as_file(folder.joinpath(filename)) as path:
            pdfmetrics.registerFont(TTFont(name, str(path)))


@dataclass(frozen=True, slots=True)
class PageFrame:
    """What every page of one document repeats."""

    title: str
    printed_by: str
    printed_at: datetime
    identifiers: str = ""  # one line of patient identifiers, repeated on every page
    unsynced: bool = False
    subtitle: str = ""


def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=14,
            leading=18,
            spaceAfter=4,
            textColor=NHS_BLUE,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=11,
            leading=14,
            spaceBefore=8,
            spaceAfter=3,
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5),
        "cell_bold": ParagraphStyle(
            "cell_bold", parent=base, fontName=FONT_BOLD, fontSize=8.5, leading=10.5
        ),
        "warning": ParagraphStyle(
            "warning", parent=base, fontName=FONT_BOLD, textColor=WARNING_RED
        ),
        "plain": ParagraphStyle("plain", parent=base, fontSize=11.5, leading=16),
    }


def _numbered_canvas(frame: PageFrame) -> type[Canvas]:
    """A canvas that holds pages back until the end so each can say 'page x of y'."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab ships no type hints
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                _decorate(self, frame, number, total)
                super().showPage()
            super().save()

    return NumberedCanvas


def _decorate(canvas: Canvas, frame: PageFrame, number: int, total: int) -> None:
    width, height = A4
    canvas.saveState()
    top = height - MARGIN
    canvas.setFillColor(NHS_BLUE)
    canvas.setFont(FONT_BOLD, 12)
    canvas.drawString(MARGIN, top - 10, frame.title)
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT, 8.5)
    if frame.identifiers:
        canvas.drawString(MARGIN, top - 22, frame.identifiers)
    elif frame.subtitle:
        canvas.drawString(MARGIN, top - 22, frame.subtitle)
    if frame.unsynced:
        canvas.setFillColor(WARNING_RED)
        canvas.setFont(FONT_BOLD, 9)
        canvas.drawRightString(width - MARGIN, top - 10, "CONTAINS UNSYNCED ENTRIES")
        canvas.setFillColor(colors.black)
    canvas.setStrokeColor(colors.HexColor("#aeb7bd"))
    canvas.line(MARGIN, top - 27, width - MARGIN, top - 27)
    canvas.line(MARGIN, MARGIN + 10, width - MARGIN, MARGIN + 10)
    canvas.setFont(FONT, 7.5)
    printed = f"Printed by {frame.printed_by} at {frame.printed_at:%d/%m/%Y %H:%M} (UTC)"
    canvas.drawString(MARGIN, MARGIN, printed)
    canvas.drawRightString(width - MARGIN, MARGIN, f"Page {number} of {total}")
    canvas.restoreState()


def render(frame: PageFrame, story: Sequence[Flowable]) -> bytes:
    """Lay the story out on A4 pages in memory and return the PDF bytes."""
    register_fonts()
    buffer = BytesIO()
    width, height = A4
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER_HEIGHT,
        bottomMargin=MARGIN + FOOTER_HEIGHT,
        title=frame.title,
        author="HJDesk",
        creator="HJDesk",
    )
    body = Frame(
        MARGIN,
        MARGIN + FOOTER_HEIGHT,
        width - 2 * MARGIN,
        height - 2 * MARGIN - HEADER_HEIGHT - FOOTER_HEIGHT,
        id="body",
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[body])])
    doc.build(list(story), canvasmaker=_numbered_canvas(frame))
    return buffer.getvalue()
