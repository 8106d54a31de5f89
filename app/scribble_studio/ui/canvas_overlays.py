"""What the canvas draws over the ink: a selection being moved, the marching outline and
handles of the select tools, and the mirror axes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

if TYPE_CHECKING:
    from scribble_studio.ui.canvas_view import CanvasView

MIRROR_AXIS = QColor(0, 150, 220)


def paint_guides(view: CanvasView, painter: QPainter, exposed: QRectF) -> None:
    """The floating selection, the outlines and handles, the mirror axes."""
    doc, to_view = view.document, view.view_transform()
    painter.setClipRect(exposed)
    selection = doc.selection
    if selection.floating is not None:
        painter.save()
        if selection.is_identity or view.select_tool.drag is None:
            # Exactly what applying will put down (resampled and thresholded once,
            # when a scale or a turn ends); while a handle is dragged, a fast preview.
            ink, target = selection.rendered()
            painter.setTransform(to_view)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform,
                                  view.zoom < 1)
            painter.drawImage(target.topLeft(), ink)
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.setTransform(selection.transform() * to_view)
            painter.drawImage(selection.source.topLeft(), selection.floating)
        painter.restore()
    paper = to_view.mapRect(QRectF(doc.image.rect()))
    pen = QPen(MIRROR_AXIS, 1, Qt.PenStyle.DashLine)
    painter.setPen(pen)
    if doc.mirror_vertical:
        painter.drawLine(QPointF(paper.center().x(), paper.top()),
                         QPointF(paper.center().x(), paper.bottom()))
    if doc.mirror_horizontal:
        painter.drawLine(QPointF(paper.left(), paper.center().y()),
                         QPointF(paper.right(), paper.center().y()))
    view.select_tool.paint(painter, to_view)
    if view.edit_reference and doc.reference is not None:
        view.reference_tool.paint(painter, to_view)
    painter.setClipping(False)
