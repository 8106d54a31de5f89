"""The checks before paying in the real window: a dot drawn with real pointer events is
not sent by Generate or Ctrl+Return but named in the banner with "Send anyway"; a repeat
of a result in the real history offers "Show result"; the fake server sees only what the
user said to send."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from scribble_studio.domain.job_state import JobState
from scribble_studio.ui.main_window import MainWindow
from tests.asyncqt import run, until
from tests.fakes.segmind_server import FakeSegmind
from tests.pointer import drag, mouse


def fill(win: MainWindow, prompt: str = "a lighthouse at dusk") -> None:
    win.generate.params.prompt.setPlainText(prompt)


def tap_a_dot(win: MainWindow) -> None:
    centre = win.view.viewport().rect().center()
    mouse(win.view.viewport(), QEvent.Type.MouseButtonPress, centre.x(), centre.y())
    mouse(win.view.viewport(), QEvent.Type.MouseButtonRelease, centre.x(), centre.y())


def draw(win: MainWindow) -> None:
    centre = win.view.viewport().rect().center()
    drag(win.view.viewport(), [(centre.x() - 120, centre.y() - 60), (centre.x(), centre.y()),
                               (centre.x() + 100, centre.y() - 80)])


def banner_button(win: MainWindow, text: str) -> QPushButton:
    (button,) = [b for b in (win.banner.action_button, win.banner.second_button)
                 if b.text() == text and b.isVisible()]
    return button


def test_a_dot_is_not_sent_until_the_user_says_send_anyway(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow, fake_api: FakeSegmind,
        qtbot: QtBot) -> None:
    win = app_window
    fill(win)
    tap_a_dot(win)
    assert win.view.document.has_ink() and win.generate.button.isEnabled()

    async def scenario() -> None:
        qtbot.mouseClick(win.generate.button, Qt.MouseButton.LeftButton)
        assert win.banner.isVisible()
        assert "Almost nothing is drawn" in win.banner.label.text()
        assert not win.session.jobs  # nothing queued, nothing recorded
        qtbot.mouseClick(banner_button(win, "Send anyway"), Qt.MouseButton.LeftButton)
        assert not win.banner.isVisible()
        await until(lambda: win.session.jobs
                    and win.session.jobs[0].state is JobState.DONE, what="the job")

    run(aloop, scenario())
    assert len(fake_api.submits) == 1


def test_ctrl_return_runs_the_same_checks(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow, fake_api: FakeSegmind,
        qtbot: QtBot) -> None:
    win = app_window
    fill(win)
    tap_a_dot(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    qtbot.keyClick(win.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "Almost nothing is drawn" in win.banner.label.text()
    assert win.banner.isVisible() and not win.session.jobs
    # Drawing more and pressing again sends at once, and the old line goes.
    draw(win)

    async def scenario() -> None:
        qtbot.keyClick(win.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert not win.banner.isVisible()
        await until(lambda: win.session.jobs
                    and win.session.jobs[0].state is JobState.DONE, what="the job")

    run(aloop, scenario())
    assert len(fake_api.submits) == 1


def test_a_repeat_of_a_result_offers_it_instead_of_paying_again(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow, fake_api: FakeSegmind,
        qtbot: QtBot) -> None:
    win = app_window
    fill(win)
    win.generate.params.random_seed.setChecked(False)
    win.generate.params.seed.setText("1234")
    draw(win)

    async def scenario() -> None:
        qtbot.mouseClick(win.generate.button, Qt.MouseButton.LeftButton)
        await until(lambda: win.gallery.rows.rowCount(), what="the first result")
        await until(lambda: not win.session.active_jobs, what="the job done")
        (first,) = win.session.jobs
        assert first.entry is not None
        qtbot.mouseClick(win.generate.button, Qt.MouseButton.LeftButton)
        await until(lambda: win.banner.isVisible(), what="the repeat's line")
        assert f"Result #{first.entry.id} is this same job" in win.banner.label.text()
        assert len(win.session.jobs) == 1 and len(fake_api.submits) == 1
        qtbot.mouseClick(banner_button(win, "Show result"), Qt.MouseButton.LeftButton)
        await until(lambda: win.gallery.viewer is not None and win.gallery.viewer.isVisible(),
                    what="the result's viewer")
        assert "seed 1234" in win.gallery.viewer.windowTitle()
        win.gallery.viewer.close()
        assert len(fake_api.submits) == 1  # shown, not paid for again
        # Asked again, "Send anyway" pays for it once more.
        qtbot.mouseClick(win.generate.button, Qt.MouseButton.LeftButton)
        await until(lambda: win.banner.isVisible(), what="the repeat's line again")
        qtbot.mouseClick(banner_button(win, "Send anyway"), Qt.MouseButton.LeftButton)
        await until(lambda: win.gallery.rows.rowCount() == 2, what="the second result")

    run(aloop, scenario())
    assert [s.body["seed"] for s in fake_api.submits] == [1234, 1234]


def test_a_different_prompt_with_the_same_seed_is_sent_at_once(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow, fake_api: FakeSegmind,
        qtbot: QtBot) -> None:
    win = app_window
    fill(win)
    win.generate.params.random_seed.setChecked(False)
    win.generate.params.seed.setText("99")
    draw(win)

    async def scenario() -> None:
        qtbot.mouseClick(win.generate.button, Qt.MouseButton.LeftButton)
        await until(lambda: win.gallery.rows.rowCount(), what="the first result")
        await until(lambda: not win.session.active_jobs, what="the job done")
        fill(win, "a lighthouse at dawn")
        qtbot.mouseClick(win.generate.button, Qt.MouseButton.LeftButton)
        await until(lambda: win.gallery.rows.rowCount() == 2, what="the second result")

    run(aloop, scenario())
    assert not win.banner.has("checks")
    assert [s.body["prompt"] for s in fake_api.submits] == ["a lighthouse at dusk",
                                                            "a lighthouse at dawn"]


def test_one_pixel_lines_on_a_1024_canvas_are_named_before_sending(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow, fake_api: FakeSegmind,
        qtbot: QtBot) -> None:
    win = app_window
    fill(win)
    win.view.document.resize_canvas(QSize(1024, 1024))
    win.view.set_pen_width(1)
    draw(win)
    qtbot.mouseClick(win.generate.button, Qt.MouseButton.LeftButton)
    assert "break up in the map the model sees (512×512)" in win.banner.label.text()
    assert not win.session.jobs
    # The default pen over the same lines: the model keeps them, and the line goes.
    win.view.document.clear()
    win.view.set_pen_width(4)
    draw(win)

    async def scenario() -> None:
        qtbot.mouseClick(win.generate.button, Qt.MouseButton.LeftButton)
        assert not win.banner.isVisible()
        await until(lambda: win.session.jobs
                    and win.session.jobs[0].state is JobState.DONE, what="the job")

    run(aloop, scenario())
    assert len(fake_api.submits) == 1
