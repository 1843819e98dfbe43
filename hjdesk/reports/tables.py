"""Building blocks of a document body: headings, tables whose cells wrap, key-value panels,
tick boxes and signature lines.

Every cell is a Paragraph so long names wrap instead of running off the page, and every piece of
user text is escaped: a name like `O'Brien <x>` prints as typed, never as markup.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from html import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from hjdesk.reports.layout import BODY_WIDTH, FONT_BOLD, WARNING_RED, styles

GRID = colors.HexColor("#aeb7bd")
HEADER_FILL = colors.HexColor("#e8edee")
FLAG_FILL = colors.HexColor("#fbe9eb")
TICK_BOX = "☐"

Cell = object


def para(text: object, style: str = "cell") -> Paragraph:
    """User text in a paragraph, escaped; line breaks in the text are kept."""
    shown = escape("" if text is None else str(text)).replace("\n", "<br/>")
    return Paragraph(shown, styles()[style])


def rich(markup: str, style: str = "body") -> Paragraph:
    """Our own markup (bold labels); any user text inside must already be escaped with `esc`."""
    return Paragraph(markup, styles()[style])


def esc(text: object) -> str:
    return escape("" if text is None else str(text))


def heading(text: str, style: str = "h2") -> Paragraph:
    return para(text, style)


def gap(height_mm: float = 3) -> Spacer:
    return Spacer(1, height_mm * mm)


def _cell(value: Cell, style: str) -> Flowable:
    return value if isinstance(value, Flowable) else para(value, style)


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    widths: Sequence[float] | None = None,
    *,
    style: str = "cell",
    flagged: Collection[int] = (),
    min_row_height: float | None = None,
) -> Table:
    """A grid with a repeating header row; `flagged` rows (0-based) are shaded and ruled red."""
    head_style = "cell_bold" if style != "cell_small" else "cell_small"
    data = [[para(h, head_style) for h in header]]
    data += [[_cell(c, style) for c in row] for row in rows]
    scaled = _fit(widths, len(header))
    heights = None
    if min_row_height is not None:
        heights = [None] + [min_row_height] * len(rows)
    result = Table(data, colWidths=scaled, rowHeights=heights, repeatRows=1)
    commands: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for index in flagged:
        row = index + 1
        commands.append(("BACKGROUND", (0, row), (-1, row), FLAG_FILL))
        commands.append(("LINEBEFORE", (0, row), (0, row), 2.5, WARNING_RED))
    result.setStyle(TableStyle(commands))
    return result


def _fit(widths: Sequence[float] | None, columns: int) -> list[float]:
    """Column widths in proportion, filling the body width (so a table never overruns it)."""
    weights = list(widths) if widths else [1.0] * columns
    total = sum(weights)
    return [BODY_WIDTH * w / total for w in weights]


def key_values(pairs: Sequence[tuple[str, Cell]], widths: tuple[float, float] = (1, 2.6)) -> Table:
    """Label | value rows, labels shaded."""
    data = [[para(k, "cell_bold"), _cell(v, "cell")] for k, v in pairs]
    result = Table(data, colWidths=_fit(widths, 2))
    result.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("BACKGROUND", (0, 0), (0, -1), HEADER_FILL),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return result


def warning(text: str) -> Table:
    """A boxed red warning line (a missing supply, an overdue review): words, not colour alone."""
    box = Table([[para(text, "warning")]], colWidths=[BODY_WIDTH])
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1, WARNING_RED),
                ("BACKGROUND", (0, 0), (-1, -1), FLAG_FILL),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return box


def signature_lines(labels: Sequence[str]) -> Table:
    """Blank lines to sign on: one row per label (Signature, Name, Date and time…)."""
    data = [[para(label, "cell_bold"), ""] for label in labels]
    result = Table(data, colWidths=_fit((1, 3), 2), rowHeights=[9 * mm] * len(labels))
    result.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LINEBELOW", (1, 0), (1, -1), 0.6, colors.black),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return result
