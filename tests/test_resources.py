"""The app's own assets in resources/: the icon sizes made from the SVG master, the Windows .ico,
the Linux desktop entry and AppStream metadata agree with each other and with the program."""

from __future__ import annotations

import configparser
import struct
import xml.etree.ElementTree as ET

from PySide6.QtGui import QImage

from hjdesk.ui.resources import ICON_SIZES, resource_path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_every_icon_size_is_a_png_of_that_size():
    for size in ICON_SIZES:
        image = QImage(str(resource_path("icons", "png", f"hjdesk-{size}.png")))
        assert not image.isNull(), size
        assert (image.width(), image.height()) == (size, size)


def test_the_ico_holds_every_size_as_png():
    data = resource_path("icons", "hjdesk.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    assert (reserved, kind) == (0, 1)
    sides = []
    for index in range(count):
        width, _h, _c, _r, _p, _b, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * index
        )
        assert data[offset : offset + 8] == PNG_SIGNATURE
        assert offset + length <= len(data)
        sides.append(width or 256)
    assert sorted(sides) == sorted(ICON_SIZES)


def test_desktop_entry_and_appstream_metadata_name_the_gui_program():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(resource_path("linux", "uk.nhs.hjdesk.desktop"), encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Exec"] == "hjdesk-gui"
    assert desktop["Icon"] == "uk.nhs.hjdesk"
    assert desktop["Terminal"] == "false"
    meta = ET.parse(resource_path("linux", "uk.nhs.hjdesk.metainfo.xml")).getroot()
    assert meta.findtext("id") == "uk.nhs.hjdesk"
    assert meta.findtext("launchable") == "uk.nhs.hjdesk.desktop"
    assert {b.text for b in meta.iter("binary")} == {"hjdesk", "hjdesk-gui"}
