"""The look: the NHS-style default theme and a high-contrast one, both keeping the system font size.

The palettes below are the one place colours are defined. The style sheets in the top-level
`resources/qss/` name them (`@text`, `@header`…) and are filled in here; the Qt palette (window,
text, base…) is set from the same names. `text_pairs()` lists every text/background pair the
themes put on screen, which tests/gui/test_contrast.py holds to WCAG 2.2 AA.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from hjdesk.ui.resources import resource_path

# NHS identity colours (NHS digital service manual). Meaning never rests on colour alone:
# whatever is coloured also says "RED", "overdue", "late" in words.
DEFAULT_PALETTE = {
    "page": "#f0f4f5",  # NHS grey 5
    "base": "#ffffff",
    "text": "#212b32",  # NHS text black
    "secondary": "#4c6272",  # NHS secondary text
    "border": "#aeb7bd",
    "link": "#005eb8",  # NHS Blue
    "header": "#005eb8",
    "header_text": "#ffffff",
    "primary": "#007f3b",  # NHS green: a form's main button
    "primary_text": "#ffffff",
    "focus": "#ffeb3b",  # NHS focus yellow, with black text
    "focus_ring": "#212b32",
    "error": "#d5281b",  # NHS error red
    "late_bg": "#fff9c4",  # NHS warning callout
    "late_edge": "#ffb81c",  # NHS warm yellow
    "redflag": "#d5281b",
    "redflag_text": "#ffffff",
    "highlight": "#005eb8",
    "highlight_text": "#ffffff",
    "alternate": "#f7f9fa",
}
HIGH_CONTRAST_PALETTE = {
    "page": "#000000",
    "base": "#000000",
    "text": "#ffffff",
    "secondary": "#c8c8c8",
    "border": "#8a8a8a",
    "link": "#9fd7ff",
    "header": "#000000",
    "header_text": "#ffffff",
    "primary": "#000000",
    "primary_text": "#ffffff",
    "focus": "#ffff00",
    "focus_ring": "#ffff00",
    "error": "#ff8080",
    "late_bg": "#ffff00",
    "late_text": "#000000",
    "late_edge": "#ffff00",
    "redflag": "#ffffff",
    "redflag_text": "#b30000",
    "highlight": "#ffff00",
    "highlight_text": "#000000",
    "alternate": "#1a1a1a",
    "raised": "#333333",
}

# Severity colours are inks: text or a badge's fill (with white or black text, whichever reads).
SEVERITY_COLOURS = {
    "RED": "#b10e1e",  # NEWS2 high / late / overdue
    "AMBER": "#8a4b00",  # NEWS2 medium / due soon (NHS orange is too light for text)
    "YELLOW": "#6b5400",  # NEWS2 low-medium
    "GREEN": "#007f3b",  # in range / done
    "GREY": "#425563",  # not applicable / closed
}
HIGH_CONTRAST_SEVERITY = {
    "RED": "#ff6b6b",
    "AMBER": "#ffd166",
    "YELLOW": "#ffff00",
    "GREEN": "#7CFC00",
    "GREY": "#ffffff",
}


@dataclass(frozen=True, slots=True)
class Theme:
    name: str
    qss_file: str
    colours: dict[str, str]
    severity: dict[str, str]


THEMES = {
    "default": Theme("default", "default.qss", DEFAULT_PALETTE, SEVERITY_COLOURS),
    "high_contrast": Theme(
        "high_contrast", "high-contrast.qss", HIGH_CONTRAST_PALETTE, HIGH_CONTRAST_SEVERITY
    ),
}

# Pairs the Qt palette puts on screen (foreground, background), beside those the style sheets set.
_PALETTE_PAIRS = (
    ("text", "page"),
    ("text", "base"),
    ("text", "alternate"),
    ("secondary", "page"),
    ("secondary", "base"),
    ("link", "base"),
    ("highlight_text", "highlight"),
)
_TOKEN = re.compile(r"@([a-z_]+)")
_RULE = re.compile(r"([^{}]+)\{([^}]*)\}")

_high_contrast = False


def current() -> Theme:
    return THEMES["high_contrast" if _high_contrast else "default"]


def severity_colour(level: str) -> QColor:
    """The colour for a severity level in the current theme (unknown levels: the text colour)."""
    theme = current()
    return QColor(theme.severity.get(level.upper(), theme.colours["text"]))


def is_high_contrast() -> bool:
    return _high_contrast


@cache
def style_sheet(name: str) -> str:
    """The theme's style sheet with its colour names filled in from the palette."""
    theme = THEMES[name]
    return _TOKEN.sub(lambda m: theme.colours[m.group(1)], _template(theme))


