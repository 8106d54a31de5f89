"""Live mode in the real window (offscreen), driven by real pointer and key events, with
the scripted backend: Ctrl+Shift+L and the Live button, a drawing sent once it is still,
typing sent when it stops, the preview and the status bar, Keep (Ctrl+K) into the
gallery, New seed, a pause with its line, and the cap in Settings."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.live_mode import LiveState
from scribble_studio.main import build_window
from scribble_studio.services.history import State
from scribble_studio.ui.main_window import MainWindow
from scribble_studio.ui.settings_dialog import SettingsDialog
from tests.asyncqt import run, until
from tests.fakes.scripted_backend import ScriptedBackend, Step
from tests.fakes.segmind_server import API_KEY
from tests.pointer import drag
from tests.ui.conftest import LOOPBACK
from tests.ui.test_app_flows import draw

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def backend() -> ScriptedBackend:
    return ScriptedBackend()


@pytest.fixture
def live_window(qtbot: QtBot, isolated_environment: Path,
                backend: ScriptedBackend) -> Iterator[MainWindow]:
    win = build_window(isolated_environment, {**LOOPBACK, "SEGMIND_API_KEY": API_KEY}, None,
                       backend_factory=backend.factory)
    win.live.set_debounce(5)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.studio.session.store.open()
    yield win
    win.studio.runner.shutdown()


def stroke(win: MainWindow, n: int) -> None:
    viewport = win.view.viewport()
    centre = viewport.rect().center()
    drag(viewport, [(centre.x() - 100, centre.y() - 90 + 25 * n),
                    (centre.x() + 90, centre.y() - 80 + 25 * n)])


def test_ctrl_shift_l_then_drawing_shows_the_image_beside_the_canvas(
        aloop: asyncio.AbstractEventLoop, live_window: MainWindow, backend: ScriptedBackend,
        qtbot: QtBot) -> None:
    win = live_window
    win.generate.params.prompt.setPlainText("a lighthouse at dusk")
    assert not win.live_dock.isVisible() and not win.status.live.isVisible()

    async def scenario() -> None:
        qtbot.keyClick(win.view, Qt.Key.Key_L, CTRL_SHIFT)
        assert win.live.on and win.generate.live.isChecked()
        assert win.generate.new_seed.isVisible() and win.live_dock.isVisible()
        for n in range(3):
            stroke(win, n)
        await until(lambda: win.live.shown is not None, what="the live image")

    run(aloop, scenario())
    assert len(backend.runs) == 1
    preview = win.live_dock.widget()
    assert not preview.image.image.isNull()  # type: ignore[attr-defined]
    assert "#1" in preview.info.text() and " s" in preview.info.text()  # type: ignore[attr-defined]
    assert win.status.live.isVisible() and "1 job" in win.status.live.text()
    assert "$0.003" in win.status.live.text()
    assert win.studio.gallery.items == [] and win.jobs.rows == {}


def test_typing_in_the_prompt_is_sent_when_it_stops(
        aloop: asyncio.AbstractEventLoop, live_window: MainWindow, backend: ScriptedBackend,
        qtbot: QtBot) -> None:
    win = live_window
    draw(win)

    async def scenario() -> None:
        win.generate.live.click()
        await until(lambda: "prompt" in win.live.line, what="a line asking for a prompt")
        qtbot.keyClicks(win.generate.params.prompt, "a fox")  # (no loop turn between keys)
        await until(lambda: win.live.shown is not None)

    run(aloop, scenario())
    assert [c.params.prompt for c in backend.runs if c.params] == ["a fox"]


def test_keep_with_ctrl_k_moves_the_image_into_the_gallery(
        aloop: asyncio.AbstractEventLoop, live_window: MainWindow, qtbot: QtBot) -> None:
    win = live_window
    win.generate.params.prompt.setPlainText("a lighthouse")
    draw(win)

    async def scenario() -> None:
        win.generate.live.click()
        await until(lambda: win.live.shown is not None)
        qtbot.keyClick(win.view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: win.studio.gallery.items, what="the kept image in the gallery")

    run(aloop, scenario())
    [item] = win.studio.gallery.items
    assert item.entry.live and item.entry.kept and item.entry.state is State.DONE
    assert win.live_dock.widget().keep.text() == "Kept"  # type: ignore[attr-defined]


def test_new_seed_sends_the_drawing_again_with_another_seed(
        aloop: asyncio.AbstractEventLoop, live_window: MainWindow,
        backend: ScriptedBackend) -> None:
    win = live_window
    win.generate.params.prompt.setPlainText("a lighthouse")
    draw(win)

    async def scenario() -> None:
        win.generate.live.click()
        await until(lambda: win.live.shown is not None)
        first = win.live.seed
        while win.live.seed == first:
            win.generate.new_seed.click()
        await until(lambda: win.live.shown is not None and win.live.shown.number == 2)

    run(aloop, scenario())
    seeds = [c.params.seed for c in backend.runs if c.params]
    assert len(set(seeds)) == 2 and str(seeds[1]) in win.live_dock.widget().info.text()  # type: ignore[attr-defined]


def test_going_offline_pauses_with_one_line_and_the_button_goes_off(
        aloop: asyncio.AbstractEventLoop, live_window: MainWindow,
        backend: ScriptedBackend) -> None:
    win = live_window
    backend.script(Step.offline())
    win.generate.params.prompt.setPlainText("a lighthouse")
    draw(win)

    async def scenario() -> None:
        win.generate.live.click()
        await until(lambda: win.live.state is LiveState.PAUSED)

    run(aloop, scenario())
    line = win.live_dock.widget().line.text()  # type: ignore[attr-defined]
    assert line.startswith("Live mode paused:") and "Ctrl+Shift+L" in line
    assert not win.generate.live.isChecked() and "paused" in win.status.live.text()
    rows = win.studio.session.store.read("SELECT state FROM generations")
    assert [r[0] for r in rows] == ["cancelled"] and win.studio.session.jobs == []


def test_the_live_cap_is_in_settings(live_window: MainWindow) -> None:
    dialog = SettingsDialog(live_window.studio.settings, live_window)
    assert (dialog.live_jobs.value(), dialog.live_dollars.value()) == (20, 0.1)
    dialog.live_jobs.setValue(5)
    dialog.live_dollars.setValue(0.25)
    dialog.accept()
    current = live_window.studio.settings.current()
    assert (current.live_cap_jobs, current.live_cap_dollars) == (5, 0.25)


def test_removing_the_key_pauses_live_mode(live_window: MainWindow) -> None:
    win = live_window
    win.generate.live.click()
    assert win.live.on
    win.studio.settings.set_key("")
    assert win.live.state is LiveState.PAUSED and "no API key" in win.live.line
    assert not win.generate.live.isChecked()


def test_a_dot_pauses_live_mode_with_the_checks_line_and_sends_nothing(
        aloop: asyncio.AbstractEventLoop, live_window: MainWindow, backend: ScriptedBackend,
        qtbot: QtBot) -> None:
    """The window's own pre-send checks stop a live send as they stop Generate."""
    win = live_window
    win.generate.params.prompt.setPlainText("a lighthouse at dusk")
    viewport = win.view.viewport()
    centre = viewport.rect().center()

    async def scenario() -> None:
        qtbot.keyClick(win.view, Qt.Key.Key_L, CTRL_SHIFT)
        drag(viewport, [(centre.x(), centre.y()), (centre.x() + 1, centre.y())])  # a dot
        await until(lambda: win.live.state is LiveState.PAUSED, what="the pause")

    run(aloop, scenario())
    assert "Almost nothing is drawn" in win.live.line
    assert backend.runs == []
