#!/usr/bin/env bash
# Build the one-folder HJDesk app with PyInstaller (build.spec) and check it with its own
# self-test, offscreen. Output: dist/hjdesk/ (run dist/hjdesk/hjdesk). Used by CI after the tests.
#   packaging/build.sh            build into dist/hjdesk and self-test it
# The Windows build is the same three steps in a Windows shell (see the README).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
  say "Creating $VENV"
  "${PYTHON:-python3}" -m venv "$VENV"
fi
say "Installing HJDesk with its build tools"
"$VENV/bin/python" -m pip install -q -e '.[build,hub]'

say "PyInstaller (one folder)"
start=$SECONDS
rm -rf build/hjdesk dist/hjdesk
"$VENV/bin/python" -m PyInstaller --noconfirm --log-level WARN build.spec
say "Built dist/hjdesk ($(du -sh dist/hjdesk | cut -f1)) in $((SECONDS - start)) s"

say "Self-test of the built app"
QT_QPA_PLATFORM=offscreen dist/hjdesk/hjdesk --self-test
