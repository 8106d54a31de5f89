"""The canvas widget: draws the document at any zoom and turns pointer input into strokes.

Coordinates: widget (viewport) points are logical pixels; document points are ink
pixels. ``to_document``/``to_view`` convert; only the changed rectangle is repainted.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPointingDevice,
    QResizeEvent,
    QTabletEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.domain.strokes import (
    DEFAULT_WIDTH,
    Stabilizer,
    clamp_width,
    pressure_width,
)

MIN_ZOOM, MAX_ZOOM, ZOOM_STEP = 0.1, 16.0, 1.25
PAPER = QColor(255, 255, 255)
DESK = QColor(128, 128, 128)


class Tool(enum.Enum):
    PEN = "pen"
    ERASER = "eraser"


class _Surface(QWidget):
    """The viewport. Only tablet events are handled here: QAbstractScrollArea does not
    pass them on, and overriding viewportEvent instead would route every event of the
    viewport through Python."""

    def __init__(self, on_tablet: Callable[[QTabletEvent], None]) -> None:
        super().__init__()
        self._on_tablet = on_tablet

    def tabletEvent(self, event: QTabletEvent) -> None:
        self._on_tablet(event)


class CanvasView(QAbstractScrollArea):
    zoom_changed = Signal(float)
    pen_width_changed = Signal(float)

    def __init__(self, document: CanvasDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.tool = Tool.PEN
        self.pen_width = DEFAULT_WIDTH
        self.stabilizer = Stabilizer(0.0)
        self.overlay: QImage | None = None  # "what the model sees", drawn instead of ink
        self._zoom = 1.0
        self._straight = False
        self._stroke_device: str | None = None
        self._pan_from: QPoint | None = None
        self._space_down = False
        self._origin = QPointF()
        self.setViewport(_Surface(self._on_tablet))
        self.setAccessibleName("Sketch canvas")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        document.changed.connect(self._on_document_changed)
        document.size_changed.connect(self._on_document_size_changed)
        self._update_scroll_bars()

    # -- geometry --------------------------------------------------------------------------

    @property
    def zoom(self) -> float:
        return self._zoom

    def _content_size(self) -> QSize:
        size = self.document.size()
        return QSize(round(size.width() * self._zoom), round(size.height() * self._zoom))

    def origin(self) -> QPointF:
        """Where the document's (0, 0) is, in viewport coordinates."""
        return QPointF(self._origin)

    def _refresh_origin(self) -> None:
        # Cached: it is needed several times per pointer event and per paint, and only
        # changes with zoom, scrolling, the viewport's size or the document's size.
        content, port = self._content_size(), self.viewport().size()
        x = (port.width() - content.width()) / 2 if content.width() <= port.width() \
            else -self.horizontalScrollBar().value()
        y = (port.height() - content.height()) / 2 if content.height() <= port.height() \
            else -self.verticalScrollBar().value()
        self._origin = QPointF(round(x), round(y))

    def to_document(self, point: QPointF) -> QPointF:
        return (point - self._origin) / self._zoom

    def to_view(self, point: QPointF) -> QPointF:
        return point * self._zoom + self._origin

    def view_rect(self, rect: QRect) -> QRect:
        if self._zoom == 1.0:  # pixel for pixel: the rectangle is exact
            return rect.translated(self._origin.toPoint())
        target = QRectF(self.to_view(QPointF(rect.topLeft())), QRectF(rect).size() * self._zoom)
        return target.toAlignedRect().adjusted(-1, -1, 1, 1)

    def _update_scroll_bars(self) -> None:
        content, port = self._content_size(), self.viewport().size()
        for bar, extent, page in ((self.horizontalScrollBar(), content.width(), port.width()),
                                  (self.verticalScrollBar(), content.height(), port.height())):
            bar.setRange(0, max(0, extent - page))
            bar.setPageStep(page)
            bar.setSingleStep(24)
        self._refresh_origin()

    # -- zoom ---------------------------------------------------------------------------------

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom keeping the document point under ``anchor`` (default: the centre) still."""
        zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        if anchor is None:
            anchor = QPointF(self.viewport().width() / 2, self.viewport().height() / 2)
        fixed = self.to_document(anchor)
        self._zoom = zoom
        self._update_scroll_bars()
        self.horizontalScrollBar().setValue(round(fixed.x() * zoom - anchor.x()))
        self.verticalScrollBar().setValue(round(fixed.y() * zoom - anchor.y()))
        self._refresh_origin()
        self.viewport().update()
        self.zoom_changed.emit(zoom)

    def zoom_in(self) -> None:
        self.set_zoom(self._zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self._zoom / ZOOM_STEP)

    def zoom_actual(self) -> None:
        self.set_zoom(1.0)

    def zoom_fit(self) -> None:
        size, port = self.document.size(), self.viewport().size()
        self.set_zoom(min((port.width() - 16) / size.width(), (port.height() - 16) / size.height()))

    # -- painting -----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        rect = event.rect()
        image = self.document.image
        if self._zoom == 1.0 and self.overlay is None and self.document.reference is None:
            # The common case while drawing: pixel for pixel, a rectangle on the paper.
            source = rect.translated(-self._origin.toPoint())
            if image.rect().contains(source):
                painter = QPainter(self.viewport())
                painter.fillRect(rect, PAPER)
                painter.drawImage(rect.topLeft(), image, source)
                painter.end()
                return
        self._paint_general(QRectF(rect))

    def _paint_general(self, exposed: QRectF) -> None:
        painter = QPainter(self.viewport())
        paper = QRectF(self._origin, QRectF(self.document.image.rect()).size() * self._zoom)
        target = paper.intersected(exposed)
        if target != exposed:
            painter.fillRect(exposed, DESK)
        if not target.isEmpty():
            painter.fillRect(target, PAPER)
            source = QRectF(self.to_document(target.topLeft()), target.size() / self._zoom)
            if self._zoom < 1:
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            reference = self.document.reference
            if reference is not None and self.overlay is None:
                painter.setClipRect(target)
                painter.setOpacity(self.document.reference_opacity)
                painter.drawImage(paper, reference)
                painter.setOpacity(1.0)
                painter.setClipping(False)
            layer = self.overlay if self.overlay is not None else self.document.image
            painter.drawImage(target, layer, source)
        painter.end()

    def set_overlay(self, overlay: QImage | None) -> None:
        self.overlay = overlay
        self.viewport().update()

    def _on_document_changed(self, rect: QRect) -> None:
        self.viewport().update(self.view_rect(rect))

    def _on_document_size_changed(self, _size: QSize) -> None:
        self._update_scroll_bars()
        self.viewport().update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_scroll_bars()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self._refresh_origin()
        self.viewport().update()

    # -- pointer input ---------------------------------------------------------------------

    def _begin(self, device: str, at: QPointF, width: float, erase: bool, straight: bool) -> None:
        self._stroke_device = device
        self._straight = straight
        doc_point = self.to_document(at)
        self.stabilizer.start(doc_point.x(), doc_point.y())
        self.document.begin_stroke(doc_point, width, erase=erase or self.tool is Tool.ERASER)

    def _move(self, at: QPointF, width: float) -> None:
        doc_point = self.to_document(at)
        if self._straight:
            self.document.straight_stroke_to(doc_point)
            return
        if self.stabilizer.strength > 0:
            doc_point = QPointF(*self.stabilizer.add(doc_point.x(), doc_point.y()))
        self.document.extend_stroke(doc_point, width)

    def _end(self, width: float) -> None:
        if not self._straight and self.stabilizer.strength > 0:
            self.document.extend_stroke(QPointF(*self.stabilizer.finish()), width)
        self.document.end_stroke()
        self._stroke_device = None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (
                button == Qt.MouseButton.LeftButton and self._space_down):
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        elif button == Qt.MouseButton.LeftButton and self._stroke_device is None:
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self._begin("mouse", event.position(), self.pen_width, False, shift)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            delta = event.position().toPoint() - self._pan_from
            self._pan_from = event.position().toPoint()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
        elif self._stroke_device == "mouse":
            self._move(event.position(), self.pen_width)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None and event.button() in (
                Qt.MouseButton.MiddleButton, Qt.MouseButton.LeftButton):
            self._pan_from = None
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if self._space_down
                                      else Qt.CursorShape.CrossCursor)
        elif self._stroke_device == "mouse" and event.button() == Qt.MouseButton.LeftButton:
            self._end(self.pen_width)
        event.accept()

    def _on_tablet(self, event: QTabletEvent) -> None:
        # Accepting it stops Qt from also delivering the same input as mouse events.
        event.accept()
        width = pressure_width(self.pen_width, event.pressure())
        kind = event.type()
        if kind == QEvent.Type.TabletPress and self._stroke_device is None:
            eraser = event.pointerType() == QPointingDevice.PointerType.Eraser
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self._begin("tablet", event.position(), width, eraser, shift)
        elif kind == QEvent.Type.TabletMove and self._stroke_device == "tablet":
            self._move(event.position(), width)
        elif kind == QEvent.Type.TabletRelease and self._stroke_device == "tablet":
            self._end(width)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.set_zoom(self._zoom * ZOOM_STEP**steps, event.position())
            event.accept()
            return
        super().wheelEvent(event)

    # -- keys ---------------------------------------------------------------------------------

    def set_pen_width(self, width: float) -> None:
        width = clamp_width(width)
        if width != self.pen_width:
            self.pen_width = width
            self.pen_width_changed.emit(width)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        elif key == Qt.Key.Key_BracketLeft:
            self.set_pen_width(self.pen_width - max(1.0, self.pen_width * 0.15))
        elif key == Qt.Key.Key_BracketRight:
            self.set_pen_width(self.pen_width + max(1.0, self.pen_width * 0.15))
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = False
            if self._pan_from is None:
                self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        else:
            super().keyReleaseEvent(event)
