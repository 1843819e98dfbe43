"""The program PyInstaller freezes (build.spec): `hjdesk` (console: GUI and command line) and
`hjdesk-gui` (no console, for the desktop shortcut: start-up errors are shown in a window).

Both executables are this one script; the name it was started by says which it is, as
`[project.gui-scripts]` does for a pip install.
"""

import sys
from pathlib import Path

from hjdesk.cli import gui_main, main

if __name__ == "__main__":
    gui = Path(sys.executable).stem.lower() == "hjdesk-gui"
    sys.exit(gui_main() if gui else main())
