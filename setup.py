"""Only for the wheel: copy the run-time part of the top-level resources/ (style sheets, icon
sizes) into the package as hjdesk/_assets, so an installed HJDesk finds them
(hjdesk/ui/resources.py). The repository keeps one copy, in resources/; a source checkout and an
editable install read it there, and build.spec copies it into the one-folder app."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

RUNTIME = ("qss", "icons/png")


class BuildPyWithAssets(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        here = Path(__file__).resolve().parent / "resources"
        target = Path(self.build_lib) / "hjdesk" / "_assets"
        for part in RUNTIME:
            shutil.copytree(here / part, target / part, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithAssets})
