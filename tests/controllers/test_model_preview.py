""""What the model sees": while on, the map follows every edit of the document rectangle
by rectangle and is, pixel for pixel, the thresholded map that would be sent (plain or
inverted); off, it costs nothing and hears nothing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QRect, QSize
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.model_preview import GRAY8, ModelPreview
from scribble_studio.domain.scribble import binarize

pytestmark = pytest.mark.usefixtures("qapp")


def stroke(doc: CanvasDocument, points: list[tuple[float, float]], width: float = 6,
           erase: bool = False) -> None:
    doc.begin_stroke(QPointF(*points[0]), width, erase=erase)
    for point in points[1:]:
        doc.extend_stroke(QPointF(*point), width)
    doc.end_stroke()


def levels(image: QImage) -> bytes:
    """The Grayscale8 image's pixels, row padding left out."""
    assert image.format() == GRAY8
    raw = bytes(image.constBits())
    stride, width = image.bytesPerLine(), image.width()
    return b"".join(raw[row * stride:row * stride + width] for row in range(image.height()))


def sent_map(doc: CanvasDocument, invert: bool) -> bytes:
    """The map computed from scratch, as the export thresholds it."""
    return binarize(doc.darkness_image(), invert).tobytes()


def test_on_it_shows_the_drawing_as_the_thresholded_map() -> None:
    doc = CanvasDocument(QSize(203, 117))  # odd sizes: rows padded to four bytes
    stroke(doc, [(10, 10), (190, 100)])
    preview = ModelPreview(doc)
    preview.set_active(True)
    assert preview.image.size() == QSize(203, 117)
    assert levels(preview.image) == sent_map(doc, invert=False)
    assert preview.image.pixelColor(100, 55).red() == 0  # black ink on white paper
    assert preview.image.pixelColor(5, 110).red() == 255


def test_each_edit_updates_only_its_rectangle_and_stays_equal_to_the_map(
        qtbot: QtBot) -> None:
    doc = CanvasDocument(QSize(256, 256))
    preview = ModelPreview(doc)
    preview.set_active(True)
    rects: list[QRect] = []
    preview.changed.connect(rects.append)
    with qtbot.waitSignal(preview.changed):
        stroke(doc, [(20, 20), (60, 40)])
    assert rects and all(r.width() < 100 and r.height() < 100 for r in rects)
    assert levels(preview.image) == sent_map(doc, invert=False)
    stroke(doc, [(30, 10), (30, 200)], width=12, erase=True)
    stroke(doc, [(100, 100), (250, 250)], width=3)
    assert levels(preview.image) == sent_map(doc, invert=False)
    doc.undo()  # an undo is an edit of the layer like any other
    assert levels(preview.image) == sent_map(doc, invert=False)


def test_inverted_it_shows_white_strokes_on_black_at_once_and_after_edits() -> None:
    doc = CanvasDocument(QSize(128, 128))
    stroke(doc, [(10, 64), (118, 64)])
    preview = ModelPreview(doc)
    preview.set_active(True)
    preview.set_invert(True)
    assert levels(preview.image) == sent_map(doc, invert=True)
    assert preview.image.pixelColor(64, 64).red() == 255
    stroke(doc, [(64, 10), (64, 118)])
    assert levels(preview.image) == sent_map(doc, invert=True)
    preview.set_invert(False)
    assert levels(preview.image) == sent_map(doc, invert=False)


def test_a_resized_canvas_gives_a_map_of_the_new_size() -> None:
    doc = CanvasDocument(QSize(256, 256))
    stroke(doc, [(0, 128), (256, 128)])
    preview = ModelPreview(doc)
    preview.set_active(True)
    doc.resize_canvas(QSize(320, 200))
    assert preview.image.size() == QSize(320, 200)
    assert levels(preview.image) == sent_map(doc, invert=False)
    doc.undo()
    assert preview.image.size() == QSize(256, 256)
    assert levels(preview.image) == sent_map(doc, invert=False)


def test_whoever_shows_the_map_sees_it_resized_and_inverted_in_the_same_image() -> None:
    # The canvas view is handed the image once, when the preview is turned on.
    doc = CanvasDocument(QSize(256, 256))
    stroke(doc, [(0, 128), (256, 128)])
    preview = ModelPreview(doc)
    preview.set_active(True)
    shown = preview.image
    doc.resize_canvas(QSize(400, 300))
    assert shown.size() == QSize(400, 300)
    assert levels(shown) == sent_map(doc, invert=False)
    preview.set_invert(True)
    assert levels(shown) == sent_map(doc, invert=True)


def test_a_draft_loaded_at_another_size_is_shown_whole() -> None:
    doc = CanvasDocument(QSize(256, 256))
    preview = ModelPreview(doc)
    preview.set_active(True)
    other = CanvasDocument(QSize(300, 180))
    stroke(other, [(5, 5), (295, 175)])
    doc.load_ink(other.image)
    assert preview.image.size() == QSize(300, 180)
    assert levels(preview.image) == sent_map(doc, invert=False)


def test_off_it_holds_no_image_and_ignores_edits() -> None:
    doc = CanvasDocument(QSize(128, 128))
    preview = ModelPreview(doc)
    assert not preview.active and preview.image.isNull()
    preview.set_active(True)
    preview.set_active(True)  # twice on is once on (one connection, not two)
    rects: list[QRect] = []
    preview.changed.connect(rects.append)
    stroke(doc, [(10, 10), (20, 20)])
    assert len(rects) == 2  # the press's dot, then the segment: once each
    preview.set_active(False)
    assert preview.image.isNull()
    stroke(doc, [(50, 50), (90, 90)])
    preview.set_invert(True)  # remembered for next time, no work now
    assert len(rects) == 2 and preview.image.isNull()
    preview.set_active(True)
    assert levels(preview.image) == sent_map(doc, invert=True)


def test_an_edit_outside_the_canvas_changes_nothing() -> None:
    doc = CanvasDocument(QSize(64, 64))
    preview = ModelPreview(doc)
    preview.set_active(True)
    rects: list[QRect] = []
    preview.changed.connect(rects.append)
    doc.changed.emit(QRect(100, 100, 10, 10))  # (a repaint request past the edge)
    assert rects == []
