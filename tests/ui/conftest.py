from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from scribble_studio.main import build_window
from scribble_studio.services.backends import Backend, create_backend
from scribble_studio.services.backends.retry import RetryPolicy
from scribble_studio.services.config import ApiKey
from scribble_studio.services.settings_store import AppSettings
from scribble_studio.ui.main_window import MainWindow
from tests.fakes.segmind_server import API_KEY, FakeSegmind

LOOPBACK = {"SCRIBBLE_STUDIO_API_BASE": "http://127.0.0.1:9/v1"}


def quick_polls(key: ApiKey | None, settings: AppSettings, tls: ssl.SSLContext | None,
                on_credits: Callable[[float], None]) -> Backend:
    """Segmind's backend polling the fake's jobs (which take no time unless a test says
    so) soon, instead of near SD 1.5's usual 3.8 s."""
    return create_backend(key, settings.client_settings(), tls=tls, on_credits=on_credits,
                          follow_deadline=None, retry=QUICK)


QUICK = RetryPolicy(first_poll=0.02, poll_initial=1.0, poll_max=0.1, wait_initial=0.05,
                    history_wait_initial=0.05, history_wait_max=0.2)


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
    win = build_window(isolated_environment, {**LOOPBACK, "SEGMIND_API_KEY": API_KEY}, None,
                       backend_factory=quick_polls)
    win.studio.settings.update(api_base=fake_api.base_url, history_base=fake_api.history_base)
    yield _show(qtbot, win)
    win.studio.runner.shutdown()
