"""Table helpers: every cell a Paragraph so long names wrap instead of running off the page."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from reportlab.lib import colors
from reportlab.platypus import Paragraph, Table, TableStyle

from hjdesk.reports.layout import FONT_BOLD, styles

GRID = colors.HexColor("#aeb7bd")
HEADER_FILL = colors.HexColor("#e8edee")


def para(text: object, style: str = "cell") -> Paragraph:
    """Escape user text: a name like `O'Brien <x>` must print as typed, never as markup."""
    return Paragraph(escape("" if text is None else str(text)), styles()[style])


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths: Sequence[float] | None = None,
) -> Table:
    data = [[para(h, "cell_bold") for h in header]]
    data += [[c if isinstance(c, Paragraph) else para(c) for c in row] for row in rows]
    result = Table(data, colWidths=list(widths) if widths else None, repeatRows=1)
    result.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
                ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return result


def key_values(pairs: Sequence[tuple[str, object]], widths: tuple[float, float]) -> Table:
    data = [[para(k, "cell_bold"), v if isinstance(v, Paragraph) else para(v)] for k, v in pairs]
    result = Table(data, colWidths=list(widths))
    result.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("BACKGROUND", (0, 0), (0, -1), HEADER_FILL),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return result
