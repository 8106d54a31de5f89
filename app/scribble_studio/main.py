"""Composition root of the desktop app: QApplication, qasync loop, services, window."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from importlib.resources import files
from pathlib import Path

import qasync
from PySide6.QtCore import QSettings, QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from scribble_studio import APP_ID, APP_NAME
from scribble_studio.controllers.app_settings import SettingsController
from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.gallery import GalleryActions
from scribble_studio.controllers.session import GenerationSession
from scribble_studio.controllers.sketch_files import SketchFiles
from scribble_studio.services.config import ENV_API_BASE, data_dir
from scribble_studio.services.logs import configure_logging
from scribble_studio.services.secrets import KeyringModule, SecretStore
from scribble_studio.services.settings_store import SettingsStore
from scribble_studio.ui.canvas_view import CanvasView
from scribble_studio.ui.main_window import MainWindow, Studio

log = logging.getLogger(__name__)


def _keyring() -> KeyringModule | None:
    try:
        import keyring
    except Exception:  # a broken keyring install must not stop the app
        return None
    return keyring


def build_studio(home: Path, environ: Mapping[str, str],
                 keyring: KeyringModule | None) -> Studio:
    """Build the services and controllers once; nothing here is global."""
    runner = BackgroundRunner()
    settings = SettingsController(SettingsStore(home), SecretStore(home, keyring, environ),
                                  runner)
    override = environ.get(ENV_API_BASE, "").strip()
    if override:  # as for the CLI: the environment wins for this run, and is not saved
        settings.settings = dataclasses.replace(settings.settings, api_base=override)
        settings.settings.client_settings()
    session = GenerationSession(settings.current, settings.api_key, home / "results")
    document = CanvasDocument(QSize(512, 512))
    view = CanvasView(document)
    files_ = SketchFiles(document, runner)
    gallery = GalleryActions(session, document, runner)
    layout = QSettings(str(home / "layout.ini"), QSettings.Format.IniFormat)
    return Studio(view, files_, runner, session, settings, gallery, layout)


def build_window(home: Path, environ: Mapping[str, str] = os.environ,
                 keyring: KeyringModule | None = None) -> MainWindow:
    studio = build_studio(home, environ, keyring)
    window = MainWindow(studio)
    for owned in (studio.runner, studio.settings, studio.session, studio.view.document,
                  studio.files, studio.gallery):
        owned.setParent(window)
    return window


async def run_window(window: MainWindow, app: QApplication) -> None:
    """Show the window and run until it closes; then cancel jobs and stop cleanly."""
    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)
    window.show()
    window.studio.session.prepare()
    window.studio.session.refresh_credits()
    await closed.wait()
    await window.studio.session.shutdown()
    window.studio.runner.shutdown()


def main(argv: Sequence[str] | None = None) -> int:
    app = QApplication(list(argv) if argv is not None else sys.argv)
    # Qt would quit (stopping the asyncio loop) the moment the window closes, while jobs
    # are still being cancelled; run_window ends the loop itself after the shutdown.
    app.setQuitOnLastWindowClosed(False)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(QIcon(str(files("scribble_studio.resources") / "icons"
                                / "scribble-studio.svg")))
    home = data_dir(os.environ)
    window = build_window(home, os.environ, _keyring())
    configure_logging(home, window.studio.settings.redact)
    # The asyncio loop is the Qt loop (qasync); this works on Python 3.11 and 3.12+.
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(run_window(window, app))
    log.info("closed cleanly")
    return 0
