"""Registering the app with the desktop's launcher for the current user (for pip and
pipx installs, which do not do it): the .desktop entry and the icon under
``$XDG_DATA_HOME`` (default ``~/.local/share``)."""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from typing import Final

from scribble_studio.services.atomic_files import atomic_write

DESKTOP_ID: Final = "io.github.scribble_studio.ScribbleStudio.desktop"
ICON_NAME: Final = "scribble-studio.svg"


def data_home(environ: Mapping[str, str]) -> Path:
    home = environ.get("XDG_DATA_HOME", "").strip()
    return Path(home) if home else Path.home() / ".local" / "share"


def targets(environ: Mapping[str, str]) -> tuple[Path, Path]:
    base = data_home(environ)
    return (base / "applications" / DESKTOP_ID,
            base / "icons" / "hicolor" / "scalable" / "apps" / ICON_NAME)


def install(executable: Path, environ: Mapping[str, str] = os.environ) -> list[Path]:
    """Write the entry (its Exec pointing at ``executable``) and the icon."""
    entry_path, icon_path = targets(environ)
    template = files("scribble_studio.resources").joinpath("linux", DESKTOP_ID).read_text()
    lines = [f"Exec={shlex.quote(str(executable))} %F" if line.startswith("Exec=") else line
             for line in template.splitlines()]
    atomic_write(entry_path, ("\n".join(lines) + "\n").encode())
    icon = files("scribble_studio.resources").joinpath("icons", ICON_NAME).read_bytes()
    atomic_write(icon_path, icon)
    return [entry_path, icon_path]


def uninstall(environ: Mapping[str, str] = os.environ) -> list[Path]:
    removed = []
    for path in targets(environ):
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed
