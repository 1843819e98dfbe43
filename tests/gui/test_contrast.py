"""Every text/background pair of both themes meets WCAG 2.2 AA (4.5:1; 3:1 for large text).

The pairs come from `hjdesk.ui.theme.text_pairs`, which reads the palettes and the style sheets
the app itself loads: a colour added to a style sheet is checked without touching this test.
"""

from __future__ import annotations

import re

import pytest

from hjdesk.ui import theme

AA_NORMAL = 4.5


def luminance(hex_colour: str) -> float:
    """WCAG 2.2 relative luminance of an sRGB colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula_matches_wcag_examples():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the famous near-miss
    assert contrast("#005eb8", "#ffffff") == pytest.approx(6.38, abs=0.05)  # NHS Blue on white


@pytest.mark.parametrize("name", sorted(theme.THEMES))
def test_every_text_and_background_pair_meets_aa(name: str):
    pairs = theme.text_pairs(name)
    assert len(pairs) > 20  # the palette, the style sheet's rules and the severity inks
    failures = [
        f"{where}: {fg} on {bg} is {contrast(fg, bg):.2f}:1"
        for where, fg, bg in pairs
        if contrast(fg, bg) < AA_NORMAL
    ]
    assert failures == []


@pytest.mark.parametrize("name", sorted(theme.THEMES))
def test_style_sheets_use_only_palette_colours(name: str):
    """No literal colour in a style sheet escapes the check above."""
    sheet = theme.resource_path("qss", theme.THEMES[name].qss_file).read_text(encoding="utf-8")
    sheet = re.sub(r"/\*.*?\*/", "", sheet, flags=re.DOTALL)
    assert re.findall(r"#[0-9a-fA-F]{3,8}\b|rgba?\(", sheet) == []
    rendered = theme.style_sheet(name)
    assert "@" not in rendered  # every colour name exists in the palette


def test_late_error_and_red_flag_look_different_in_both_themes():
    for name in theme.THEMES:
        sheet = theme.style_sheet(name)
        rules = {
            tone: re.search(rf'\*\[tone="{tone}"\] \{{([^}}]*)\}}', sheet) for tone in
            ("late", "error", "redflag")
        }  # fmt: skip
        bodies = {tone: " ".join(found.group(1).split()) for tone, found in rules.items() if found}
        assert len(bodies) == 3, name
        assert len(set(bodies.values())) == 3, name
