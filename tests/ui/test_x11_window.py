"""In a real X11 window (make test-x11, under Xvfb): draw with real pointer events from
the X server, generate against the fake server, save a screenshot."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

from scribble_studio.domain.job_state import JobState
from scribble_studio.ui.main_window import MainWindow
from tests.asyncqt import run, until
from tests.fakes.segmind_server import FakeSegmind

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
        await until(lambda: win.gallery.cards, what="the thumbnail")
        await asyncio.sleep(0.2)

    run(aloop, scenario(), timeout=60)
    assert win.session.jobs[0].state is JobState.DONE and fake_api.billed == 1
    ARTIFACTS.mkdir(exist_ok=True)
    shot = win.grab()
    assert shot.save(str(ARTIFACTS / "x11-main-window.png"))
    assert shot.width() >= win.width()
