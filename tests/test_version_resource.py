"""The Windows version resource of the built executables (Properties > Details), read the way
PyInstaller reads it when it builds them: packaging/version_resource.py fills the template in
resources/windows/, PyInstaller's versioninfo parses the text (load_version_info_from_text_file,
what build.spec's `version=` goes through) into the structure it embeds in the .exe.

Runs on Linux: PyInstaller and pefile are in the dev extra for this test (pyproject.toml).
PyInstaller's versioninfo imports `win32api` at the top, which PyInstaller.compat defines on
Windows only; it is used solely to read and write the resource inside a real .exe (not done
here), so the test gives compat a None in its place. Compiling the binary resource (toRaw) packs
native-size integers, right only on Windows, so the test stops at the parsed structure.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import PyInstaller.compat
import pytest

import hjdesk

if not hasattr(PyInstaller.compat, "win32api"):  # not Windows: see the docstring
    PyInstaller.compat.win32api = None
from PyInstaller.utils.win32 import versioninfo

ROOT = Path(__file__).resolve().parent.parent
EXECUTABLES = ("hjdesk", "hjdesk-gui")  # build.spec's two programs
UK_ENGLISH, UNICODE = 0x0809, 0x04B0  # the string table's language and code page


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "version_resource", ROOT / "packaging" / "version_resource.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


version_resource = _module()


def _load(tmp_path: Path, name: str, version: str = hjdesk.__version__):
    path = tmp_path / f"version-{name}.txt"
    path.write_text(version_resource.fill(version, name), encoding="utf-8")
    return versioninfo.load_version_info_from_text_file(str(path))


def _strings(info) -> dict[str, str]:
    (string_info,) = [kid for kid in info.kids if isinstance(kid, versioninfo.StringFileInfo)]
    (table,) = string_info.kids
    assert table.name == f"{UK_ENGLISH:04X}{UNICODE:04X}"
    return {struct.name: struct.val for struct in table.kids}


def _numbers(ms: int, ls: int) -> tuple[int, int, int, int]:
    return (ms >> 16, ms & 0xFFFF, ls >> 16, ls & 0xFFFF)


@pytest.mark.parametrize("name", EXECUTABLES)
def test_each_executable_carries_the_package_version_and_the_product(tmp_path, name):
    info = _load(tmp_path, name)
    expected = version_resource.version_tuple(hjdesk.__version__)
    ffi = info.ffi
    assert _numbers(ffi.fileVersionMS, ffi.fileVersionLS) == expected
    assert _numbers(ffi.productVersionMS, ffi.productVersionLS) == expected
    assert ffi.fileType == 0x1  # VFT_APP: an application
    assert _strings(info) == {
        "CompanyName": "HJDesk project",
        "FileDescription": "HJDesk: encrypted offline clinical records",
        "FileVersion": hjdesk.__version__,
        "InternalName": name,
        "OriginalFilename": f"{name}.exe",
        "ProductName": "HJDesk",
        "ProductVersion": hjdesk.__version__,
    }


def test_the_translation_names_the_string_tables_language(tmp_path):
    info = _load(tmp_path, "hjdesk")
    (var_info,) = [kid for kid in info.kids if isinstance(kid, versioninfo.VarFileInfo)]
    (translation,) = var_info.kids
    assert translation.name == "Translation"
    assert translation.kids == [UK_ENGLISH, UNICODE]


def test_no_placeholder_is_left_unfilled():
    text = version_resource.fill(hjdesk.__version__, "hjdesk")
    assert "{version" not in text
    assert "{name}" not in text


@pytest.mark.parametrize(
    ("version", "numbers"),
    [("0.1.0", (0, 1, 0, 0)), ("2.4", (2, 4, 0, 0)), ("1.2.3rc1", (1, 2, 3, 0)),
     ("1.2.3.4", (1, 2, 3, 4)), ("3.0.1.post2", (3, 0, 1, 0))],
)  # fmt: skip
def test_version_numbers_for_windows(version, numbers, tmp_path):
    assert version_resource.version_tuple(version) == numbers
    info = _load(tmp_path, "hjdesk", version)
    assert _numbers(info.ffi.fileVersionMS, info.ffi.fileVersionLS) == numbers
    assert _strings(info)["ProductVersion"] == version  # the full version, in words


def test_a_version_windows_cannot_hold_is_refused():
    with pytest.raises(ValueError, match="65535"):
        version_resource.version_tuple("2026.70000")
