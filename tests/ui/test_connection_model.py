"""The connection model, through the real window: "no key" is one of its states, the
status bar and the first-run hint read it, and a new key is judged afresh."""

from __future__ import annotations

import asyncio

from scribble_studio.controllers.job import Connection
from scribble_studio.main import start
from scribble_studio.ui.main_window import MainWindow
from tests.asyncqt import run, until
from tests.fakes.segmind_server import API_KEY, FakeSegmind


def test_without_a_key_the_status_bar_and_the_hint_read_no_key(
        aloop: asyncio.AbstractEventLoop, window: MainWindow) -> None:
    shown: list[object] = []
    window.studio.gallery.reset.connect(shown.append)

    async def first_frame() -> None:
        start(window)  # the hint is built once the window has painted
        await until(lambda: shown, what="the history to be read")

    run(aloop, first_frame())
    assert window.connection.state is Connection.NO_KEY
    assert window.status.connection.text() == "○ No API key"
    hint = window.first_run_hint
    assert hint is not None and hint.isVisible()

    async def key_set_and_removed() -> None:  # (a key set asks the API: in the loop)
        window.studio.settings.set_key("sg_typed_in_settings")
        assert window.connection.state is Connection.UNKNOWN
        assert window.status.connection.text() == "○ Not connected yet"
        assert hint is not None and not hint.isVisible()
        window.studio.settings.set_key("")  # removed again: "no key", the hint stays away
        assert window.status.connection.text() == "○ No API key"
        assert not hint.isVisible()

    run(aloop, key_set_and_removed())


def test_a_second_rejected_key_is_shown_rejected_too(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow,
        fake_api: FakeSegmind) -> None:
    win, settings = app_window, app_window.studio.settings
    label = win.status.connection

    async def scenario() -> None:
        settings.set_key("sg_first_wrong_key")
        await until(lambda: "Key rejected" in label.text(), what="the first key rejected")
        settings.set_key("sg_second_wrong_key")
        assert label.text() == "○ Not connected yet"  # not yet asked about this one
        # The session's own state stays "key rejected", so it says nothing new; the
        # model still learns from its report.
        await until(lambda: "Key rejected" in label.text(), what="the second key rejected")
        settings.set_key(API_KEY)
        await until(lambda: label.text() == "● Online", what="the right key accepted")

    run(aloop, scenario())
    assert win.connection.state is Connection.ONLINE
