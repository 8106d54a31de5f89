"""Help: the keyboard shortcuts, the example sketches, the log folder, About."""

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
    menu.addSeparator()
    # Messages that say "report it with the log file" lead here (and their banner's button).
    menu.addAction("Open &log folder", window.open_log_folder)
    menu.addAction("&About", lambda: show_about(window))


def log_folder(window: MainWindow) -> Path:
    """Where the log file is written (``logs`` in the data folder, next to the settings)."""
    from scribble_studio.services.logs import LOG_NAME

    return window.studio.settings.store.path.parent / "logs" / LOG_NAME


def open_log_folder(window: MainWindow) -> None:
    """Show the log folder in the file manager, and say where it is (the file manager
    may not open, or open behind the window)."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    log = log_folder(window)
    folder = log.parent if log.parent.is_dir() else log.parent.parent
    window.status.showMessage(f"The log file is {log}", 15000)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


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
