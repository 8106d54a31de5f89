"""In a real X11 window (make test-x11, under Xvfb): draw with real pointer events from
the X server, generate against the fake server, save a screenshot."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from scribble_studio.domain.job_state import JobState
from scribble_studio.ui.main_window import MainWindow
from tests.asyncqt import run, until
from tests.fakes.segmind_server import FakeSegmind
from tests.ui.gallery_helpers import shown_loaded

pytestmark = [
    pytest.mark.x11,
    pytest.mark.skipif(os.environ.get("QT_QPA_PLATFORM") != "xcb",
                       reason="needs a real X server (make test-x11)"),
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


async def xdotool(*args: str) -> None:
    process = await asyncio.create_subprocess_exec("xdotool", *args)
    assert await process.wait() == 0, args


def test_draw_with_real_pointer_events_and_generate(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow,
        fake_api: FakeSegmind) -> None:
    assert QGuiApplication.platformName() == "xcb"
    assert shutil.which("xdotool"), "xdotool is needed (packaging/linux-deps.sh)"
    win = app_window
    win.generate.params.prompt.setPlainText("a cottage in the woods")
    win.activateWindow()

    async def scenario() -> None:
        await until(win.isActiveWindow, what="the window to be active")
        view = win.view
        start = view.viewport().mapToGlobal(view.viewport().rect().center())
        await xdotool("mousemove", str(start.x() - 150), str(start.y() - 60))
        await xdotool("mousedown", "1")
        for step in range(1, 31):
            await xdotool("mousemove", str(start.x() - 150 + step * 10),
                          str(start.y() - 60 + (step % 6) * 18))
        await xdotool("mouseup", "1")
        await until(lambda: view.document.undo_stack.count() == 1, what="the stroke")
        assert view.document.has_ink()
        await xdotool("key", "--clearmodifiers", "ctrl+Return")
        await until(lambda: win.session.jobs and not win.session.active_jobs, what="the job")
        await until(lambda: win.gallery.rows.rowCount(), what="the thumbnail")
        await asyncio.sleep(0.2)

    run(aloop, scenario(), timeout=60)
    assert win.session.jobs[0].state is JobState.DONE and fake_api.billed == 1
    ARTIFACTS.mkdir(exist_ok=True)
    shot = win.grab()
    assert shot.save(str(ARTIFACTS / "x11-main-window.png"))
    assert shot.width() >= win.width()


def test_draw_a_rectangle_select_it_and_move_it_with_real_x11_events(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow,
        fake_api: FakeSegmind) -> None:
    """R, drag a rectangle; M, drag a marquee around it, drag it elsewhere, Enter, then
    Ctrl+Return: the scribble the server receives has the rectangle in the new place
    only."""
    import base64
    import io

    from PIL import Image
    from PySide6.QtCore import QPointF

    from scribble_studio.domain.scribble import export_scribble
    from scribble_studio.ui.canvas_view import Tool

    win = app_window
    view = win.view
    win.activateWindow()

    def screen(x: float, y: float) -> tuple[str, str]:
        p = view.viewport().mapToGlobal(view.to_view(QPointF(x, y)).toPoint())
        return str(p.x()), str(p.y())

    async def pointer_drag(points: list[tuple[float, float]]) -> None:
        await xdotool("mousemove", *screen(*points[0]))
        await xdotool("mousedown", "1")
        for point in points[1:]:
            await xdotool("mousemove", *screen(*point))
        await xdotool("mouseup", "1")

    async def scenario() -> None:
        await until(win.isActiveWindow, what="the window to be active")
        view.setFocus()
        await xdotool("key", "r")
        await until(lambda: view.tool is Tool.RECTANGLE, what="the rectangle tool")
        await pointer_drag([(100, 100), (160, 140), (220, 180)])
        await until(lambda: view.document.undo_stack.count() == 1, what="the rectangle")
        await xdotool("key", "m")
        await until(lambda: view.tool is Tool.SELECT, what="the select tool")
        await pointer_drag([(80, 80), (160, 150), (240, 200)])
        await until(lambda: view.document.selection.active, what="the selection")
        await pointer_drag([(160, 140), (220, 190), (310, 240)])
        await until(lambda: view.document.selection.is_floating, what="the move")
        await xdotool("key", "Return")
        await until(lambda: view.document.undo_stack.count() == 2, what="the move applied")
        win.generate.params.prompt.setPlainText("a moved box")
        view.setFocus()
        await xdotool("key", "--clearmodifiers", "ctrl+Return")
        await until(lambda: fake_api.submits, what="the job to reach the server")
        await asyncio.sleep(0.2)  # let the screen settle for the screenshot

    run(aloop, scenario(), timeout=60)
    exported = export_scribble(view.document.darkness_image())
    received = base64.b64decode(fake_api.submits[0].body["image"])
    assert received == exported.png  # what the server got is the canvas's map
    sent = Image.open(io.BytesIO(received)).convert("L").point(lambda v: 255 - v)
    found = sent.getbbox()
    assert found is not None
    left, top, right, bottom = found
    assert abs(left - 248) <= 3 and abs(top - 198) <= 3, found
    assert abs(right - 373) <= 3 and abs(bottom - 283) <= 3, found
    assert sent.crop((90, 90, 235, 190)).getbbox() is None  # nothing left behind
    ARTIFACTS.mkdir(exist_ok=True)
    assert win.grab().save(str(ARTIFACTS / "x11-moved-rectangle.png"))


def test_a_1366x768_laptop_screen_in_a_real_window(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    """A first start (no key, a few results) at 1366 × 768 in a real X11 window: the
    window takes the size, Generate is in view and nothing covers it, the gallery shows a
    whole row of thumbnails, and the first-run hint sits over the canvas."""
    from PySide6.QtCore import QPoint, QRect, QSize
    from PySide6.QtGui import QRegion

    from scribble_studio.main import build_window, start
    from tests.fakes.history_data import finished_generations
    from tests.ui.conftest import LOOPBACK

    finished_generations(isolated_environment, 3)
    win = build_window(isolated_environment, LOOPBACK, None)
    qtbot.addWidget(win)
    size = QSize(1366, 768)
    win.resize(size)
    win.show()

    async def scenario() -> None:
        await until(lambda: win.isVisible() and win.size() == size, what="the window")
        start(win)
        await until(lambda: win.gallery.rows.rowCount() == 3
                    and shown_loaded(win.gallery), what="the gallery")
        await until(lambda: win.windowHandle().isExposed(), what="the window on screen")

    try:
        run(aloop, scenario(), timeout=60)
        assert QGuiApplication.platformName() == "xcb"
        assert win.frameGeometry().height() <= 768 and win.size() == size
        button = win.generate.button
        where = QRect(button.mapTo(win, QPoint(0, 0)), button.size())
        assert button.isVisible() and win.rect().contains(where), where
        assert button.visibleRegion() == QRegion(button.rect())
        # At this height the whole form is in view, nothing to scroll (the Jobs list
        # gave up its room first).
        assert win.generate.scroll_area.verticalScrollBar().maximum() == 0
        viewport = win.gallery.list.viewport()
        thumb = win.gallery.list.thumb_rect(3, 0)
        assert thumb is not None and viewport.rect().contains(thumb)
        hint = win.first_run_hint
        assert hint is not None and hint.isVisible()
        assert hint.parentWidget() is win.view.viewport()
        ARTIFACTS.mkdir(exist_ok=True)
        assert win.grab().save(str(ARTIFACTS / "x11-laptop-1366x768.png"))
    finally:
        win.studio.runner.shutdown()
