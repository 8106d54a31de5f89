"""The reference picture as a layer the select tool can move and scale."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QTransform

from scribble_studio.domain.shapes import corner_scale
from scribble_studio.ui.canvas_tools import HANDLE, Drag

if TYPE_CHECKING:
    from scribble_studio.ui.canvas_view import CanvasView


class ReferenceTool:
    """The reference picture as a layer of its own: drag inside it to move it, a corner
    to scale it (keeping its proportions: a stretched photo is what this is against)."""

    def __init__(self, view: CanvasView) -> None:
        self.view = view
        self.drag: Drag | None = None
        self._press = QPointF()
        self._start = QRectF()
        self._corner = 0

    def _corners(self, rect: QRectF) -> list[QPointF]:
        return [rect.topLeft(), rect.topRight(), rect.bottomRight(), rect.bottomLeft()]

    def press(self, at_view: QPointF, _modifiers: Qt.KeyboardModifier) -> None:
        doc = self.view.document
        self._press, self._start = self.view.to_document(at_view), QRectF(doc.reference_rect)
        for index, corner in enumerate(self._corners(self._start)):
            c = self.view.to_view(corner)
            if abs(c.x() - at_view.x()) <= HANDLE and abs(c.y() - at_view.y()) <= HANDLE:
                self.drag, self._corner = Drag.SCALE, index
                return
        self.drag = Drag.MOVE if self._start.contains(self._press) else None

    def move(self, at_view: QPointF, _modifiers: Qt.KeyboardModifier) -> None:
        doc, point = self.view.document, self.view.to_document(at_view)
        if self.drag is Drag.MOVE:
            delta = point - self._press
            doc.set_reference_rect(self._start.translated(round(delta.x()), round(delta.y())))
        elif self.drag is Drag.SCALE:
            corners = self._corners(self._start)
            corner, opposite = corners[self._corner], corners[(self._corner + 2) % 4]
            d = corner - opposite
            sx, _ = corner_scale((d.x(), d.y()), (0.0, 0.0),
                                 ((point - opposite).x(), (point - opposite).y()),
                                 keep_ratio=True, minimum=8 / max(1.0, self._start.width()))
            far = opposite + d * sx
            doc.set_reference_rect(QRectF(opposite, far).normalized())

    def release(self, at_view: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self.move(at_view, modifiers)
        if self.drag is not None:
            self.view.document.place_reference(self._start, self.view.document.reference_rect)
        self.drag = None

    def paint(self, painter: QPainter, to_view: QTransform) -> None:
        rect = to_view.mapRect(self.view.document.reference_rect)
        painter.save()
        painter.setPen(QPen(QColor(20, 90, 200), 1, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(rect)
        painter.setPen(QPen(QColor(20, 90, 200), 1))
        painter.setBrush(QColor(255, 255, 255))
        for c in self._corners(rect):
            painter.drawRect(QRectF(c.x() - HANDLE / 2, c.y() - HANDLE / 2, HANDLE, HANDLE))
        painter.restore()
