"""Help's commands: the example sketches, the log folder, About (the menu itself is
built in ``menus.py``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QStatusBar, QWidget

from scribble_studio import APP_NAME, __version__


def examples() -> list[Path]:
    import scribble_studio.assets  # a package folder, as look._resources explains

    folder = Path(scribble_studio.assets.__file__).parent / "examples"
    return sorted(path for path in folder.iterdir() if path.suffix == ".png")


def log_folder(settings_file: Path) -> Path:
    """Where the log file is written (``logs`` in the data folder, next to the settings)."""
    from scribble_studio.services.logs import LOG_NAME

    return settings_file.parent / "logs" / LOG_NAME


def open_log_folder(log: Path, status: QStatusBar) -> None:
    """Show the log folder in the file manager, and say where it is (the file manager
    may not open, or open behind the window)."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    folder = log.parent if log.parent.is_dir() else log.parent.parent
    status.showMessage(f"The log file is {log}", 15000)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def show_about(parent: QWidget) -> None:
    """A window-modal box opened with open(), not exec(): no nested event loop."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    from scribble_studio.ui.look import app_icon

    box = QMessageBox(  # owned by the window, deleted when closed
        QMessageBox.Icon.NoIcon, f"About {APP_NAME}",
        f"{APP_NAME} {__version__}\nSketch a scribble, get images from Segmind's "
        "ControlNet Scribble model.", QMessageBox.StandardButton.Close, parent)
    box.setIconPixmap(app_icon().pixmap(64, 64))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
