"""Icons beside the navigation's page names: Qt's standard icons, which follow the platform's
theme and need no files. The words stay: an icon only helps the eye find its place."""

from __future__ import annotations

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QStyle

_PIXMAPS = {
    "Today": QStyle.StandardPixmap.SP_FileDialogInfoView,
    "Wing clinics": QStyle.StandardPixmap.SP_FileDialogListView,
    "Patients": QStyle.StandardPixmap.SP_DirHomeIcon,
    "ACCT": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "Care plans": QStyle.StandardPixmap.SP_FileDialogContentsView,
    "Reports": QStyle.StandardPixmap.SP_FileIcon,
    "Sync": QStyle.StandardPixmap.SP_BrowserReload,
    "Admin": QStyle.StandardPixmap.SP_ComputerIcon,
}


def nav_icon(style: QStyle, title: str) -> QIcon:
    pixmap = _PIXMAPS.get(title)
    return style.standardIcon(pixmap) if pixmap is not None else QIcon()
