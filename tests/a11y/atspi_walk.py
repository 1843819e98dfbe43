"""Walk HJDesk's accessibility tree through AT-SPI, as a screen reader sees it.

Run with the SYSTEM python (Debian's python3-pyatspi lives there, not in the venv):
    /usr/bin/python3 tests/a11y/atspi_walk.py APP_NAME
Prints one JSON object per line for each focusable, showing control of the application's
windows: its role, accessible name, and the path of roles to it. Exit 3 when the application is
not on the accessibility bus.
"""

import json
import sys
import time

import pyatspi


def _app(name):
    desktop = pyatspi.Registry.getDesktop(0)
    for index in range(desktop.childCount):
        app = desktop.getChildAtIndex(index)
        if app is not None and app.name == name:
            return app
    return None


def _walk(node, path, out, depth=0):
    if node is None or depth > 60:
        return
    try:
        states = node.getState()
        role = node.getRoleName()
        name = node.name or ""
    except Exception:  # a widget destroyed while walking
        return
    here = [*path, role]
    if states.contains(pyatspi.STATE_SHOWING) or depth <= 1:
        if states.contains(pyatspi.STATE_FOCUSABLE) and states.contains(pyatspi.STATE_SHOWING):
            kids = [node.getChildAtIndex(i) for i in range(min(node.childCount, 50))]
            out.append(
                {
                    "role": role,
                    "name": name,
                    "path": "/".join(here[-4:]),
                    "enabled": states.contains(pyatspi.STATE_ENABLED),
                    # A tab widget hands its focus to its tab list (Qt's focus proxy).
                    "tab_widget": any(
                        k is not None and k.getRoleName() == "page tab list" for k in kids
                    ),
                }
            )
        if role in ("table", "tree table", "tree", "list", "list box"):
            return  # rows and cells: the model's data, named by the view's header
        for index in range(node.childCount):
            _walk(node.getChildAtIndex(index), here, out, depth + 1)


def main():
    # An application registers with the accessibility bus a moment after it starts.
    app = None
    for _ in range(60):
        app = _app(sys.argv[1])
        if app is not None and app.childCount > 0:
            break
        time.sleep(0.5)
    if app is None:
        return 3
    found = []
    _walk(app, [], found)
    for item in found:
        print(json.dumps(item))
    return 0


if __name__ == "__main__":
    sys.exit(main())
