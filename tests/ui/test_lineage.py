"""Lineage in the real window (offscreen, the qasync loop, the scripted backend, real
SQLite): restore a result's sketch (and undo it), the scribble over the result at an
opacity, previous/next with the arrow keys (across pages), a sketch file gone missing.
Compare and "more like this": test_lineage_compare.py."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from PIL import Image, ImageFilter
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.gallery import PAGE, GalleryItem
from scribble_studio.main import build_window, start
from scribble_studio.ui.main_window import MainWindow
from tests.asyncqt import run, until
from tests.fakes.scripted_backend import ScriptedBackend
from tests.ui import lineage_world
from tests.ui.gallery_helpers import rows
from tests.ui.lineage_world import (
    CTRL,
    ENV,
    done_history,
    generate,
    menu_entry,
    open_viewer,
    stored_ink,
    stroke,
    two_generations,
)

# The world's fixtures, under the names the tests ask for.
backend, win = lineage_world.backend, lineage_world.win


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

    async def quickly() -> None:  # faster than the images decode: one result a key
        qtbot.keyClick(viewer, Qt.Key.Key_Right)
        qtbot.keyClick(viewer, Qt.Key.Key_Right)
        await until(lambda: showing() == (first, 1), what="two steps")
        qtbot.keyClick(viewer, Qt.Key.Key_Left)
        qtbot.keyClick(viewer, Qt.Key.Key_Left)
        await until(lambda: showing() == (second, 1), what="two steps back")

    run(aloop, quickly())
    qtbot.keyClick(viewer, Qt.Key.Key_S)  # star
    assert rows(win.gallery)[second].entry.starred
    assert viewer.buttons["star"].text() == "★"
    viewer.close()

    async def freed() -> None:
        await until(lambda: win.gallery.viewer is None, what="the viewer freed")

    run(aloop, freed())
    again = open_viewer(aloop, win, qtbot, first, 0)
    assert again is not viewer  # a new one once the old one is freed
    menu_entry(win, qtbot, first, 1, "Delete this image")  # not the one shown: it stays
    assert win.gallery.viewer is again and "Image 1 of 1 · generation" in again.where.text()
    menu_entry(win, qtbot, first, 0, "Delete this image")  # what it shows is gone: it closes
    run(aloop, freed())


def test_next_past_the_loaded_page_loads_the_next_one(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    done_history(isolated_environment, PAGE + 5)
    window = build_window(isolated_environment, ENV, None,
                          backend_factory=ScriptedBackend().factory)
    qtbot.addWidget(window)
    window.show()

    async def opened() -> None:
        start(window)
        await until(lambda: window.gallery.rows.rowCount() == PAGE, what="the first page")

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


def test_a_result_whose_sketch_file_is_gone_says_so_and_leaves_the_canvas(
        aloop: asyncio.AbstractEventLoop, win: MainWindow, qtbot: QtBot) -> None:
    stroke(win, [(-150, -100), (0, 0), (150, -100)])
    gen_id = generate(aloop, win, qtbot, samples=1)
    entry = win.session.store.get(gen_id)
    assert entry is not None
    win.session.store.image_path(entry.scribble).unlink()
    drawing = win.view.document.ink_mask().tobytes()
    item: GalleryItem = rows(win.gallery)[gen_id]
    assert item.entry.id == gen_id
    menu_entry(win, qtbot, gen_id, 0, "Restore sketch")

    async def told() -> None:
        await until(lambda: win.banner.isVisible()
                    and "sketch of this result is missing" in win.banner.label.text())

    run(aloop, told())
    assert win.view.document.ink_mask().tobytes() == drawing


def test_a_sketch_sent_inverted_restores_as_the_same_drawing(
        aloop: asyncio.AbstractEventLoop, win: MainWindow, qtbot: QtBot) -> None:
    win.actions_.invert.trigger()  # white lines on black, as the model was trained
    assert win.studio.settings.current().invert
    stroke(win, [(-150, -100), (0, 0), (150, -100)])
    drawing = win.view.document.ink_mask()
    gen_id = generate(aloop, win, qtbot, samples=1)
    entry = win.session.store.get(gen_id)
    assert entry is not None
    data = win.session.store.read_file(entry.scribble)
    assert data is not None
    assert Image.open(io.BytesIO(data)).convert("L").getpixel((0, 0)) == 0  # black paper
    win.view.document.clear()
    menu_entry(win, qtbot, gen_id, 0, "Restore sketch")

    async def restored() -> None:
        await until(lambda: win.view.document.has_ink(), what="the restore")

    run(aloop, restored())
    assert win.view.document.ink_mask().tobytes() == drawing.tobytes()


def test_saving_a_result_starts_where_the_last_export_went_from_menu_and_large_view(
        aloop: asyncio.AbstractEventLoop, win: MainWindow, qtbot: QtBot,
        tmp_path: Path) -> None:
    first, _second = two_generations(aloop, win, qtbot)
    exports = tmp_path / "exports"
    exports.mkdir()
    menu_entry(win, qtbot, first, 0, "Save as PNG…")
    dialog = win.gallery.save_dialog
    assert dialog is not None
    dialog.selectFile(str(exports / "first.png"))
    with qtbot.waitSignal(win.studio.gallery.saved, timeout=5000):
        dialog.accept()
    assert (exports / "first.png").is_file()
    assert win.studio.settings.current().folder_export_image == str(exports)
    viewer = open_viewer(aloop, win, qtbot, first, 1)
    qtbot.keyClick(viewer, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    again = win.gallery.save_dialog
    assert again is not None and again is not dialog and again.parent() is viewer
    assert Path(again.directory().absolutePath()) == exports  # remembered
    again.reject()
