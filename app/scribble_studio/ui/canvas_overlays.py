"""What the canvas draws over the ink: a selection being moved, the marching outline and
handles of the select tools, and the mirror axes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

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
            painter.drawImage(target.topLeft(), white_ink(ink) if inverted_map(view) else ink)
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.setTransform(selection.transform() * to_view)
            floating = selection.floating
            painter.drawImage(selection.source.topLeft(),
                              white_ink(floating) if inverted_map(view) else floating)
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


def inverted_map(view: CanvasView) -> bool:
    return view.overlay is not None and view.overlay_inverted


def white_ink(ink: QImage) -> QImage:
    """Alpha8 ink as white strokes, for the inverted map of what the model sees (an
    Alpha8 image always draws black)."""
    white = QImage(ink.size(), QImage.Format.Format_ARGB32_Premultiplied)
    white.fill(QColor(255, 255, 255))
    painter = QPainter(white)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationIn)
    painter.drawImage(0, 0, ink)
    painter.end()
    return white
