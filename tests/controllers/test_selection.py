"""The selection on the ink layer, through a real document: a move by whole pixels is
lossless and one undo step, putting the ink back where it was is none, a lasso takes
only what is inside it, a scaled or turned selection stays two-level, a paste floats
until it is applied, and cancel puts everything back."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops
from PySide6.QtCore import QPoint, QPointF, QRect, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.ink_patches import ALPHA8
from scribble_studio.controllers.qt_images import alpha_to_pil

pytestmark = pytest.mark.usefixtures("qapp")


def with_ink(*boxes: QRect, size: QSize | None = None) -> CanvasDocument:
    """A document whose layer has solid ink in ``boxes`` (loaded: no undo step)."""
    size = size or QSize(200, 200)
    image = QImage(size, ALPHA8)
    image.fill(0)
    painter = QPainter(image)
    for box in boxes:
        painter.fillRect(box, QColor(0, 0, 0, 255))
    painter.end()
    doc = CanvasDocument(size)
    doc.load_ink(image)
    return doc


def layer(doc: CanvasDocument) -> Image.Image:
    return alpha_to_pil(doc.image)


def ink_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    return image.getbbox()


def levels(image: Image.Image) -> set[int]:
    return {level for level, count in enumerate(image.histogram()) if count}


def same(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a, b).getbbox() is None


def test_a_move_by_whole_pixels_is_lossless_and_one_undo_step(qtbot: QtBot) -> None:
    doc = with_ink(QRect(20, 30, 40, 25))
    before = layer(doc)
    selection = doc.selection
    with qtbot.waitSignal(selection.active_changed) as activated:
        selection.select_rect(QRect(10, 20, 60, 45))
    assert activated.args == [True] and selection.active and not selection.is_floating
    selection.move_by(50, 70)
    assert selection.is_floating and selection.is_identity
    assert doc.has_ink() and ink_box(layer(doc)) is None  # lifted: it floats over the layer
    selection.apply()
    assert not selection.is_floating and doc.undo_stack.count() == 1
    assert same(layer(doc), ImageChops.offset(before, 50, 70))
    assert selection.outline().boundingRect().toRect() == QRect(60, 90, 60, 45)
    doc.undo()
    assert same(layer(doc), before)


def test_picked_up_and_put_back_is_no_edit() -> None:
    doc = with_ink(QRect(20, 30, 40, 25))
    before = layer(doc)
    doc.selection.select_rect(QRect(10, 20, 60, 45))
    doc.selection.move_by(5, 0)
    doc.selection.move_by(-5, 0)
    doc.selection.apply()
    assert doc.undo_stack.count() == 0 and same(layer(doc), before)
    assert doc.selection.active  # the outline stays


def test_cancel_puts_the_ink_back_and_leaves_no_undo_step() -> None:
    doc = with_ink(QRect(20, 30, 40, 25))
    before = layer(doc)
    selection = doc.selection
    selection.select_rect(QRect(10, 20, 60, 45))
    selection.set_geometry(QPointF(13, -7), (1.5, 0.5), 30.0)
    selection.cancel()
    assert same(layer(doc), before) and doc.undo_stack.count() == 0
    assert not selection.is_floating and selection.is_identity
    assert selection.outline().boundingRect().toRect() == QRect(10, 20, 60, 45)


def test_a_lasso_takes_only_the_ink_inside_its_outline() -> None:
    # Two boxes of ink; the triangle holds the first and leaves out the second, which
    # lies inside the triangle's bounding box.
    doc = with_ink(QRect(10, 10, 20, 20), QRect(110, 110, 20, 20))
    triangle = [QPointF(0, 0), QPointF(150, 0), QPointF(0, 150)]
    doc.selection.select_lasso(triangle)
    assert doc.selection.contains(QPointF(20, 20))
    assert not doc.selection.contains(QPointF(130, 130))
    copied = doc.selection.copy_ink()
    assert copied is not None
    ink, rect = copied
    assert rect == QRect(0, 0, 150, 150)
    assert ink_box(alpha_to_pil(ink)) == (10, 10, 30, 30)  # the second box is not in it
    doc.selection.move_by(0, 100)
    doc.selection.apply()
    now = layer(doc)
    assert ink_box(now.crop((0, 0, 100, 100))) is None  # the first box has moved down
    assert now.getpixel((20, 120)) == 255
    assert now.getpixel((120, 120)) == 255  # the second is where it was


def test_a_lasso_of_fewer_than_three_points_selects_nothing() -> None:
    doc = with_ink(QRect(10, 10, 20, 20))
    doc.selection.select_lasso([QPointF(0, 0), QPointF(50, 50)])
    assert not doc.selection.active and doc.selection.copy_ink() is None


def test_scaled_and_turned_ink_is_applied_two_level() -> None:
    doc = with_ink(QRect(60, 60, 30, 9))
    doc.selection.select_rect(QRect(50, 50, 50, 30))
    doc.selection.set_geometry(QPointF(3.5, 0), (1.7, 1.3), 17.0)
    ink, _target = doc.selection.rendered()
    assert levels(alpha_to_pil(ink)) <= {0, 255}
    doc.selection.apply()
    pixels = layer(doc)
    assert levels(pixels) == {0, 255}  # no grey halo reaches the map
    scaled = pixels.histogram()[255]
    assert 1.7 * 1.3 * 30 * 9 * 0.8 < scaled < 1.7 * 1.3 * 30 * 9 * 1.2
    assert doc.undo_stack.count() == 1


def test_delete_clears_the_selected_ink_as_one_step_and_keeps_the_outline() -> None:
    doc = with_ink(QRect(20, 20, 30, 30), QRect(120, 120, 30, 30))
    before = layer(doc)
    doc.selection.select_rect(QRect(0, 0, 100, 100))
    doc.selection.delete()
    assert ink_box(layer(doc)) == (120, 120, 150, 150)
    assert doc.selection.active and doc.undo_stack.count() == 1
    assert doc.undo_stack.text(0) == "Delete selection"
    doc.undo()
    assert same(layer(doc), before)


def test_a_paste_floats_where_it_is_put_until_it_is_applied() -> None:
    doc = with_ink(QRect(0, 0, 10, 10))
    before = layer(doc)
    pasted = QImage(16, 8, ALPHA8)
    pasted.fill(255)
    doc.selection.float_image(pasted, QPoint(100, 50), "Paste")
    assert doc.selection.is_floating and same(layer(doc), before)
    assert ink_box(alpha_to_pil(doc.composed_ink()).crop((90, 40, 130, 70))) == (10, 10, 26, 18)
    doc.selection.apply()  # not moved, yet an edit: the ink is new
    assert ink_box(layer(doc).crop((90, 40, 130, 70))) == (10, 10, 26, 18)
    assert doc.undo_stack.count() == 1 and doc.undo_stack.text(0) == "Paste"


def test_a_cancelled_paste_leaves_nothing_not_even_an_outline(qtbot: QtBot) -> None:
    doc = with_ink(QRect(0, 0, 10, 10))
    before = layer(doc)
    pasted = QImage(16, 8, ALPHA8)
    pasted.fill(255)
    doc.selection.float_image(pasted, QPoint(100, 50), "Paste")
    with qtbot.waitSignal(doc.selection.active_changed) as deactivated:
        doc.selection.cancel()
    assert deactivated.args == [False] and not doc.selection.active
    assert same(layer(doc), before) and doc.undo_stack.count() == 0


def test_a_new_selection_first_puts_the_moved_ink_down() -> None:
    doc = with_ink(QRect(20, 20, 20, 20))
    doc.selection.select_rect(QRect(10, 10, 40, 40))
    doc.selection.move_by(100, 0)
    doc.selection.select_rect(QRect(0, 150, 10, 10))
    assert not doc.selection.is_floating and doc.undo_stack.count() == 1
    assert ink_box(layer(doc)) == (120, 20, 140, 40)


def test_the_selection_is_clipped_to_the_canvas_and_drop_deselects(qtbot: QtBot) -> None:
    doc = with_ink(QRect(0, 0, 10, 10), size=QSize(100, 80))
    doc.selection.select_rect(QRect(-50, -50, 400, 400))
    assert doc.selection.outline().boundingRect().toRect() == QRect(0, 0, 100, 80)
    rects: list[QRect] = []
    doc.selection.changed.connect(rects.append)
    with qtbot.waitSignal(doc.selection.active_changed) as dropped:
        doc.selection.drop()
    assert dropped.args == [False] and not doc.selection.active
    assert rects and rects[-1].contains(QRect(0, 0, 100, 80))  # the old outline repaints
    assert doc.selection.bounds().isNull()


def test_select_all_then_copy_gives_the_whole_layer() -> None:
    doc = with_ink(QRect(5, 5, 10, 10), QRect(150, 150, 20, 20))
    doc.selection.select_all()
    copied = doc.selection.copy_ink()
    assert copied is not None
    ink, rect = copied
    assert rect == QRect(0, 0, 200, 200) and same(alpha_to_pil(ink), layer(doc))
