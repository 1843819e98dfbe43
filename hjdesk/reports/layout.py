"""The frame every HJDesk PDF shares: A4, fonts that render any name, patient identifiers on every
page, "page x of y", printed by and at, and a clear mark when it holds unsynced entries.

Header and footer are drawn after the whole story is laid out (a canvas that holds its pages back),
because "page x of y" needs y. Header lines that would run off the page wrap, so a long
double-barrelled name is never clipped.
"""

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
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from hjdesk.reports.text import moment

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
MARGIN = 15 * mm
HEADER_HEIGHT = 24 * mm
FOOTER_HEIGHT = 12 * mm
PAGE_WIDTH, PAGE_HEIGHT = A4
BODY_WIDTH = PAGE_WIDTH - 2 * MARGIN
NHS_BLUE = colors.HexColor("#005eb8")
WARNING_RED = colors.HexColor("#b10e1e")
RULE_GREY = colors.HexColor("#aeb7bd")
UNSYNCED_MARK = "CONTAINS UNSYNCED ENTRIES"
HEADING_STYLES = frozenset({"h2", "plain_h"})
# A heading with less than this below it starts a new page, so it is never left orphaned at the
# foot of a page. (keepWithNext would instead push a whole page-sized table after it.)
HEADING_ROOM = 30 * mm
UNSYNCED_TEXT = (
    "This document contains entries the healthcare office has not received yet (not synced). "
    "Check the central record, or hand this copy over, before anyone relies on the record alone."
)


@cache
def register_fonts() -> None:
    """DejaVu Sans covers Latin Extended (Wiśniewski, Ó'Brien-Nuñez), unlike Helvetica."""
    folder = resources.files("hjdesk.resources").joinpath("fonts")
    for name, filename in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")):
        with resources.as_file(folder.joinpath(filename)) as path:
            pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )


@dataclass(frozen=True, slots=True)
class PageFrame:
    """What every page of one document repeats."""

    title: str
    printed_by: str
    printed_at: datetime
    identifiers: str = ""  # one line of patient identifiers, repeated on every page
    unsynced: bool = False
    subtitle: str = ""


@cache
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
        "cell_small": ParagraphStyle("cell_small", parent=base, fontSize=7.5, leading=9),
        "cell_bold": ParagraphStyle(
            "cell_bold", parent=base, fontName=FONT_BOLD, fontSize=8.5, leading=10.5
        ),
        "cell_large": ParagraphStyle("cell_large", parent=base, fontSize=10.5, leading=13.5),
        "warning": ParagraphStyle(
            "warning", parent=base, fontName=FONT_BOLD, textColor=WARNING_RED
        ),
        "plain": ParagraphStyle("plain", parent=base, fontSize=12, leading=17, spaceAfter=4),
        "plain_h": ParagraphStyle(
            "plain_h",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=14,
            leading=19,
            spaceBefore=10,
            spaceAfter=4,
            textColor=NHS_BLUE,
        ),
    }


def unsynced_banner() -> Flowable:
    """The boxed explanation on page 1 of a document that holds unsynced entries."""
    text = Paragraph(f"<b>{UNSYNCED_MARK}.</b> {UNSYNCED_TEXT}", styles()["body"])
    box = Table([[text]], colWidths=[BODY_WIDTH])
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.2, WARNING_RED),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return box


def _numbered_canvas(frame: PageFrame, pages: list[int]) -> type[Canvas]:
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
            pages.append(total)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                _decorate(self, frame, number, total)
                super().showPage()
            super().save()

    return NumberedCanvas


def _lines(text: str, font: str, size: float, width: float) -> list[str]:
    return [line for line in simpleSplit(text, font, size, width) if line] if text else []


def _decorate(canvas: Canvas, frame: PageFrame, number: int, total: int) -> None:
    canvas.saveState()
    top = PAGE_HEIGHT - MARGIN
    right = PAGE_WIDTH - MARGIN
    title_width = BODY_WIDTH
    if frame.unsynced:
        mark_width = pdfmetrics.stringWidth(UNSYNCED_MARK, FONT_BOLD, 9) + 10
        canvas.setStrokeColor(WARNING_RED)
        canvas.setLineWidth(1.2)
        canvas.rect(right - mark_width, top - 15, mark_width, 15, stroke=1, fill=0)
        canvas.setFillColor(WARNING_RED)
        canvas.setFont(FONT_BOLD, 9)
        canvas.drawRightString(right - 5, top - 10.5, UNSYNCED_MARK)
        title_width -= mark_width + 6
    canvas.setFillColor(NHS_BLUE)
    title = _lines(frame.title, FONT_BOLD, 12.5, title_width)[:1]
    canvas.setFont(FONT_BOLD, 12.5)
    canvas.drawString(MARGIN, top - 11, title[0] if title else "")
    canvas.setFillColor(colors.black)
    y = top - 25
    # Identifiers in bold, wrapped rather than clipped; then the subtitle in regular type.
    for font, text in ((FONT_BOLD, frame.identifiers), (FONT, frame.subtitle)):
        for line in _lines(text, font, 9, BODY_WIDTH)[:2]:
            canvas.setFont(font, 9)
            canvas.drawString(MARGIN, y, line)
            y -= 11
    canvas.setStrokeColor(RULE_GREY)
    canvas.setLineWidth(0.6)
    rule = PAGE_HEIGHT - MARGIN - HEADER_HEIGHT + 4
    canvas.line(MARGIN, rule, right, rule)
    canvas.line(MARGIN, MARGIN + 9, right, MARGIN + 9)
    canvas.setFont(FONT, 7.5)
    canvas.drawString(
        MARGIN, MARGIN, f"Printed by {frame.printed_by} at {moment(frame.printed_at)}"
    )
    canvas.setFont(FONT_BOLD, 8)
    canvas.drawRightString(right, MARGIN, f"Page {number} of {total}")
    canvas.restoreState()


def _keep_headings(story: Sequence[Flowable]) -> list[Flowable]:
    out: list[Flowable] = []
    for flowable in story:
        if isinstance(flowable, Paragraph) and flowable.style.name in HEADING_STYLES:
            out.append(CondPageBreak(HEADING_ROOM))
        out.append(flowable)
    return out


def render(frame: PageFrame, story: Sequence[Flowable]) -> tuple[bytes, int]:
    """Lay the story out on A4 pages in memory; the PDF bytes and the number of pages."""
    register_fonts()
    buffer = BytesIO()
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
        BODY_WIDTH,
        PAGE_HEIGHT - 2 * MARGIN - HEADER_HEIGHT - FOOTER_HEIGHT,
        id="body",
        leftPadding=0,
        rightPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[body])])
    pages: list[int] = []
    doc.build(_keep_headings(story), canvasmaker=_numbered_canvas(frame, pages))
    return buffer.getvalue(), pages[0] if pages else 0
