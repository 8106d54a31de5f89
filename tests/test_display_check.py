"""Starting the window without a display, or without the libraries Qt's X11 plugin
needs: one clear line and exit 2, not Qt's abort."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scribble_studio.display_check import NO_DISPLAY, XCB_LIBRARIES, problem


def test_starting_the_window_without_a_display_says_so_and_exits_2(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    environ["SCRIBBLE_STUDIO_HOME"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-m", "scribble_studio"], env=environ,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == f"scribble-studio: {NO_DISPLAY}"
    assert "generate --help" in done.stderr and "Aborted" not in done.stderr


def test_missing_x11_libraries_are_named_with_their_debian_packages(tmp_path: Path) -> None:
    libs = tmp_path / "lib"
    libs.mkdir()
    present = list(XCB_LIBRARIES)[1:]
    for name in present:
        (libs / name).touch()
    said = problem({"DISPLAY": ":0"}, "linux", [str(libs)])
    assert said is not None and "libxcb-cursor0" in said
    assert "sudo apt install libxcb-cursor0" in said
    assert all(XCB_LIBRARIES[name] not in said for name in present)
    (libs / next(iter(XCB_LIBRARIES))).touch()
    assert problem({"DISPLAY": ":0"}, "linux", [str(libs)]) is None


def test_other_platforms_and_chosen_qt_platforms_are_left_to_qt(tmp_path: Path) -> None:
    assert problem({}, "darwin", []) is None
    assert problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", []) is None
    assert problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux", [str(tmp_path)]) is None
    assert problem({}, "linux", []) == NO_DISPLAY
