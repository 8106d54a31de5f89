"""How the canvas paints a rectangle of its viewport: the paper, the reference picture
under the ink (or the map of what the model sees instead of the ink), and what it draws
over the ink: a selection being moved, the marching outline and handles of the select
tools, and the mirror axes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

if TYPE_CHECKING:
    from scribble_studio.ui.canvas_view import CanvasView

PAPER = QColor(255, 255, 255)
DESK = QColor(128, 128, 128)
MIRROR_AXIS = QColor(0, 150, 220)


def _decorated(view: CanvasView) -> bool:
    doc = view.document
    return doc.selection.active or doc.mirror_vertical or doc.mirror_horizontal or \
        view.select_tool.drag is not None or view.edit_reference


def paint_canvas(view: CanvasView, rect: QRect, origin: QPointF, zoom: float) -> None:
    """Paint ``rect`` of the viewport; ``origin`` and ``zoom`` are the view's (passed in:
    this runs for every pointer move while drawing)."""
    image, document = view.document.image, view.document
    if zoom == 1.0 and view.overlay is None and document.reference is None \
            and not _decorated(view):
        # The common case while drawing: pixel for pixel, a rectangle on the paper.
        source = rect.translated(-origin.toPoint())
        if image.rect().contains(source):
            painter = QPainter(view.viewport())
            painter.fillRect(rect, PAPER)
            painter.drawImage(rect.topLeft(), image, source)
            painter.end()
            return
    _paint_general(view, QRectF(rect), origin, zoom)


def _paint_general(view: CanvasView, exposed: QRectF, origin: QPointF, zoom: float) -> None:
    document = view.document
    painter = QPainter(view.viewport())
    paper = QRectF(origin, QRectF(document.image.rect()).size() * zoom)
    target = paper.intersected(exposed)
    if target != exposed:
        painter.fillRect(exposed, DESK)
    if not target.isEmpty():
        painter.fillRect(target, PAPER)
        source = QRectF(view.to_document(target.topLeft()), target.size() / zoom)
        if zoom < 1:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        reference = document.reference
        if reference is not None and view.overlay is None:
            painter.setClipRect(target)
            painter.setOpacity(document.reference_opacity)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(view.view_transform().mapRect(document.reference_rect),
                              reference)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, zoom < 1)
            painter.setOpacity(1.0)
            painter.setClipping(False)
        layer = view.overlay if view.overlay is not None else document.image
        painter.drawImage(target, layer, source)
    paint_guides(view, painter, exposed)
    painter.end()


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
