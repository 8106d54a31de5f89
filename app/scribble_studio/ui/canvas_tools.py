"""The canvas's tools, and the select tool's pointer and key handling, its outline and
handles. The selection's state lives in ``controllers.selection``."""

from __future__ import annotations

import enum
import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPen, QTransform

from scribble_studio.controllers.canvas_tools_model import Tool
from scribble_studio.domain.shapes import ShapeKind, corner_scale, rotation_degrees, snap_angle

if TYPE_CHECKING:
    from scribble_studio.controllers.selection import InkSelection
    from scribble_studio.ui.canvas_view import CanvasView

HANDLE = 8  # handle side, view pixels
ROTATE_REACH = 28  # how far above the top edge the rotation handle sits, view pixels
ANTS = (QColor(0, 0, 0), QColor(255, 255, 255))

__all__ = ["SELECTING", "SHAPES", "Drag", "SelectTool", "Tool"]  # Tool lives in the model


SHAPES = {Tool.RECTANGLE: ShapeKind.RECTANGLE, Tool.ELLIPSE: ShapeKind.ELLIPSE,
          Tool.LINE: ShapeKind.LINE}
SELECTING = (Tool.SELECT, Tool.LASSO)


class Drag(enum.Enum):
    MARQUEE = "marquee"
    LASSO = "lasso"
    MOVE = "move"
    SCALE = "scale"
    ROTATE = "rotate"


