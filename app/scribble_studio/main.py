"""Composition root of the desktop app: QApplication, qasync loop, services, window."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence

import qasync
from PySide6.QtCore import QSettings, QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from scribble_studio import APP_ID, APP_NAME
from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.sketch_files import SketchFiles
from scribble_studio.services.config import data_dir
from scribble_studio.services.logs import configure_logging
from scribble_studio.ui.canvas_view import CanvasView
from scribble_studio.ui.main_window import MainWindow


def build_window(app: QApplication) -> MainWindow:
    """Build the services and controllers once and wire them into the window."""
    home = data_dir(os.environ)
    configure_logging(home)
    settings = QSettings(str(home / "settings.ini"), QSettings.Format.IniFormat)
    runner = BackgroundRunner()
    document = CanvasDocument(QSize(512, 512))
    view = CanvasView(document)
    files = SketchFiles(document, runner)
    window = MainWindow(view, files, runner, settings)
    runner.setParent(window)
    document.setParent(window)
    files.setParent(window)
    return window


def _icon() -> QIcon:
    from importlib.resources import files

    return QIcon(str(files("scribble_studio.resources") / "icons" / "scribble-studio.svg"))


def main(argv: Sequence[str] | None = None) -> int:
    app = QApplication(list(argv) if argv is not None else sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(_icon())
    window = build_window(app)
    window.show()
    # The asyncio loop is the Qt loop (qasync); this works on Python 3.11 and 3.12+.
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    with loop:
        loop.run_until_complete(closed.wait())
    return 0
