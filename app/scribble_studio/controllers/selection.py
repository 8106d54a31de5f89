"""The selection on the ink layer: an outline, and the ink lifted from it while it is
moved, scaled or rotated.

Picking the ink up cuts it out of the layer into a floating image; the transform is
only a QTransform on that image until it is applied, so dragging never resamples and
a move by whole pixels is lossless. Applying draws the floating ink back, resampled and
thresholded (the layer stays two-level, so the sent map has no grey halo), and pushes
one undo step from the layer as it was before the pick-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, QPointF, QRect, QRectF, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPolygonF, QTransform

from scribble_studio.controllers.ink_patches import ALPHA8, InkPatch

if TYPE_CHECKING:
    from scribble_studio.controllers.canvas_document import CanvasDocument

# Resampled ink becomes ink where it covers at least half a pixel: the threshold
# the exported map applies, so what is applied is what is sent.
_HALF = 128


def threshold_alpha(image: QImage) -> QImage:
    """An Alpha8 image with every pixel set to 0 or 255 (at half coverage)."""
    from scribble_studio.controllers.qt_images import alpha_to_pil, pil_to_alpha

    table = [255 if v >= _HALF else 0 for v in range(256)]
    return pil_to_alpha(alpha_to_pil(image).point(table))


class InkSelection(QObject):
    """``changed`` carries the document rectangle whose look changed (ink or outline)."""

    changed = Signal(QRect)
    active_changed = Signal(bool)

    def __init__(self, document: CanvasDocument) -> None:
        super().__init__(document)
        self.document = document
        self.path = QPainterPath()  # the outline at pick-up, document coordinates
        self.floating: QImage | None = None  # lifted ink covering ``source``
        self.source = QRect()
        self.offset = QPointF()  # whole pixels when moved; fractions come from scaling
        self.scale = (1.0, 1.0)
        self.angle = 0.0  # degrees, clockwise on screen
        self._before: QImage | None = None
        self._text = "Move selection"
        self._rectangular = True
        self._pasted = False  # the floating ink came from the clipboard, not the layer
        self._rendered: tuple[object, QImage, QRect] | None = None

    # -- state ---------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return not self.path.isEmpty()

    @property
    def is_floating(self) -> bool:
        return self.floating is not None

    @property
    def is_identity(self) -> bool:
        """A move by whole pixels: applied as a copy, without resampling."""
        return self.scale == (1.0, 1.0) and self.angle == 0.0 and \
            self.offset.x().is_integer() and self.offset.y().is_integer()

    def centre(self) -> QPointF:
        return QRectF(self.source).center() if self.floating is not None \
            else self.path.boundingRect().center()

    def transform(self) -> QTransform:
        """Document → document: the pick-up place to where the ink is shown now."""
        c = self.centre()
        t = QTransform()
        t.translate(c.x() + self.offset.x(), c.y() + self.offset.y())
        t.rotate(self.angle)
        t.scale(*self.scale)
        t.translate(-c.x(), -c.y())
        return t

    def outline(self) -> QPainterPath:
        return self.transform().map(self.path)

    def bounds(self) -> QRect:
        """Everything the selection draws, outline included, in document pixels."""
        if not self.active:
            return QRect()
        return self.outline().boundingRect().toAlignedRect().adjusted(-2, -2, 2, 2)

    def contains(self, point: QPointF) -> bool:
        return self.active and self.outline().contains(point)

    # -- choosing --------------------------------------------------------------------------

    def select_rect(self, rect: QRect) -> None:
        """Select whole pixels inside ``rect``; the previous selection is applied."""
        path = QPainterPath()
        path.addRect(QRectF(rect.normalized().intersected(self.document.image.rect())))
        self._select(path, rectangular=True)

    def select_lasso(self, points: list[QPointF]) -> None:
        """Select inside a freehand outline (closed from its last point to its first)."""
        path = QPainterPath()
        if len(points) >= 3:
            path.addPolygon(QPolygonF(points))
            path.closeSubpath()
            paper = QPainterPath()
            paper.addRect(QRectF(self.document.image.rect()))
            path = path.intersected(paper)
        self._select(path, rectangular=False)

    def select_all(self) -> None:
        self.select_rect(self.document.image.rect())

    def _select(self, path: QPainterPath, rectangular: bool) -> None:
        self.apply()
        old = self.bounds()
        self.path = path
        self._rectangular = rectangular
        self._reset_transform()
        self._announce(old)
        self.active_changed.emit(self.active)

    def drop(self) -> None:
        """Apply any transform and deselect."""
        self.apply()
        if self.active:
            old = self.bounds()
            self.path = QPainterPath()
            self._announce(old)
            self.active_changed.emit(False)

    # -- transforming ------------------------------------------------------------------------

    def lift(self, text: str = "Move selection") -> None:
        """Cut the selected ink out of the layer (once per transform)."""
        if self.floating is not None or not self.active:
            return
        image = self.document.image
        self._before = image.copy()
        self._text = text
        self.source = self.path.boundingRect().toAlignedRect().intersected(image.rect())
        floating = image.copy(self.source)
        if not self._is_rectangle():
            mask = self._mask()
            painter = QPainter(floating)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationIn)
            painter.drawImage(0, 0, mask)
            painter.end()
            painter = QPainter(image)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationOut)
            painter.drawImage(self.source.topLeft(), mask)
            painter.end()
        else:
            painter = QPainter(image)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
            painter.fillRect(self.source, QColor(0, 0, 0, 0))
            painter.end()
        self.floating = floating
        self.document.changed.emit(self.source)

    def float_image(self, ink: QImage, at: QPoint, text: str) -> None:
        """Paste: ``ink`` floats at ``at`` (top-left), selected, ready to be moved."""
        self.drop()
        self._before = self.document.image.copy()
        self._text = text
        self._pasted = True
        self.floating = ink.convertToFormat(ALPHA8)
        self.source = QRect(at, ink.size())
        path = QPainterPath()
        path.addRect(QRectF(self.source))
        self.path = path
        self._rectangular = True
        self._reset_transform()
        self._announce(QRect())
        self.active_changed.emit(True)

    def set_geometry(self, offset: QPointF, scale: tuple[float, float], angle: float) -> None:
        self.lift()
        old = self.bounds()
        self.offset, self.scale, self.angle = QPointF(offset), scale, angle
        self._announce(old)

    def move_by(self, dx: int, dy: int) -> None:
        self.set_geometry(self.offset + QPointF(dx, dy), self.scale, self.angle)

    def rendered(self) -> tuple[QImage, QRect]:
        """The floating ink as it would be applied: where, and two-level. Kept until the
        geometry changes, so that the view can show it exactly once a drag ends."""
        assert self.floating is not None
        if self.is_identity:
            return self.floating, self.source.translated(self.offset.toPoint())
        key = (self.offset.x(), self.offset.y(), self.scale, self.angle, self.floating.cacheKey())
        if self._rendered is not None and self._rendered[0] == key:
            return self._rendered[1], self._rendered[2]
        transform = self.transform()
        target = transform.mapRect(QRectF(self.source)).toAlignedRect()
        out = QImage(target.size(), ALPHA8)
        out.fill(0)
        painter = QPainter(out)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setTransform(transform * QTransform.fromTranslate(-target.x(), -target.y()))
        painter.drawImage(self.source.topLeft(), self.floating)
        painter.end()
        ink = threshold_alpha(out)
        self._rendered = (key, ink, target)
        return ink, target

    def paint_floating(self, into: QImage) -> QRect:
        """Draw the floating ink, as applied, into ``into`` (the layer or a copy)."""
        ink, target = self.rendered()
        painter = QPainter(into)
        painter.drawImage(target.topLeft(), ink)
        painter.end()
        return target.intersected(into.rect())

    def apply(self) -> None:
        """Put the floating ink down: one undo step since the pick-up."""
        if self.floating is None or self._before is None:
            return
        if self.is_identity and self.offset.isNull() and not self._pasted:
            self.cancel()  # picked up and put back where it was: no edit, no undo step
            return
        old = self.bounds()
        target = self.paint_floating(self.document.image)
        outline = self.outline()
        before, self._before, self.floating = self._before, None, None
        self._pasted = False
        rect = self.source.united(target).intersected(before.rect())
        self.path = outline
        self._rectangular = self._rectangular and self.is_identity
        self._reset_transform()
        self._push(before, rect)
        self._announce(old)

    def delete(self) -> None:
        """Clear the selected ink (one undo step); the outline stays."""
        if not self.active:
            return
        self.lift("Delete selection")
        if self.floating is None or self._before is None:
            return
        old = self.bounds()
        before, self._before, self.floating = self._before, None, None
        self._pasted = False
        self.path = self.transform().map(self.path)
        self._rectangular = self._rectangular and self.is_identity
        self._reset_transform()
        self._push(before, self.source)
        self._announce(old)

    def cancel(self) -> None:
        """Put the lifted ink back where it was, as if nothing happened (no undo step)."""
        if self._before is None:
            return
        old = self.bounds()
        painter = QPainter(self.document.image)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        painter.drawImage(0, 0, self._before)
        painter.end()
        self._before, self.floating = None, None
        self._reset_transform()
        self.document.changed.emit(self.source)
        if self._pasted:  # a cancelled paste leaves nothing to outline
            self._pasted = False
            self.path = QPainterPath()
            self.active_changed.emit(False)
        self._announce(old.united(self.source))

    def copy_ink(self) -> tuple[QImage, QRect] | None:
        """The selected ink as it looks now, and where it is."""
        if not self.active:
            return None
        if self.floating is not None:
            ink, target = self.rendered()
            return ink.copy(), target
        rect = self.path.boundingRect().toAlignedRect().intersected(self.document.image.rect())
        ink = self.document.image.copy(rect)
        if not self._is_rectangle():
            painter = QPainter(ink)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationIn)
            painter.drawImage(0, 0, self._mask_for(rect))
            painter.end()
        return ink, rect

    # -- helpers -------------------------------------------------------------------------------

    def _push(self, before: QImage, rect: QRect) -> None:
        if rect.isEmpty():
            return
        self.document.history.push(self._text, InkPatch.capture(before, rect),
                                   InkPatch.capture(self.document.image, rect), applied=True)

    def _reset_transform(self) -> None:
        self.offset, self.scale, self.angle = QPointF(), (1.0, 1.0), 0.0

    def _announce(self, old: QRect) -> None:
        rect = old.united(self.bounds())
        if not rect.isEmpty():
            self.changed.emit(rect)

    def _is_rectangle(self) -> bool:
        return self._rectangular

    def _mask(self) -> QImage:
        return self._mask_for(self.source)

    def _mask_for(self, rect: QRect) -> QImage:
        """The lasso as two-level coverage of ``rect``: a pixel is in when its centre is."""
        mask = QImage(rect.size(), ALPHA8)
        mask.fill(0)
        painter = QPainter(mask)
        painter.translate(-rect.x(), -rect.y())
        painter.fillPath(self.path, QColor(0, 0, 0, 255))
        painter.end()
        return mask
