"""Where file dialogs start: the folder last used for that kind of file (open a sketch,
save a sketch, export an image), kept in the app's settings; the first time, the user's
Pictures folder (or home)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Final, Literal

from PySide6.QtCore import QStandardPaths

from scribble_studio.controllers.app_settings import SettingsController
from scribble_studio.domain.errors import StudioError

FileKind = Literal["open", "save", "export"]
FIELDS: Final[dict[FileKind, str]] = {"open": "folder_open_sketch",
                                      "save": "folder_save_sketch",
                                      "export": "folder_export_image"}


def pictures_folder() -> Path:
    """The user's Pictures folder where the desktop has one, else their home."""
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    if pictures and Path(pictures).is_dir():
        return Path(pictures)
    return Path.home()


class FileFolders:
    """The start folder of each kind of file dialog, remembered across runs."""

    def __init__(self, settings: SettingsController) -> None:
        self.settings = settings

    def start(self, kind: FileKind) -> Path:
        saved = getattr(self.settings.current(), FIELDS[kind], "")
        if saved and Path(saved).is_dir():  # (a folder since removed: Pictures again)
            return Path(saved)
        return pictures_folder()

    def remember(self, kind: FileKind, chosen: Path) -> None:
        folder = str(chosen.parent)
        if getattr(self.settings.current(), FIELDS[kind], "") == folder:
            return
        # (settings that do not validate now are not a folder's to fix)
        with contextlib.suppress(StudioError):
            self.settings.update(**{FIELDS[kind]: folder})
