"""Where the app's own assets are at run time: the top-level `resources/` folder.

In a source checkout (and an editable install) that is the repository's `resources/`; in the
one-folder build, build.spec copies the parts needed at run time (style sheets, icon sizes) to
`resources/` beside the program; a wheel carries them as `hjdesk/_assets` (setup.py). One copy in
the repository, none inside the package's source folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def resource_root() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)  # set by PyInstaller in the built app
    if bundle:
        return Path(bundle) / "resources"
    installed = Path(__file__).resolve().parents[1] / "_assets"  # a wheel (setup.py build_py)
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "resources"


def resource_path(*parts: str) -> Path:
    return resource_root().joinpath(*parts)


def app_icon() -> QIcon:
    """HJDesk's icon at every size made from the SVG master (tools/make_icons.py)."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = resource_path("icons", "png", f"hjdesk-{size}.png")
        if path.is_file():
            icon.addFile(str(path))
    return icon
