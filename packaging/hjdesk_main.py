"""The program PyInstaller freezes (build.spec): the `hjdesk` command, GUI and command line."""

import sys

from hjdesk.cli import main

if __name__ == "__main__":
    sys.exit(main())
