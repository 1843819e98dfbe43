#!/usr/bin/env bash
# HJDesk developer entry point: the README's two commands.
#   ./dev.sh demo   set everything up, build a demo vault (first time), launch the app on it
#   ./dev.sh test   set everything up, run linters, type checks and the whole test suite
# Works on a fresh Debian/Ubuntu with Python 3.11+; installs missing system packages with apt.
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
DEMO_HOME=${HJDESK_DEMO_HOME:-.demo}
DEMO_PASSWORD=${HJDESK_DEMO_PASSWORD:-demo-password}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "Need root to install: $*" >&2; exit 1; fi
}

apt_ensure() {
  # Install the Debian packages named that are not installed yet.
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || { echo "Please install: ${missing[*]}" >&2; exit 1; }
    say "Installing system packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

python_ok() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null
}

setup() {
  local py=${PYTHON:-python3}
  python_ok "$py" || { echo "HJDesk needs Python 3.11 or newer ($py is older or missing)." >&2; exit 1; }
  # Qt needs these shared libraries even offscreen; Debian's python3 needs venv and pip.
  if command -v dpkg-query >/dev/null; then
    apt_ensure libegl1 libgl1 libfontconfig1 libxkbcommon0 libglib2.0-0 libdbus-1-3 fonts-dejavu-core
    "$py" -m venv --help >/dev/null 2>&1 && "$py" -c 'import ensurepip' 2>/dev/null \
      || apt_ensure "python3-venv"
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating $VENV"
    "$py" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    say "Installing HJDesk and its dependencies into $VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e '.[dev,hub]'
    rm -f "$VENV"/.installed-*
    touch "$stamp"
  fi
}

demo() {
  setup
  if command -v dpkg-query >/dev/null; then
    apt_ensure libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 \
      libxcb-image0 libxcb-render-util0 libxcb-xinerama0 libxcb-randr0 libx11-xcb1
  fi
  if [ ! -f "$DEMO_HOME/vault.db" ]; then
    say "Building a demo vault in $DEMO_HOME (synthetic people only)"
    HJDESK_PASSWORD="$DEMO_PASSWORD" "$VENV/bin/hjdesk" demo --home "$DEMO_HOME"
  fi
  say "Launching HJDesk. Unlock as any demo user with the password: $DEMO_PASSWORD"
  exec "$VENV/bin/hjdesk" --home "$DEMO_HOME" --user nurse "$@"
}

run_tests() {
  setup
  say "ruff"
  "$VENV/bin/ruff" check hjdesk tests benchmarks tools
  "$VENV/bin/ruff" format --check hjdesk tests benchmarks tools
  say "mypy"
  "$VENV/bin/mypy"
  say "pytest"
  # The whole suite (no test paths given) measures coverage and checks its floors afterwards;
  # a run of chosen tests does neither (its coverage would say nothing about the whole).
  local whole=1 arg
  for arg in "$@"; do
    case "$arg" in tests|tests/*|*.py|*::*) whole=0 ;; esac
  done
  if [ "$whole" = 1 ]; then
    rm -f .coverage
    QT_QPA_PLATFORM=offscreen "$VENV/bin/python" -m pytest --cov --cov-report= "$@"
    say "coverage"
    "$VENV/bin/python" tools/coverage_floors.py
  else
    QT_QPA_PLATFORM=offscreen "$VENV/bin/python" -m pytest "$@"
  fi
}

case "${1:-}" in
  demo) shift; demo "$@" ;;
  test) shift; run_tests "$@" ;;
  *) echo "usage: ./dev.sh demo | ./dev.sh test [pytest args]" >&2; exit 2 ;;
esac
