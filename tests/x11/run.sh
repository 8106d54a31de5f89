#!/usr/bin/env bash
# Runs the tests marked x11 in a real X11 window on a private Xvfb display.
set -euo pipefail
cd "$(dirname "$0")/../.."
display=":$(( 90 + RANDOM % 400 ))"
Xvfb "$display" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
for _ in $(seq 50); do xdpyinfo -display "$display" >/dev/null 2>&1 && break; sleep 0.1; done
DISPLAY="$display" QT_QPA_PLATFORM=xcb .venv/bin/python -m pytest -m x11 -p no:cacheprovider "$@"
