"""The world the lineage tests run in: the real window on the qasync loop with the
scripted backend (recording the scribble bytes each job arrives with) and real SQLite,
and the user's steps: draw, generate, right-click a thumbnail, open the large view."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.results import GenerationResult, check_image
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.main import build_window, start
from scribble_studio.services.backends import JobEvents, JobRequest
from scribble_studio.services.history import HistoryStore
from scribble_studio.ui.main_window import MainWindow
from scribble_studio.ui.result_viewer import ResultViewer
from tests.asyncqt import run, until
from tests.fakes.scripted_backend import ScriptedBackend
from tests.fakes.segmind_server import API_KEY, result_jpeg
from tests.fakes.sketches import drawn_sketch
from tests.pointer import drag
from tests.ui.gallery_helpers import click_thumb, rows
from tests.ui.test_app_flows import fill

ENV = {"SEGMIND_API_KEY": API_KEY, "SCRIBBLE_STUDIO_API_BASE": "http://127.0.0.1:9/v1"}
CTRL = Qt.KeyboardModifier.ControlModifier



class RecordingBackend(ScriptedBackend):
    """The scripted backend, also keeping the scribble bytes each job arrived with."""

    def __init__(self) -> None:
        super().__init__()
        self.scribbles: list[bytes] = []

    async def run(self, request: JobRequest, events: JobEvents) -> GenerationResult:
        self.scribbles.append(request.scribble.png)
        return await super().run(request, events)


@pytest.fixture
def backend() -> RecordingBackend:
    made = RecordingBackend()
    made.image_side = 512  # results as large as the sketch: the overlay lies pixel on pixel
    return made


@pytest.fixture
def win(qtbot: QtBot, isolated_environment: Path, aloop: asyncio.AbstractEventLoop,
        backend: RecordingBackend) -> Iterator[MainWindow]:
    window = build_window(isolated_environment, ENV, None, backend_factory=backend.factory)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.view.set_pen_width(24)  # lines thick enough to sample inside them

    loaded: list[object] = []
    window.studio.gallery.reset.connect(loaded.append)

    async def opened() -> None:
        start(window)
        await until(lambda: loaded, what="the history opened")
        # (done within this run: what a run leaves running is cancelled at its end)
        await window.session.wait_ready()

    run(aloop, opened())
    yield window
    window.studio.runner.shutdown()


def done_history(home: Path, count: int) -> None:
    """``count`` finished generations, recorded and finished as the outbox does."""
    store = HistoryStore(home)
    scribble = export_scribble(drawn_sketch()).png
    for n in range(count):
        params = GenerationParams(f"tree number {n}", seed=n)
        gen_id = store.record(params, scribble, (512, 512), JobState.QUEUED)
        image = check_image(result_jpeg(64, 64, n, 0))
        store.finish(gen_id, [(image.data, 64, 64)],
                     GenerationResult((image,), params, None, None, 0.1, "v2", 0.003), 0.1)
    store.close()


def stroke(win: MainWindow, points: list[tuple[int, int]]) -> None:
    centre = win.view.viewport().rect().center()
    drag(win.view.viewport(), [(centre.x() + x, centre.y() + y) for x, y in points])


def generate(aloop: asyncio.AbstractEventLoop, win: MainWindow, qtbot: QtBot,
             **fields: object) -> int:
    """Click Generate; wait for the job's card in the gallery; its generation id."""
    fill(win, **fields)

    async def scenario() -> int:
        await until(lambda: win.generate.button.isEnabled())
        before = len(win.session.jobs)
        qtbot.mouseClick(win.generate.button, Qt.MouseButton.LeftButton)
        await until(lambda: len(win.session.jobs) > before)
        job = win.session.jobs[-1]
        await until(lambda: not job.active, what="the job")
        assert job.state is JobState.DONE, job.error
        assert job.history_id is not None
        await until(lambda: job.history_id in rows(win.gallery), what="the row")
        return job.history_id

    return run(aloop, scenario())


def two_generations(aloop: asyncio.AbstractEventLoop, win: MainWindow,
                    qtbot: QtBot) -> tuple[int, int]:
    stroke(win, [(-150, -100), (0, 0), (150, -100)])
    first = generate(aloop, win, qtbot, steps=20, samples=2)
    win.view.document.clear()
    stroke(win, [(-150, 120), (150, 120)])
    second = generate(aloop, win, qtbot, steps=30, samples=2)
    return first, second


def stored_ink(win: MainWindow, gen_id: int) -> Image.Image:
    """The stored scribble of a generation, read here on its own: 255 where ink."""
    store = win.session.store
    entry = store.get(gen_id)
    assert entry is not None
    data = store.read_file(entry.scribble)
    assert data is not None
    gray = Image.open(io.BytesIO(data)).convert("L")
    return gray.point(lambda v: 255 if v < 128 else 0)  # (invert is off: black lines)


def ctrl_click(win: MainWindow, gen_id: int, index: int) -> None:
    """Ctrl+click a thumbnail (a real click at the delegate's rectangle): pick it."""
    click_thumb(win.gallery, gen_id, index, CTRL)


def menu_entry(win: MainWindow, qtbot: QtBot, gen_id: int, index: int, text: str) -> None:
    """Right-click a thumbnail and click ``text`` in its menu."""
    win.gallery.list.scroll_to(gen_id)
    rect = win.gallery.list.thumb_rect(gen_id, index)
    assert rect is not None
    viewport, where = win.gallery.list.viewport(), rect.center()
    QApplication.sendEvent(viewport, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, where,
                                                       viewport.mapToGlobal(where)))
    menu = win.gallery.menu
    qtbot.waitExposed(menu)
    action = next(a for a in menu.actions() if a.text() == text)
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


def open_viewer(aloop: asyncio.AbstractEventLoop, win: MainWindow, qtbot: QtBot,
                gen_id: int, index: int) -> ResultViewer:
    click_thumb(win.gallery, gen_id, index)

    async def shown() -> None:
        await until(lambda: win.gallery.viewer is not None and win.gallery.viewer.item
                    is not None and win.gallery.viewer.item.entry.id == gen_id
                    and win.gallery.viewer.index == index, what="the viewer")

    run(aloop, shown())
    viewer = win.gallery.viewer
    assert viewer is not None
    qtbot.waitActive(viewer)  # (its keys are the window's shortcuts)
    return viewer
