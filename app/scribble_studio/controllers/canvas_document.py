"""The sketch being drawn: an ink layer, its undo history, the selection and the
reference image.

The ink layer is an Alpha8 image: 255 is black ink, 0 is bare paper. Erasing clears
alpha, so it restores the paper exactly. What is sent is the ink flattened on white and
thresholded (``domain.scribble``); the reference image is never part of it.

The layer is kept two-level: strokes and shapes are rasterized without antialiasing
(a pixel is ink when the stroke covers its centre). An antialiased line would show as
whole on screen but reach the model dashed, since a 1 px line lying between two pixel
rows covers each by half and the threshold keeps neither; and overlapping segments
would add their grey edges up at every joint into bumps the screen hardly shows. With
two levels the screen at 100% is the map, pixel for pixel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QPainter,
    QPen,
    QTransform,
    QUndoCommand,
    QUndoStack,
)

from scribble_studio.controllers.ink_patches import ALPHA8, InkHistory, InkPatch
from scribble_studio.controllers.qt_images import alpha_to_pil
from scribble_studio.controllers.qt_images import (  # (re-exported: the importer uses it)
    pil_to_alpha as pil_to_alpha,
)
from scribble_studio.controllers.selection import InkSelection
from scribble_studio.domain.scribble_spec import THRESHOLD
from scribble_studio.domain.shapes import ShapeKind, line_ends, shape_box
from scribble_studio.domain.strokes import clamp_width

if TYPE_CHECKING:  # Pillow is loaded after the window shows (start-up time)
    from PIL import Image

INK = QColor(0, 0, 0, 255)


class ReferencePlacement(QUndoCommand):
    """Where the reference picture was and is put: it costs no ink bytes to keep."""

    def __init__(self, document: CanvasDocument, before: QRectF, after: QRectF) -> None:
        super().__init__("Move reference image")
        self.document, self.before, self.after = document, before, after
        self._skip_redo = True  # already where it was dragged to

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self.document.set_reference_rect(self.after)

    def undo(self) -> None:
        self.document.set_reference_rect(self.before)


class CanvasDocument(QObject):
    """Observable sketch state. ``changed`` carries the document rectangle to repaint."""

    changed = Signal(QRect)
    size_changed = Signal(QSize)
    reference_changed = Signal()
    content_changed = Signal()

    def __init__(self, size: QSize | None = None, *, undo_limit: int = 256,
                 undo_budget_bytes: int = 64 * 2**20, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.image = self._blank(size or QSize(512, 512))
        self.undo_stack = QUndoStack(self)
        self.history = InkHistory(self.undo_stack, self._apply_patch, undo_limit,
                                  undo_budget_bytes)
        self.undo_stack.indexChanged.connect(self._on_undo_stack_index_changed)
        self.reference: QImage | None = None
        # Where the reference picture is drawn, document pixels: a layer of its own,
        # fitted as an import of it would be, then moved and scaled at will.
        self.reference_rect = QRectF()
        self.reference_opacity = 0.5
        self._stroke_before: QImage | None = None
        self._stroke_rect = QRect()
        self._stroke_start = QPointF()
        self._last = QPointF()
        self._last_width = 1.0
        self._erasing = False
        self._pen_cache = QPen()
        self.selection = InkSelection(self)
        # Mirror drawing across the vertical and/or horizontal centre line.
        self.mirror_vertical = False
        self.mirror_horizontal = False

    def _on_undo_stack_index_changed(self, _index: int) -> None:
        self.content_changed.emit()

    @staticmethod
    def _blank(size: QSize) -> QImage:
        image = QImage(size, ALPHA8)
        image.fill(0)
        return image

    def size(self) -> QSize:
        return self.image.size()

    # -- strokes ------------------------------------------------------------------------

    def begin_stroke(self, pos: QPointF, width: float, erase: bool = False,
                     dot: bool = True) -> None:
        """Start a stroke; a press without a move leaves a dot (unless ``dot`` is off:
        a shape starts with nothing drawn)."""
        self.selection.apply()
        self._stroke_before = self.image.copy()
        self._stroke_rect = QRect()
        self._erasing = erase
        self._stroke_start = QPointF(pos)
        self._last = QPointF(pos)
        self._last_width = clamp_width(width)
        if dot:
            self._segment(pos, pos, self._last_width)

    def extend_stroke(self, pos: QPointF, width: float) -> None:
        """Join the last point to ``pos``: consecutive samples never leave a gap."""
        if self._stroke_before is None:
            return
        width = clamp_width(width)
        self._segment(self._last, pos, (self._last_width + width) / 2)
        self._last, self._last_width = QPointF(pos), width

    def straight_stroke_to(self, pos: QPointF) -> None:
        """Replace the stroke so far by one straight line from its start to ``pos``."""
        self.shape_stroke_to(ShapeKind.LINE, pos)

    def shape_stroke_to(self, kind: ShapeKind, pos: QPointF, *, constrain: bool = False,
                        from_centre: bool = False) -> None:
        """Replace the stroke so far by one shape from the stroke's start to ``pos``:
        the live outline while dragging is the ink itself, so it is what will be sent.
        ``constrain``: a square, a circle or a line at 15° steps; ``from_centre``: the
        start is the shape's centre."""
        if self._stroke_before is None:
            return
        if not self._stroke_rect.isEmpty():
            self._restore_from(self._stroke_before, self._stroke_rect)
            self._stroke_rect = QRect()
        start, end = (self._stroke_start.x(), self._stroke_start.y()), (pos.x(), pos.y())
        width = self._last_width
        if kind is ShapeKind.LINE:
            a, b = line_ends(start, end, snap=constrain, from_centre=from_centre)
            self._segment(QPointF(*a), QPointF(*b), width)
        else:
            left, top, wide, high = shape_box(start, end, square=constrain,
                                              from_centre=from_centre)
            box = QRectF(left, top, wide, high)
            if kind is ShapeKind.RECTANGLE:
                self._draw(lambda p: p.drawRect(box), box, width)
            else:
                self._draw(lambda p: p.drawEllipse(box), box, width)
        self._last = QPointF(pos)

    def end_stroke(self) -> None:
        """Finish the stroke: one undo command with the changed rectangle only."""
        before, rect = self._stroke_before, self._stroke_rect.intersected(self.image.rect())
        self._stroke_before = None
        if before is None or rect.isEmpty():
            return
        text = "Erase" if self._erasing else "Stroke"
        self.history.push(text, InkPatch.capture(before, rect),
                          InkPatch.capture(self.image, rect), applied=True)

    @property
    def stroking(self) -> bool:
        return self._stroke_before is not None

    def _pen(self, width: float) -> QPen:
        if self._pen_cache.widthF() != width:
            self._pen_cache = QPen(INK, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                                   Qt.PenJoinStyle.RoundJoin)
        return self._pen_cache

    def _segment(self, start: QPointF, end: QPointF, width: float) -> None:
        left, right = sorted((start.x(), end.x()))
        top, bottom = sorted((start.y(), end.y()))
        box = QRectF(left, top, right - left, bottom - top)
        if start == end:  # a zero-length line draws nothing; a round-capped point is a dot
            self._draw(lambda p: p.drawPoint(start), box, width)
        else:
            self._draw(lambda p: p.drawLine(start, end), box, width)

    def mirror_transforms(self) -> list[QTransform]:
        """The identity, then one transform per mirror copy a stroke is repeated with."""
        w, h = self.image.width(), self.image.height()
        found = [QTransform()]
        if self.mirror_vertical:
            found.append(QTransform(-1, 0, 0, 1, w, 0))
        if self.mirror_horizontal:
            found.append(QTransform(1, 0, 0, -1, 0, h))
        if self.mirror_vertical and self.mirror_horizontal:
            found.append(QTransform(-1, 0, 0, -1, w, h))
        return found

    def _draw(self, paint: Callable[[QPainter], None], box: QRectF, width: float) -> None:
        """Draw with the stroke's pen (aliased: see the module's note), once per mirror
        copy, and note the changed rectangle."""
        painter = QPainter(self.image)
        if self._erasing:
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
        painter.setPen(self._pen(width))
        margin = width / 2 + 2
        padded = box.adjusted(-margin, -margin, margin, margin)
        paint(painter)
        changed = padded.toAlignedRect()
        if self.mirror_vertical or self.mirror_horizontal:  # per event: skip when off
            for transform in self.mirror_transforms()[1:]:
                painter.setTransform(transform)
                paint(painter)
                changed = changed.united(transform.mapRect(padded).toAlignedRect())
        painter.end()
        changed = changed.intersected(self.image.rect())
        self._stroke_rect = self._stroke_rect.united(changed)
        self.changed.emit(changed)

    def _restore_from(self, source: QImage, rect: QRect) -> None:
        painter = QPainter(self.image)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        painter.drawImage(rect.topLeft(), source, rect)
        painter.end()
        self.changed.emit(rect)

    # -- whole-canvas edits ---------------------------------------------------------

    def undo(self) -> None:
        """Undo; while a selection is being transformed, undo cancels the transform."""
        if self.selection.is_floating:
            self.selection.cancel()
        else:
            self.selection.drop()  # an outline left where the undone edit put it misleads
            self.undo_stack.undo()

    def redo(self) -> None:
        self.selection.cancel()
        self.selection.drop()
        self.undo_stack.redo()

    def clear(self) -> None:
        self.selection.apply()
        if self.has_ink(any_alpha=True):
            self.replace_ink(self._blank(self.size()), "Clear")

    def replace_ink(self, ink: QImage, text: str) -> None:
        """One undoable edit that replaces the whole layer (import, open, resize)."""
        self.selection.drop()
        ink = ink.convertToFormat(ALPHA8)
        self.history.push(text, InkPatch.whole(self.image), InkPatch.whole(ink), applied=False)

    def load_ink(self, ink: QImage) -> None:
        """Start over with ``ink`` (a draft being opened): not an edit, so no undo."""
        self.selection.cancel()
        self.selection.drop()
        self.undo_stack.clear()
        resized = ink.size() != self.image.size()
        self.image = ink.convertToFormat(ALPHA8)
        if resized:
            self.size_changed.emit(self.image.size())
        self.changed.emit(self.image.rect())
        self.content_changed.emit()

    def resize_canvas(self, size: QSize) -> None:
        """Change the document size; the drawing stays centred, cropped or padded."""
        if size == self.size():
            return
        self.selection.drop()
        resized = self._blank(size)
        painter = QPainter(resized)
        painter.drawImage((size.width() - self.image.width()) // 2,
                          (size.height() - self.image.height()) // 2, self.image)
        painter.end()
        self.replace_ink(resized, "Resize canvas")

    def _apply_patch(self, patch: InkPatch) -> None:
        if patch.canvas != self.image.size():
            # The drawing stays centred in a resize (and its undo): so does the reference.
            shift = QPointF((patch.canvas.width() - self.image.width()) / 2,
                            (patch.canvas.height() - self.image.height()) / 2)
            self.reference_rect.translate(shift)
            self.image = self._blank(patch.canvas)
            patch.paint_into(self.image)
            self.size_changed.emit(self.image.size())
            self.changed.emit(self.image.rect())
            return
        patch.paint_into(self.image)
        self.changed.emit(patch.rect)

    # -- reading ---------------------------------------------------------------------------

    def has_ink(self, any_alpha: bool = False) -> bool:
        """Whether the model would see any stroke (alpha above the threshold)."""
        first = 1 if any_alpha else 256 - THRESHOLD
        image = self.composed_ink()
        raw = bytes(image.constBits())
        stride, width = image.bytesPerLine(), image.width()
        if stride != width:  # rows are padded to 4 bytes: leave the padding out
            raw = b"".join(raw[row * stride:row * stride + width]
                           for row in range(image.height()))
        # Keep only the bytes at or above ``first``: C speed, and no Pillow needed.
        return bool(raw.translate(None, bytes(range(first))))

    def composed_ink(self) -> QImage:
        """The layer as it looks: with a floating selection drawn where it is shown."""
        if not self.selection.is_floating:
            return self.image
        composed = self.image.copy()
        self.selection.paint_floating(composed)
        return composed

    def darkness_image(self) -> Image.Image:
        """The drawing as dark ink on white paper, for ``domain.scribble.export_scribble``
        (what Generate sends): a selection being moved counts where it is now."""
        from scribble_studio.domain.scribble_import import ink_to_darkness

        return ink_to_darkness(alpha_to_pil(self.composed_ink()))

    def ink_mask(self) -> Image.Image:
        return alpha_to_pil(self.composed_ink())

    # -- reference image -------------------------------------------------------------

    def set_reference(self, image: QImage | None) -> None:
        from scribble_studio.domain.scribble_import import fit_box

        self.reference = image
        if image is not None:
            size = self.size()
            self.reference_rect = QRectF(*fit_box(image.width(), image.height(),
                                                  size.width(), size.height()))
        self.reference_changed.emit()
        self.changed.emit(self.image.rect())

    def place_reference(self, before: QRectF, after: QRectF) -> None:
        """A move or scale of the reference picture that is done (it was shown live with
        ``set_reference_rect``), as one undo step like any layer's."""
        if before != after:
            self.undo_stack.push(ReferencePlacement(self, QRectF(before), QRectF(after)))

    def set_reference_rect(self, rect: QRectF) -> None:
        """Move or scale the reference picture (never sent, so not an ink edit)."""
        old = self.reference_rect.toAlignedRect()
        self.reference_rect = QRectF(rect)
        self.reference_changed.emit()
        self.changed.emit(old.united(rect.toAlignedRect()).adjusted(-1, -1, 1, 1))

    def set_reference_opacity(self, opacity: float) -> None:
        self.reference_opacity = max(0.0, min(1.0, opacity))
        self.reference_changed.emit()
        self.changed.emit(self.image.rect())
