from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from scribble_studio.main import build_window
from scribble_studio.ui.main_window import MainWindow
from tests.fakes.segmind_server import API_KEY, FakeSegmind

LOOPBACK = {"SCRIBBLE_STUDIO_API_BASE": "http://127.0.0.1:9/v1"}


def _show(qtbot: QtBot, window: MainWindow) -> MainWindow:
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot: QtBot, isolated_environment: Path) -> Iterator[MainWindow]:
    """The real window, built as main.py builds it, with no key and no keyring."""
    # Never a real host: the API is a closed local port unless a test says otherwise.
    win = _show(qtbot, build_window(isolated_environment, LOOPBACK, None))
    yield win
    win.studio.runner.shutdown()


@pytest.fixture
def app_window(qtbot: QtBot, isolated_environment: Path,
               fake_api: FakeSegmind) -> Iterator[MainWindow]:
    """The real window with a key, talking to the fake server."""
    win = build_window(isolated_environment, {**LOOPBACK, "SEGMIND_API_KEY": API_KEY}, None)
    win.studio.settings.update(api_base=fake_api.base_url, history_base=fake_api.history_base)
    yield _show(qtbot, win)
    win.studio.runner.shutdown()
