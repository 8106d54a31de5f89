"""The reference picture: its proportions, where it lands (where an import of the same
picture lands), moving and scaling it as a layer of its own, and following a resize."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QPointF, QRectF, QSize
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.qt_images import alpha_to_pil, pil_to_qimage
from scribble_studio.controllers.scribble_importer import make_ink
from scribble_studio.domain.scribble_import import ImportMode
from scribble_studio.ui.canvas_view import CanvasView, Tool
from tests.canvas import at, shown_canvas
from tests.pointer import drag

RED = (220, 30, 30)


@pytest.fixture
def view(qtbot: QtBot) -> CanvasView:
    return shown_canvas(qtbot)


def framed_picture(width: int, height: int) -> Image.Image:
    """A red picture with a black frame: the frame is what an import keeps."""
    picture = Image.new("RGB", (width, height), RED)
    ImageDraw.Draw(picture).rectangle((0, 0, width - 1, height - 1), outline=(0, 0, 0),
                                      width=4)
    return picture



def shown(view: CanvasView, x: float, y: float) -> tuple[int, int, int]:
    shot = view.viewport().grab().toImage()
    colour = shot.pixelColor(view.to_view(QPointF(x, y)).toPoint())
    return colour.red(), colour.green(), colour.blue()


@pytest.mark.parametrize("size", [(400, 200), (150, 600), (512, 512), (1000, 999)])
def test_the_reference_keeps_its_shape_and_lands_where_its_import_does(
        view: CanvasView, size: tuple[int, int]) -> None:
    picture = framed_picture(*size)
    doc = view.document
    doc.set_reference(pil_to_qimage(picture))
    doc.set_reference_opacity(1.0)
    rect = doc.reference_rect
    assert rect.width() / rect.height() == pytest.approx(size[0] / size[1], rel=0.01)
    imported = make_ink(picture, ImportMode.LINE_DRAWING, 127, False, 0.5, doc.size())
    assert imported.getbbox() == (int(rect.left()), int(rect.top()), int(rect.right()),
                                  int(rect.bottom()))
    inside = rect.center()
    assert shown(view, inside.x(), inside.y())[0] > 180  # red, where the picture is
    if rect.top() >= 4:
        assert shown(view, inside.x(), rect.top() - 3) == (255, 255, 255)  # paper above
    if rect.left() >= 4:
        assert shown(view, rect.left() - 3, inside.y()) == (255, 255, 255)


def test_the_reference_moves_and_scales_as_its_own_layer(view: CanvasView) -> None:
    doc = view.document
    drag(view.viewport(), [at(view, 100, 100), at(view, 300, 100)])  # some ink
    ink_before = alpha_to_pil(doc.image).tobytes()
    doc.set_reference(pil_to_qimage(framed_picture(400, 200)))
    assert doc.reference_rect == QRectF(0, 128, 512, 256)
    view.set_edit_reference(True)
    assert view.tool is Tool.SELECT
    drag(view.viewport(), [at(view, 256, 256), at(view, 226, 296)])
    assert doc.reference_rect == QRectF(-30, 168, 512, 256)
    # The bottom-right corner, dragged in: smaller, same proportions, top-left still.
    drag(view.viewport(), [at(view, 482, 424), at(view, 226, 290)])
    rect = doc.reference_rect
    assert rect.topLeft() == QPointF(-30, 168)
    assert rect.width() == pytest.approx(256, abs=2)
    assert rect.width() / rect.height() == pytest.approx(2.0, rel=0.01)
    assert alpha_to_pil(doc.image).tobytes() == ink_before  # the ink never moved
    # Each drag is one undo step, as a layer's move would be; the ink stays put.
    assert doc.undo_stack.count() == 3 and doc.undo_stack.undoText() == "Move reference image"
    doc.undo()
    assert doc.reference_rect == QRectF(-30, 168, 512, 256)
    doc.undo()
    assert doc.reference_rect == QRectF(0, 128, 512, 256)
    assert alpha_to_pil(doc.image).tobytes() == ink_before
    doc.redo()
    doc.redo()
    assert doc.reference_rect == rect
    view.set_edit_reference(False)
    drag(view.viewport(), [at(view, 0, 200), at(view, 20, 220)])  # now a marquee on ink
    assert doc.reference_rect == rect


def test_the_reference_follows_a_canvas_resize_like_the_ink(view: CanvasView) -> None:
    doc = view.document
    doc.set_reference(pil_to_qimage(framed_picture(400, 200)))
    drag(view.viewport(), [at(view, 0, 128), at(view, 100, 128)])  # ink on its top edge
    doc.resize_canvas(QSize(768, 640))
    assert doc.reference_rect == QRectF(128, 192, 512, 256)
    assert alpha_to_pil(doc.image).getpixel((128 + 50, 192)) == 255  # the ink moved alike
    doc.undo()
    assert doc.reference_rect == QRectF(0, 128, 512, 256)
    doc.redo()
    assert doc.reference_rect == QRectF(128, 192, 512, 256)
