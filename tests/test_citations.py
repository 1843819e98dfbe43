"""Every document the code, the tests and the docs cite is in the repository, and every section
they cite by number (`domain.md §7`, `architecture.md §5a`) is a heading of that document: a clone
must be able to follow each citation without the design folder it was first written from."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CITED = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+\.md)\b(?:[ ,]*§ ?(\d+[a-z]?))?")
SECTION = re.compile(r"^##+ (\d+[a-z]?)\.", re.MULTILINE)
TEXT_SUFFIXES = {".py", ".md", ".toml", ".sh", ".spec", ".cfg", ".ini", ".txt", ".yaml", ".yml"}


def _tracked_text_files() -> list[Path]:
    names = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ROOT / n for n in names if Path(n).suffix in TEXT_SUFFIXES and (ROOT / n).is_file()]


def _markdown_by_name(files: list[Path]) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for path in files:
        if path.suffix == ".md":
            found.setdefault(path.name, []).append(path)
    return found


def _resolve(cited: str, where: Path, by_name: dict[str, list[Path]]) -> Path | None:
    """Read from the citing file's folder or the root; failing those, a bare name may be the one
    document of that name in the repository (most say `domain.md` for docs/domain.md)."""
    for base in (where.parent, ROOT):
        candidate = (base / cited).resolve()
        if candidate.is_file():
            return candidate
    if "/" in cited:
        return None
    matches = by_name.get(cited, [])
    return matches[0] if len(matches) == 1 else None


def _citations() -> list[tuple[Path, int, str, str | None]]:
    found = []
    for path in _tracked_text_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in CITED.finditer(line):
                found.append((path, number, match.group(1), match.group(2)))
    return found


def test_the_scan_sees_the_citations_it_is_meant_to_check() -> None:
    cited = {(Path(name).name, section) for _, _, name, section in _citations()}
    # If the pattern stopped matching, every other assertion here would pass vacuously.
    assert ("domain.md", "7") in cited
    assert ("architecture.md", "5a") in cited
    assert len(cited) > 20


def test_every_cited_document_is_in_the_repository() -> None:
    files = _tracked_text_files()
    by_name = _markdown_by_name(files)
    missing = [
        f"{path.relative_to(ROOT)}:{number}: {cited}"
        for path, number, cited, _ in _citations()
        if _resolve(cited, path, by_name) is None
    ]
    assert not missing, "citations that do not resolve inside the clone:\n" + "\n".join(missing)


@pytest.mark.parametrize("document", ["domain.md", "architecture.md"])
def test_every_cited_section_exists(document: str) -> None:
    text = (ROOT / "docs" / document).read_text(encoding="utf-8")
    sections = set(SECTION.findall(text))
    wrong = sorted(
        {
            f"{path.relative_to(ROOT)}:{number}: {document} §{section}"
            for path, number, cited, section in _citations()
            if Path(cited).name == document and section and section not in sections
        }
    )
    assert not wrong, f"sections not in docs/{document} ({sorted(sections)}):\n" + "\n".join(wrong)
