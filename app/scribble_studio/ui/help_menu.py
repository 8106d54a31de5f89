"""Help: the keyboard shortcuts, the example sketches, About."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence

from scribble_studio import APP_NAME, __version__

if TYPE_CHECKING:
    from scribble_studio.ui.main_window import MainWindow


def examples() -> list[Path]:
    import scribble_studio.assets  # a package folder, as look._resources explains

    folder = Path(scribble_studio.assets.__file__).parent / "examples"
    return sorted(path for path in folder.iterdir() if path.suffix == ".png")


def build_help_menu(window: MainWindow) -> None:
    menu = window.menuBar().addMenu("&Help")
    menu.addAction("&Keyboard shortcuts", QKeySequence("F1"), window.show_shortcuts)
    example_menu = menu.addMenu("Open &example")
    for path in examples():
        example_menu.addAction(path.stem.capitalize(),
                               functools.partial(window.files.open_path, path))
    menu.addAction("&About", lambda: show_about(window))


def show_about(window: MainWindow) -> None:
    """A window-modal box opened with open(), not exec(): no nested event loop."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    from scribble_studio.ui.look import app_icon

    box = QMessageBox(  # owned by the window, deleted when closed
        QMessageBox.Icon.NoIcon, f"About {APP_NAME}",
        f"{APP_NAME} {__version__}\nSketch a scribble, get images from Segmind's "
        "ControlNet Scribble model.", QMessageBox.StandardButton.Close, window)
    box.setIconPixmap(app_icon().pixmap(64, 64))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
