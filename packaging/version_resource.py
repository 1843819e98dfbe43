"""The Windows version resource (Properties > Details of hjdesk.exe and hjdesk-gui.exe).

resources/windows/version_info.txt is PyInstaller's text form of a VSVersionInfo with three
placeholders; `fill` puts the package version and the executable's name in. build.spec writes the
result for each executable and tests/test_version_resource.py parses it as PyInstaller does, so a
wrong version or a template PyInstaller cannot read fails the tests, not a Windows build.
Standard library and `packaging` only: build.spec imports it before PyInstaller has the app.
"""

from __future__ import annotations

from pathlib import Path

from packaging.version import Version

TEMPLATE = Path(__file__).resolve().parent.parent / "resources" / "windows" / "version_info.txt"


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """Windows holds four 16-bit numbers: the release numbers, padded with zeros. Pre-release,
    post-release and local parts have no place there; the strings keep the full version."""
    release = [*Version(version).release, 0, 0, 0, 0][:4]
    if any(number > 0xFFFF for number in release):
        raise ValueError(f"version {version}: Windows allows numbers up to 65535")
    return (release[0], release[1], release[2], release[3])


def fill(version: str, name: str, template: Path = TEMPLATE) -> str:
    """The version resource of executable `name` (no .exe) for package version `version`."""
    text = template.read_text(encoding="utf-8")
    text = text.replace("{version_tuple}", repr(version_tuple(version)))
    return text.replace("{version}", version).replace("{name}", name)
