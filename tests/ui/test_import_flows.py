"""Importing onto a drawing: the dialog asks whether to replace it or add to it, and
traces a photo's colour edges with the thickness it is given."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw
from PySide6.QtCore import QPointF
from pytestqt.qtbot import QtBot

from scribble_studio.domain.scribble_import import ImportMode
from scribble_studio.ui.import_dialog import ImportDialog
from scribble_studio.ui.main_window import MainWindow
from tests.pointer import drag


def photo(path: Path) -> Path:
    """A yellow sun on a blue sky, with a soft gradient so it reads as a photo."""
    sky = Image.linear_gradient("L").resize((512, 512)).point(lambda v: 160 + v // 4)
    picture = Image.merge("RGB", (sky.point(lambda v: v // 3), sky.point(lambda v: v // 2), sky))
    ImageDraw.Draw(picture).ellipse((156, 156, 356, 356), fill=(250, 220, 40))
    picture.save(path, quality=92)
    return path


def stroke(window: MainWindow) -> None:
    """A pen line from (20, 20) to (200, 20), document pixels."""
    view = window.view
    a, b = view.to_view(QPointF(20, 20)), view.to_view(QPointF(200, 20))
    drag(view.viewport(), [(a.x(), a.y()), (b.x(), b.y())])


def open_import(window: MainWindow, qtbot: QtBot, path: Path) -> ImportDialog:
    with qtbot.waitSignal(window.files.import_ready, timeout=5000):
        window.files.open_path(path, as_import=True)
    dialog = window.import_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.importer.ready, timeout=5000)  # guessed on a worker
    return dialog


def test_adding_keeps_the_drawing_and_is_one_undo_step(window: MainWindow, qtbot: QtBot,
                                                       tmp_path: Path) -> None:
    stroke(window)
    doc = window.view.document
    dialog = open_import(window, qtbot, photo(tmp_path / "sun.jpg"))
    assert dialog.importer.mode is ImportMode.PHOTO
    assert dialog.add.isEnabled() and dialog.replace.isChecked()  # asked; replace unless told
    dialog.add.click()
    dialog.thickness.setValue(5)
    with qtbot.waitSignal(dialog.importer.applied, timeout=10000):
        dialog.accept()
    mask = doc.ink_mask()
    assert mask.getpixel((100, 20)) == 255  # the stroke stayed
    column = [y for y in range(140, 175) if mask.getpixel((256, y))]
    assert column and 4 <= len(column) <= 7  # the sun's top edge, 5 px thick
    assert doc.undo_stack.count() == 2
    doc.undo()
    assert doc.ink_mask().getpixel((256, 156)) == 0 and doc.ink_mask().getpixel((100, 20))


def test_replacing_drops_the_drawing(window: MainWindow, qtbot: QtBot,
                                     tmp_path: Path) -> None:
    stroke(window)
    dialog = open_import(window, qtbot, photo(tmp_path / "sun.jpg"))
    with qtbot.waitSignal(dialog.importer.applied, timeout=10000):
        dialog.accept()
    mask = window.view.document.ink_mask()
    assert mask.getpixel((100, 20)) == 0
    assert any(mask.getpixel((256, y)) for y in range(140, 175))


def test_on_a_blank_canvas_there_is_nothing_to_ask(window: MainWindow, qtbot: QtBot,
                                                   tmp_path: Path) -> None:
    dialog = open_import(window, qtbot, photo(tmp_path / "sun.jpg"))
    assert not dialog.add.isEnabled() and not dialog.replace.isEnabled()
    dialog.reject()
