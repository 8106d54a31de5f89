"""Lineage and comparison in the real window (offscreen, the qasync loop, the scripted
backend, real SQLite): restore a result's sketch (and undo it), the scribble over the
result at an opacity, previous/next with the arrow keys, compare two picked results,
and "more like this" through the session."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageFilter
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QColor, QContextMenuEvent
from PySide6.QtWidgets import QApplication, QToolButton
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.gallery import PAGE, GalleryItem
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.results import GenerationResult, check_image
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.main import build_window, start
from scribble_studio.services.backends import JobEvents, JobRequest
from scribble_studio.services.history import HistoryStore
from scribble_studio.ui.main_window import MainWindow
from scribble_studio.ui.result_viewer import ResultViewer, fitted
from scribble_studio.ui.variations_dialog import VariationsDialog
from tests.asyncqt import run, until
from tests.fakes.scripted_backend import ScriptedBackend
from tests.fakes.segmind_server import API_KEY, result_jpeg
from tests.fakes.sketches import drawn_sketch
from tests.pointer import drag
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
        await until(lambda: job.history_id in win.gallery.cards, what="the card")
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


def thumb(win: MainWindow, gen_id: int, index: int) -> QToolButton:
    return win.gallery.cards[gen_id].buttons[index]


def menu_entry(win: MainWindow, qtbot: QtBot, gen_id: int, index: int, text: str) -> None:
    """Right-click a thumbnail and click ``text`` in its menu."""
    button = thumb(win, gen_id, index)
    where = button.rect().center()
    QApplication.sendEvent(button, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, where,
                                                     button.mapToGlobal(where)))
    menu = win.gallery.menu
    qtbot.waitExposed(menu)
    action = next(a for a in menu.actions() if a.text() == text)
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


def open_viewer(aloop: asyncio.AbstractEventLoop, win: MainWindow, qtbot: QtBot,
                gen_id: int, index: int) -> ResultViewer:
    qtbot.mouseClick(thumb(win, gen_id, index), Qt.MouseButton.LeftButton)

    async def shown() -> None:
        await until(lambda: win.gallery.viewer is not None and win.gallery.viewer.item
                    is not None and win.gallery.viewer.item.entry.id == gen_id
                    and win.gallery.viewer.index == index, what="the viewer")

    run(aloop, shown())
    viewer = win.gallery.viewer
    assert viewer is not None
    qtbot.waitActive(viewer)  # (its keys are the window's shortcuts)
    return viewer


def test_restore_puts_the_sketch_back_at_its_size_and_ctrl_z_undoes_it(
        aloop: asyncio.AbstractEventLoop, win: MainWindow, qtbot: QtBot) -> None:
    first, _second = two_generations(aloop, win, qtbot)
    doc = win.view.document
    doc.resize_canvas(QSize(640, 512))  # the canvas changed size since the first result
    drawing_before = doc.ink_mask().tobytes()
    win.generate.params.steps.setValue(44)
    menu_entry(win, qtbot, first, 0, "Restore sketch")

    async def restored() -> None:
        await until(lambda: doc.size() == QSize(512, 512), what="the restore")

    run(aloop, restored())
    assert doc.ink_mask().tobytes() == stored_ink(win, first).tobytes()
    assert win.generate.params.steps.value() == 44  # "Restore sketch" leaves the parameters
    assert doc.undo_stack.undoText() == "Restore sketch"
    assert f"Sketch of generation {first} restored" in win.status.currentMessage()
    qtbot.keyClick(win.view, Qt.Key.Key_Z, CTRL)
    assert doc.size() == QSize(640, 512)
    assert doc.ink_mask().tobytes() == drawing_before

    menu_entry(win, qtbot, first, 1, "Restore sketch and parameters")
    run(aloop, restored())
    assert win.generate.params.steps.value() == 20
    assert doc.ink_mask().tobytes() == stored_ink(win, first).tobytes()


def test_overlay_shows_the_scribble_ink_at_the_set_opacity(
        aloop: asyncio.AbstractEventLoop, win: MainWindow, qtbot: QtBot) -> None:
    stroke(win, [(-150, -100), (0, 0), (150, -100)])
    gen_id = generate(aloop, win, qtbot, samples=1)
    viewer = open_viewer(aloop, win, qtbot, gen_id, 0)
    canvas = viewer.canvas
    without = canvas.grab().toImage()
    qtbot.keyClick(viewer, Qt.Key.Key_O)
    viewer.opacity.setValue(50)

    async def overlaid() -> None:
        await until(lambda: canvas.overlay is not None, what="the overlay")

    run(aloop, overlaid())
    with_overlay = canvas.grab().toImage()
    ink = stored_ink(win, gen_id)
    inside = ink.filter(ImageFilter.MinFilter(9))  # well inside a line
    outside = ink.filter(ImageFilter.MaxFilter(9))  # well away from every line
    rect = canvas.image_rect()

    def at(x: int, y: int) -> QPoint:
        return QPoint(rect.x() + round((x + 0.5) * rect.width() / ink.width),
                      rect.y() + round((y + 0.5) * rect.height() / ink.height))

    ink_points = [(x, y) for y in range(0, ink.height, 7) for x in range(0, ink.width, 7)
                  if inside.getpixel((x, y)) == 255][:40]
    paper_points = [(x, y) for y in range(0, ink.height, 23) for x in range(0, ink.width, 23)
                    if outside.getpixel((x, y)) == 0][:40]
    assert len(ink_points) >= 10 and len(paper_points) >= 10
    assert canvas.overlay is not None
    layer = canvas.overlay.pixelColor(*ink_points[0])
    assert layer.alpha() == 255
    ink_colour = QColor(layer.rgb())  # (the layer's colour is picked to stand out)
    assert ink_colour.getRgb()[:3] in [(236, 0, 140), (0, 190, 255), (40, 220, 40)]
    for x, y in ink_points:
        base, shown = without.pixelColor(at(x, y)), with_overlay.pixelColor(at(x, y))
        for channel in ("red", "green", "blue"):
            expected = getattr(base, channel)() * 0.5 + getattr(ink_colour, channel)() * 0.5
            assert abs(getattr(shown, channel)() - expected) <= 6, (x, y, channel)
    for x, y in paper_points:
        assert with_overlay.pixelColor(at(x, y)) == without.pixelColor(at(x, y))
    qtbot.keyClick(viewer, Qt.Key.Key_Up)
    assert viewer.opacity.value() == 60 and canvas.opacity == 0.6
    qtbot.keyClick(viewer, Qt.Key.Key_O)  # off again
    assert canvas.overlay is None and not viewer.opacity.isEnabled()


def test_arrow_keys_move_across_images_and_generations_in_one_reused_window(
        aloop: asyncio.AbstractEventLoop, win: MainWindow, qtbot: QtBot) -> None:
    first, second = two_generations(aloop, win, qtbot)
    viewer = open_viewer(aloop, win, qtbot, second, 1)

    def showing() -> tuple[int, int]:
        assert viewer.item is not None
        return viewer.item.entry.id, viewer.index

    async def key_to(key: Qt.Key, expected: tuple[int, int]) -> None:
        qtbot.keyClick(viewer, key)
        await until(lambda: showing() == expected, what=f"{expected}")

    run(aloop, key_to(Qt.Key.Key_Right, (first, 0)))  # past the generation's last image
    assert "Image 1 of 2 · generation" in viewer.where.text()
    run(aloop, key_to(Qt.Key.Key_Right, (first, 1)))
    assert not viewer.buttons["next"].isEnabled()  # the oldest: nothing further
    run(aloop, key_to(Qt.Key.Key_Left, (first, 0)))
    run(aloop, key_to(Qt.Key.Key_Left, (second, 1)))
    assert win.gallery.viewer is viewer  # one window, reused
    qtbot.keyClick(viewer, Qt.Key.Key_S)  # star
    assert win.gallery.cards[second].star.isChecked()
    assert viewer.buttons["star"].text() == "★"
    viewer.close()

    async def freed() -> None:
        await until(lambda: win.gallery.viewer is None, what="the viewer freed")

    run(aloop, freed())
    again = open_viewer(aloop, win, qtbot, first, 0)
    assert again is not viewer  # a new one once the old one is freed
    menu_entry(win, qtbot, first, 1, "Delete")  # what it shows is gone: it closes
    run(aloop, freed())


def test_compare_two_ctrl_clicked_results_lists_what_differs(
        aloop: asyncio.AbstractEventLoop, win: MainWindow, qtbot: QtBot) -> None:
    first, second = two_generations(aloop, win, qtbot)
    assert not win.gallery.compare_button.isVisible()
    qtbot.mouseClick(thumb(win, first, 0), Qt.MouseButton.LeftButton, CTRL)
    assert win.gallery.viewer is None  # a pick, not an open
    assert "1 of 2 picked" in win.gallery.picked.text()
    assert not win.gallery.compare_button.isEnabled()
    qtbot.mouseClick(thumb(win, second, 1), Qt.MouseButton.LeftButton, CTRL)
    assert win.gallery.compare_button.isEnabled()
    qtbot.mouseClick(win.gallery.compare_button, Qt.MouseButton.LeftButton)

    async def compared() -> None:
        await until(lambda: win.gallery.compare_view is not None
                    and win.gallery.compare_view.table.rowCount() > 0, what="compare")

    run(aloop, compared())
    view = win.gallery.compare_view
    assert view is not None
    rows = {label: (left, right) for label, left, right in view.differences()}
    assert rows["Sketch"] == (f"of generation {first}", f"of generation {second}")
    assert rows["Steps"] == ("20", "30")
    assert "Seed" in rows and "Prompt" not in rows and "Images" not in rows
    left, right = view.canvas.images
    assert left.size() == right.size() == QSize(512, 512)
    assert not view.slider.isEnabled()
    qtbot.mouseClick(view.split_button, Qt.MouseButton.LeftButton)
    assert view.slider.isEnabled() and view.canvas.split_mode
    target = fitted(left.size(), view.canvas.rect())
    quarter = QPoint(target.left() + target.width() // 4, target.center().y())
    qtbot.mouseClick(view.canvas, Qt.MouseButton.LeftButton, pos=quarter)  # the split moves
    assert view.slider.value() == 25
    shown = view.canvas.grab().toImage()
    assert shown.pixelColor(quarter - QPoint(8, 0)) != shown.pixelColor(quarter + QPoint(8, 0))
    qtbot.mouseClick(win.gallery.unpick, Qt.MouseButton.LeftButton)
    assert win.gallery.picker.picks == [] and not win.gallery.compare_button.isVisible()

    # Two images of one generation: nothing differs but chance.
    qtbot.mouseClick(thumb(win, second, 0), Qt.MouseButton.LeftButton, CTRL)
    menu_entry(win, qtbot, second, 1, "Compare with the picked result")

    async def same() -> None:
        await until(lambda: "Same sketch and parameters" in view.same.text(), what="same")

    run(aloop, same())
    assert view is win.gallery.compare_view and view.differences() == []
    menu_entry(win, qtbot, second, 0, "Delete")  # a picked generation deleted: unpicked
    assert win.gallery.picker.picks == []


def test_next_past_the_loaded_page_loads_the_next_one(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    done_history(isolated_environment, PAGE + 5)
    window = build_window(isolated_environment, ENV, None,
                          backend_factory=ScriptedBackend().factory)
    qtbot.addWidget(window)
    window.show()

    async def opened() -> None:
        start(window)
        await until(lambda: len(window.gallery.cards) == PAGE, what="the first page")

    run(aloop, opened())
    try:
        last = window.studio.gallery.items[-1]
        viewer = open_viewer(aloop, window, qtbot, last.entry.id, 0)
        assert viewer.buttons["next"].isEnabled()  # more is in the history

        async def next_page() -> None:
            qtbot.keyClick(viewer, Qt.Key.Key_Right)
            await until(lambda: viewer.item is not None
                        and viewer.item.entry.id == last.entry.id - 1, what="the next page")

        run(aloop, next_page())
        assert len(window.studio.gallery.items) == PAGE + 5
    finally:
        window.studio.runner.shutdown()


def test_more_like_this_sends_n_jobs_of_the_same_sketch_with_new_seeds(
        aloop: asyncio.AbstractEventLoop, win: MainWindow, qtbot: QtBot,
        backend: RecordingBackend) -> None:
    stroke(win, [(-150, -100), (0, 0), (150, -100)])
    gen_id = generate(aloop, win, qtbot, samples=2)
    win.view.document.clear()  # what is on the canvas now does not matter
    entry = win.session.store.get(gen_id)
    assert entry is not None
    sent_before = len(backend.scribbles)

    async def estimated() -> VariationsDialog:
        menu_entry(win, qtbot, gen_id, 0, "More like this…")  # (the estimate is async)
        dialog = win.gallery.variations
        assert dialog is not None
        qtbot.waitExposed(dialog)
        qtbot.keyClick(dialog.count, Qt.Key.Key_Down)  # 4 (the default) → 3
        await until(lambda: "3 jobs, 6 images" in dialog.estimate.text(), what="estimate")
        return dialog

    dialog = run(aloop, estimated())
    assert dialog.estimate.text().startswith("≈ $0.0")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)

    async def sent() -> None:
        await until(lambda: len(backend.scribbles) == sent_before + 3, what="three jobs")
        await until(lambda: all(j.state is JobState.DONE for j in win.session.jobs))

    run(aloop, sent())
    original = win.session.store.read_file(entry.scribble)
    assert backend.scribbles[sent_before:] == [original] * 3
    seeds = [call.params.seed for call in backend.runs[-3:] if call.params is not None]
    assert len(set(seeds)) == 3 and entry.params.seed not in seeds
    for call in backend.runs[-3:]:
        assert call.params is not None
        assert call.params.prompt == entry.params.prompt
        assert call.params.samples == 2


def test_a_result_whose_sketch_file_is_gone_says_so_and_leaves_the_canvas(
        aloop: asyncio.AbstractEventLoop, win: MainWindow, qtbot: QtBot) -> None:
    stroke(win, [(-150, -100), (0, 0), (150, -100)])
    gen_id = generate(aloop, win, qtbot, samples=1)
    entry = win.session.store.get(gen_id)
    assert entry is not None
    win.session.store.image_path(entry.scribble).unlink()
    drawing = win.view.document.ink_mask().tobytes()
    item: GalleryItem = win.gallery.cards[gen_id].item
    assert item.entry.id == gen_id
    menu_entry(win, qtbot, gen_id, 0, "Restore sketch")

    async def told() -> None:
        await until(lambda: win.banner.isVisible()
                    and "sketch of this result is missing" in win.banner.label.text())

    run(aloop, told())
    assert win.view.document.ink_mask().tobytes() == drawing
