"""Make the icon's PNG sizes and the Windows .ico from the SVG master, with Qt's own SVG renderer.

    .venv/bin/python tools/make_icons.py        (writes resources/icons/png/*.png, hjdesk.ico)

Run it after changing resources/icons/hjdesk.svg and commit what it writes: the app and the build
use the PNGs and the .ico, so neither needs QtSvg at run time. The .ico holds PNG images (allowed
since Windows Vista), written here directly: a 6-byte header, one 16-byte entry per size, then
the PNG files, so no imaging library is needed.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # PySide6 takes the format as text at run time; its stubs say bytes, which it refuses.
    image.save(buffer, "PNG")  # type: ignore[call-overload]
    buffer.close()
    return bytes(data.data())


def ico(images: dict[int, bytes]) -> bytes:
    """An ICO container of PNG images (ICONDIR, ICONDIRENTRY per size, then the data)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, png in sorted(images.items()):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "hjdesk.svg"))
    if not renderer.isValid():
        print("hjdesk.svg is not a valid SVG", file=sys.stderr)
        return 1
    out = ICONS / "png"
    out.mkdir(exist_ok=True)
    images = {size: render(renderer, size) for size in sorted({*PNG_SIZES, *ICO_SIZES})}
    for size in PNG_SIZES:
        (out / f"hjdesk-{size}.png").write_bytes(images[size])
    (ICONS / "hjdesk.ico").write_bytes(ico({s: images[s] for s in ICO_SIZES}))
    print(f"wrote {len(PNG_SIZES)} PNGs and hjdesk.ico in {ICONS}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
