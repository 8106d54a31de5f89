"""The document: strokes, undo byte for byte, the memory bound, resize, export."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image
from PySide6.QtCore import QPointF, QSize
from PySide6.QtGui import QColor

from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.qt_images import alpha_to_pil
from scribble_studio.domain.scribble import export_scribble

pytestmark = pytest.mark.usefixtures("qapp")


def pixels(doc: CanvasDocument) -> bytes:
    return alpha_to_pil(doc.image).tobytes()


def stroke(doc: CanvasDocument, points: list[tuple[float, float]], width: float = 4,
           erase: bool = False) -> None:
    doc.begin_stroke(QPointF(*points[0]), width, erase=erase)
    for point in points[1:]:
        doc.extend_stroke(QPointF(*point), width)
    doc.end_stroke()


def test_undo_and_redo_are_byte_identical() -> None:
    doc = CanvasDocument(QSize(512, 512))
    states = [pixels(doc)]
    rng = random.Random(3)
    for _ in range(20):
        stroke(doc, [(rng.uniform(0, 512), rng.uniform(0, 512)) for _ in range(8)],
               width=rng.uniform(1, 30), erase=rng.random() < 0.3)
        states.append(pixels(doc))
    for expected in reversed(states[:-1]):
        doc.undo_stack.undo()
        assert pixels(doc) == expected
    for expected in states[1:]:
        doc.undo_stack.redo()
        assert pixels(doc) == expected


def test_a_finished_stroke_is_not_drawn_twice() -> None:
    # A half-transparent edge drawn twice would get darker: compare to one drawing.
    doc = CanvasDocument(QSize(256, 256))
    doc.begin_stroke(QPointF(10, 10.5), 3)
    doc.extend_stroke(QPointF(200, 100.5), 3)
    live = pixels(doc)
    doc.end_stroke()
    assert pixels(doc) == live
    doc.undo_stack.undo()
    doc.undo_stack.redo()
    assert pixels(doc) == live


def test_each_command_stores_only_the_changed_rectangle() -> None:
    doc = CanvasDocument(QSize(1024, 1024))
    stroke(doc, [(100, 100), (140, 120)], width=6)
    (command,) = doc.history.commands()
    assert command.before.rect.width() < 60 and command.before.rect.height() < 40


def test_at_least_200_levels_within_64_mb() -> None:
    doc = CanvasDocument(QSize(1024, 1024))
    rng = random.Random(5)
    for _ in range(220):
        stroke(doc, [(rng.uniform(0, 1024), rng.uniform(0, 1024)) for _ in range(30)],
               width=rng.uniform(2, 40))
    assert doc.undo_stack.count() >= 200
    assert doc.history.nbytes <= 64 * 2**20


def test_the_memory_budget_drops_the_oldest_levels_only() -> None:
    doc = CanvasDocument(QSize(512, 512), undo_budget_bytes=200_000)
    rng = random.Random(9)
    states = []
    for _ in range(60):
        # Noisy wide strokes compress badly, so the budget is reached quickly.
        stroke(doc, [(rng.uniform(0, 512), rng.uniform(0, 512)) for _ in range(40)],
               width=rng.uniform(20, 60), erase=rng.random() < 0.4)
        states.append(pixels(doc))
    assert doc.history.nbytes <= 200_000
    kept = doc.undo_stack.count()
    assert 0 < kept < 60
    for expected in reversed(states[-kept - 1:-1]):
        doc.undo_stack.undo()
        assert pixels(doc) == expected
    assert not doc.undo_stack.canUndo()


def test_eraser_restores_the_paper_exactly() -> None:
    doc = CanvasDocument(QSize(256, 256))
    blank = pixels(doc)
    stroke(doc, [(20, 128), (230, 128)], width=6)
    assert pixels(doc) != blank
    stroke(doc, [(10, 128), (245, 128)], width=30, erase=True)
    assert pixels(doc) == blank


def test_clear_and_resize_are_undoable() -> None:
    doc = CanvasDocument(QSize(512, 512))
    stroke(doc, [(10, 10), (500, 500)])
    drawn = pixels(doc)
    doc.clear()
    assert not doc.has_ink()
    doc.undo_stack.undo()
    assert pixels(doc) == drawn
    doc.resize_canvas(QSize(768, 512))
    assert doc.size() == QSize(768, 512) and doc.has_ink()
    doc.undo_stack.undo()
    assert doc.size() == QSize(512, 512) and pixels(doc) == drawn


def test_export_is_two_level_multiple_of_64_and_keeps_a_1px_line() -> None:
    doc = CanvasDocument(QSize(768, 512))
    stroke(doc, [(0, 100.5), (767, 100.5)], width=1)
    export = export_scribble(doc.darkness_image())
    sent = Image.open(io.BytesIO(export.png))
    assert sent.size == (768, 512) and set(sent.tobytes()) <= {0, 255}
    assert all(sent.getpixel((x, 100)) == 0 for x in range(2, 766))


def test_the_reference_image_is_never_exported() -> None:
    from PySide6.QtGui import QColor, QImage
    doc = CanvasDocument(QSize(512, 512))
    blank = export_scribble(doc.darkness_image()).png
    reference = QImage(512, 512, QImage.Format.Format_RGB32)
    reference.fill(QColor(0, 0, 0))
    doc.set_reference(reference)
    doc.set_reference_opacity(1.0)
    assert export_scribble(doc.darkness_image()).png == blank


def test_has_ink_counts_what_the_model_sees_and_ignores_row_padding() -> None:
    doc = CanvasDocument(QSize(509, 3))  # 509 is not a multiple of 4: rows are padded
    stride = doc.image.bytesPerLine()
    assert stride > 509
    bits = doc.image.bits()
    for row in range(3):  # garbage in the padding must not count as ink
        bits[row * stride + 509:(row + 1) * stride] = b"\xff" * (stride - 509)
    assert not doc.has_ink() and not doc.has_ink(any_alpha=True)
    doc.image.setPixelColor(508, 2, QColor(0, 0, 0, 128))  # too light for the model
    assert not doc.has_ink() and doc.has_ink(any_alpha=True)
    doc.image.setPixelColor(0, 0, QColor(0, 0, 0, 129))
    assert doc.has_ink()