def _template(theme: Theme) -> str:
    text = resource_path("qss", theme.qss_file).read_text(encoding="utf-8")
    return re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)


def _declarations(body: str) -> dict[str, str]:
    return {
        key.strip(): value.strip()[1:]
        for key, _, value in (part.partition(":") for part in body.split(";"))
        if value.strip().startswith("@")
    }


def text_pairs(name: str) -> list[tuple[str, str, str]]:
    """Every (where, text colour, background colour) the theme shows: the Qt palette's pairs,
    each style-sheet rule setting both, and the severity inks on the page and base."""
    theme = THEMES[name]
    colours = theme.colours
    pairs = [(f"palette {fg}/{bg}", colours[fg], colours[bg]) for fg, bg in _PALETTE_PAIRS]
    rules = [(" ".join(sel.split()), _declarations(body)) for sel, body in _RULE.findall(
        _template(theme))]  # fmt: skip
    # A container's own background (`#appHeader { background: … }`) is what its children's
    # text is drawn on.
    behind = {sel: d["background"] for sel, d in rules if sel.startswith("#") and "background" in d
              and " " not in sel}  # fmt: skip
    for where, declared in rules:
        fg, bg = declared.get("color"), declared.get("background")
        if fg and bg:
            pairs.append((where, colours[fg], colours[bg]))
        elif fg:
            container = behind.get(where.split()[0])
            grounds = [container] if container and " " in where else ["page", "base"]
            pairs += [(where, colours[fg], colours[b]) for b in grounds]
    for tone, (fg, bg) in _TONES.items():
        pairs.append((f"tone {tone}", colours.get(fg, colours["text"]), colours[bg]))
    for level, ink in theme.severity.items():
        pairs += [(f"severity {level}", ink, colours[b]) for b in ("page", "base")]
    return pairs


def _palette(colours: dict[str, str]) -> QPalette:
    palette = QPalette()
    role = QPalette.ColorRole
    for roles, name in (
        ((role.Window, role.Button, role.AlternateBase), "page"),
        ((role.Base, role.ToolTipBase), "base"),
        ((role.WindowText, role.Text, role.ButtonText, role.ToolTipText), "text"),
        ((role.PlaceholderText,), "secondary"),
        ((role.Link,), "link"),
        ((role.Highlight,), "highlight"),
        ((role.HighlightedText,), "highlight_text"),
    ):
        for each in roles:
            palette.setColor(each, QColor(colours[name]))
    palette.setColor(role.AlternateBase, QColor(colours["alternate"]))
    return palette


def apply_theme(*, high_contrast: bool = False) -> None:
    global _high_contrast
    _high_contrast = high_contrast
    app = QApplication.instance()
    if isinstance(app, QApplication):
        theme = current()
        app.setPalette(_palette(theme.colours))
        app.setStyleSheet(style_sheet(theme.name))


_TONES = {  # tone: (text, background), the same names the style sheets' tone rules use
    "error": ("error", "base"),
    "late": ("late_text", "late_bg"),
    "redflag": ("redflag_text", "redflag"),
}


def tone_colours(tone: str) -> tuple[QColor, QColor]:
    """A tone's text and background in the current theme, for cells of item views (which
    style sheets cannot reach)."""
    colours = current().colours
    fg, bg = _TONES[tone]
    return QColor(colours.get(fg, colours["text"])), QColor(colours[bg])


def set_tone(widget: QWidget, tone: str | None) -> None:
    """Mark a widget "error", "late", "redflag" or "success" (the style sheets' treatments), or
    None for plain; its text must say the same in words."""
    widget.setProperty("tone", tone or "")
    widget.style().unpolish(widget)
    widget.style().polish(widget)
