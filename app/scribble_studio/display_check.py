"""Before the window: is there a display, and the libraries Qt's X11 plugin needs? Qt
itself ends a process that has neither with an abort and a page of plugin names; this
says it in one line, with what to do, and the launcher exits 2. Qt-free, and cheap (a
few environment look-ups and file checks: it runs on every start)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

NO_DISPLAY: Final = ("No display found: Scribble Studio needs a desktop session; the CLI "
                     "works without one (scribble-studio generate --help).")
# The libraries Qt's xcb plugin loads that a desktop often lacks (PySide6's wheels do not
# carry them), and the Debian/Ubuntu package of each.
XCB_LIBRARIES: Final = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-render-util.so.0": "libxcb-render-util0",
}
LIBRARY_DIRS: Final = ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                       "/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib64",
                       "/usr/lib", "/lib64", "/lib")


def problem(environ: Mapping[str, str], platform: str = sys.platform,
            library_dirs: Iterable[str] = LIBRARY_DIRS) -> str | None:
    """Why the window cannot open here, in the user's words, or ``None``."""
    if not platform.startswith("linux"):
        return None
    qpa = environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if qpa and qpa not in ("xcb", "wayland"):
        return None  # offscreen, vnc, eglfs...: the user chose; Qt says what it needs
    x11 = bool(environ.get("DISPLAY", "").strip())
    wayland = bool(environ.get("WAYLAND_DISPLAY", "").strip())
    if not (x11 or wayland):
        return NO_DISPLAY
    if qpa == "wayland" or (wayland and not x11):
        return None
    dirs = [Path(d) for d in library_dirs if Path(d).is_dir()]
    if not dirs:  # an unusual layout: nothing to say
        return None
    missing = [package for library, package in XCB_LIBRARIES.items()
               if not any((d / library).exists() for d in dirs)]
    if not missing:
        return None
    return (f"Qt's X11 support needs libraries that are not installed: {', '.join(missing)}. "
            f"On Debian or Ubuntu: sudo apt install {' '.join(missing)}")