class SelectTool:
    """Rectangle (drag) or lasso (Alt-drag, or the lasso tool) selection; drag inside to
    move, corner handles to scale (Shift keeps proportions), the handle above to rotate
    (Shift: 15° steps)."""

    def __init__(self, view: CanvasView) -> None:
        self.view = view
        self.drag: Drag | None = None
        self.lasso = False
        self._press = QPointF()  # document coordinates
        self._points: list[QPointF] = []
        self._start_geometry = (QPointF(), (1.0, 1.0), 0.0)
        self._corner = 0
        self.ants_phase = 0

    @property
    def selection(self) -> InkSelection:
        return self.view.document.selection

    # -- geometry of the handles --------------------------------------------------------

    def corners(self) -> list[QPointF]:
        """The four corners of the selection's box as shown, document coordinates."""
        sel = self.selection
        box = QRectF(sel.source) if sel.is_floating else sel.path.boundingRect()
        t = sel.transform()
        return [t.map(p) for p in (box.topLeft(), box.topRight(), box.bottomRight(),
                                   box.bottomLeft())]

    def rotate_handle(self) -> QPointF:
        """The rotation handle in view coordinates: above the top edge's middle."""
        tl, tr, _, bl = (self.view.to_view(p) for p in self.corners())
        top = (tl + tr) / 2
        up = tl - bl
        length = math.hypot(up.x(), up.y()) or 1.0
        return top + up / length * ROTATE_REACH

    def _hit(self, at_view: QPointF) -> tuple[Drag, int] | None:
        if not self.selection.active:
            return None
        near = HANDLE
        handle = self.rotate_handle()
        if abs(handle.x() - at_view.x()) <= near and abs(handle.y() - at_view.y()) <= near:
            return Drag.ROTATE, 0
        for index, corner in enumerate(self.corners()):
            c = self.view.to_view(corner)
            if abs(c.x() - at_view.x()) <= near and abs(c.y() - at_view.y()) <= near:
                return Drag.SCALE, index
        return None

    def cursor_at(self, at_view: QPointF) -> Qt.CursorShape:
        """The cursor that tells what a press at ``at_view`` would do."""
        hit = self._hit(at_view)
        if hit is not None and hit[0] is Drag.ROTATE:
            return Qt.CursorShape.PointingHandCursor
        if hit is not None:
            return Qt.CursorShape.SizeFDiagCursor if hit[1] % 2 == 0 \
                else Qt.CursorShape.SizeBDiagCursor
        if self.selection.contains(self.view.to_document(at_view)):
            return Qt.CursorShape.SizeAllCursor
        return Qt.CursorShape.CrossCursor

    # -- pointer ---------------------------------------------------------------------------

    def press(self, at_view: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        sel = self.selection
        doc_point = self.view.to_document(at_view)
        self._press = doc_point
        self._start_geometry = (QPointF(sel.offset), sel.scale, sel.angle)
        hit = self._hit(at_view)
        if hit is not None:
            self.drag, self._corner = hit
            sel.lift("Rotate selection" if self.drag is Drag.ROTATE else "Scale selection")
        elif sel.contains(doc_point):
            self.drag = Drag.MOVE
            sel.lift()
        else:
            sel.drop()  # a click outside drops the selection
            alt = bool(modifiers & Qt.KeyboardModifier.AltModifier)
            self.drag = Drag.LASSO if (self.lasso or alt) else Drag.MARQUEE
            self._points = [doc_point]
        self._start_geometry = (QPointF(sel.offset), sel.scale, sel.angle)

    def move(self, at_view: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        sel, doc_point = self.selection, self.view.to_document(at_view)
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        offset, scale, angle = self._start_geometry
        if self.drag in (Drag.MARQUEE, Drag.LASSO):
            old = self._marquee_rect()
            self._points.append(doc_point)
            self.view.update_document_rect(old.united(self._marquee_rect()))
        elif self.drag is Drag.MOVE:
            delta = doc_point - self._press  # whole pixels: a move never resamples
            sel.set_geometry(offset + QPointF(round(delta.x()), round(delta.y())), scale, angle)
        elif self.drag is Drag.ROTATE:
            centre = sel.centre() + offset
            turned = angle + rotation_degrees((centre.x(), centre.y()),
                                              (self._press.x(), self._press.y()),
                                              (doc_point.x(), doc_point.y()))
            sel.set_geometry(offset, scale, snap_angle(turned) if shift else turned)
        elif self.drag is Drag.SCALE:
            self._scale_to(doc_point, shift)

    def _scale_to(self, doc_point: QPointF, keep_ratio: bool) -> None:
        sel = self.selection
        _offset, _scale, angle = self._start_geometry
        box = QRectF(sel.source)
        local = [box.topLeft(), box.topRight(), box.bottomRight(), box.bottomLeft()]
        corner, opposite = local[self._corner], local[(self._corner + 2) % 4]
        fixed = self._start_transform().map(opposite)
        unrotate = QTransform().rotate(-angle)
        q = unrotate.map(doc_point - fixed)
        d = corner - opposite
        sx, sy = corner_scale((d.x(), d.y()), (0.0, 0.0), (q.x(), q.y()), keep_ratio=keep_ratio,
                              minimum=1.0 / max(1, box.width(), box.height()))
        # Keep the opposite corner where it is: solve the new offset for it.
        c = box.center()
        turned = QTransform().rotate(angle).map(
            QPointF((opposite.x() - c.x()) * sx, (opposite.y() - c.y()) * sy))
        sel.set_geometry(fixed - c - turned, (sx, sy), angle)

    def _start_transform(self) -> QTransform:
        offset, scale, angle = self._start_geometry
        c = QRectF(self.selection.source).center()
        t = QTransform()
        t.translate(c.x() + offset.x(), c.y() + offset.y())
        t.rotate(angle)
        t.scale(*scale)
        t.translate(-c.x(), -c.y())
        return t

    def release(self, at_view: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self.move(at_view, modifiers)
        drag, self.drag = self.drag, None
        if drag is Drag.MARQUEE:
            rect = self._marquee_rect()
            self.view.update_document_rect(rect)
            if rect.width() > 1 or rect.height() > 1:
                self.selection.select_rect(rect)
        elif drag is Drag.LASSO:
            self.view.update_document_rect(self._marquee_rect())
            if len(self._points) >= 3:
                self.selection.select_lasso(self._points)
        self._points = []

    def _marquee_rect(self) -> QRect:
        if not self._points:
            return QRect()
        if self.drag is Drag.LASSO:
            xs = [p.x() for p in self._points]
            ys = [p.y() for p in self._points]
            return QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)) \
                .toAlignedRect().adjusted(-2, -2, 2, 2)
        a, b = self._points[0], self._points[-1]
        return QRect(QPoint(round(min(a.x(), b.x())), round(min(a.y(), b.y()))),
                     QPoint(round(max(a.x(), b.x())) - 1, round(max(a.y(), b.y())) - 1))

    # -- keys ---------------------------------------------------------------------------------

    def key(self, event: QKeyEvent) -> bool:
        """Handle a key of the select tool; False if it is not one."""
        sel, key = self.selection, event.key()
        step = 10 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1
        arrows: dict[int, tuple[int, int]] = {
            Qt.Key.Key_Left: (-step, 0), Qt.Key.Key_Right: (step, 0),
            Qt.Key.Key_Up: (0, -step), Qt.Key.Key_Down: (0, step)}
        if key in arrows and sel.active:
            sel.move_by(*arrows[key])
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and sel.active:
            sel.delete()
        elif key == Qt.Key.Key_Escape and sel.active:
            sel.drop()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and sel.is_floating:
            sel.apply()
        else:
            return False
        return True

    # -- painting -------------------------------------------------------------------------------

    def paint(self, painter: QPainter, to_view: QTransform) -> None:
        """The marching outline, the handles, and a lasso or marquee being drawn."""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        if self._points and self.drag in (Drag.MARQUEE, Drag.LASSO):
            if self.drag is Drag.LASSO:
                path_points = [to_view.map(p) for p in self._points]
                self._ants(painter, lambda: painter.drawPolyline(path_points))
            else:
                rect = to_view.mapRect(QRectF(self._marquee_rect().adjusted(0, 0, 1, 1)))
                self._ants(painter, lambda: painter.drawRect(rect))
        sel = self.selection
        if sel.active:
            outline = to_view.map(sel.outline())
            self._ants(painter, lambda: painter.drawPath(outline))
            painter.setPen(QPen(QColor(20, 90, 200), 1))
            painter.setBrush(QColor(255, 255, 255))
            corners = [self.view.to_view(p) for p in self.corners()]
            for c in corners:
                painter.drawRect(QRectF(c.x() - HANDLE / 2, c.y() - HANDLE / 2, HANDLE, HANDLE))
            handle = self.rotate_handle()
            painter.drawLine((corners[0] + corners[1]) / 2, handle)
            painter.drawEllipse(handle, HANDLE / 2, HANDLE / 2)
        painter.restore()

    def _ants(self, painter: QPainter, draw) -> None:  # type: ignore[no-untyped-def]
        for colour, offset in zip(ANTS, (0, 4), strict=True):
            pen = QPen(colour, 1, Qt.PenStyle.CustomDashLine)
            pen.setDashPattern([4, 4])
            pen.setDashOffset(self.ants_phase + offset)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            draw()
