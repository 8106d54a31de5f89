"""How the canvas paints a rectangle of its viewport: the paper, the reference picture
under the ink (or the map of what the model sees instead of the ink), and the guides on
top (canvas_overlays)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRect, QRectF
from PySide6.QtGui import QColor, QPainter

from scribble_studio.ui.canvas_overlays import paint_guides

if TYPE_CHECKING:
    from scribble_studio.ui.canvas_view import CanvasView

PAPER = QColor(255, 255, 255)
DESK = QColor(128, 128, 128)


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
