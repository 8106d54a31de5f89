"""The canvas widget: draws the document at any zoom and turns pointer input into strokes.

Coordinates: widget (viewport) points are logical pixels; document points are ink
pixels. ``to_document``/``to_view`` convert; only the changed rectangle is repainted.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPaintEvent,
    QResizeEvent,
    QTabletEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.canvas_tools_model import CanvasToolsModel
from scribble_studio.ui.canvas_paint import paint_canvas
from scribble_studio.ui.canvas_pointer import CanvasPointer
from scribble_studio.ui.canvas_tools import SELECTING, SelectTool, Tool
from scribble_studio.ui.ink_clipboard import copy_selection, cut_selection, paste_ink
from scribble_studio.ui.reference_tool import ReferenceTool
from scribble_studio.ui.stroke_input import StrokeInput

__all__ = ["CanvasView", "Tool"]  # Tool is imported from here by the actions and tests

MIN_ZOOM, MAX_ZOOM, ZOOM_STEP = 0.1, 16.0, 1.25
ANTS_INTERVAL_MS = 150
SHIFT = Qt.KeyboardModifier.ShiftModifier


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
    """The tool, the widths and the stabilizer are the tools model's (``tools``, shared
    with the tool bar); the view keeps no copy of them and follows the model's changes."""

    zoom_changed = Signal(float)

    def __init__(self, document: CanvasDocument, tools: CanvasToolsModel | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.tools = tools if tools is not None else CanvasToolsModel(self)
        self.select_tool = SelectTool(self)
        self.reference_tool = ReferenceTool(self)
        # With the select tool, drags move and scale the reference picture, not the ink.
        self.edit_reference = False
        self._ants = QTimer(self)
        self._ants.setInterval(ANTS_INTERVAL_MS)
        self._ants.timeout.connect(self._on_ants_timeout)
        self.strokes = StrokeInput(self)
        self.stabilizer = self.strokes.stabilizer
        self.overlay: QImage | None = None  # "what the model sees", drawn instead of ink
        self.overlay_inverted = False  # that map is white strokes on black
        self._zoom = 1.0
        self._origin = QPointF()
        self.pointer = CanvasPointer(self)
        self.setViewport(_Surface(self.pointer.tablet))
        self.setAccessibleName("Sketch canvas")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        document.changed.connect(self._on_document_changed)
        document.size_changed.connect(self._on_document_size_changed)
        document.selection.changed.connect(self._on_selection_changed)
        document.selection.active_changed.connect(self._on_selection_active_changed)
        self.tools.tool_changed.connect(self._on_tools_tool_changed)
        self.tools.stabilizer_changed.connect(self._on_tools_stabilizer_changed)
        self._on_tools_stabilizer_changed(self.tools.stabilizer)
        self._update_scroll_bars()

    # -- tools: read from and written to the tools model ------------------------------------

    @property
    def tool(self) -> Tool:
        return self.tools.tool

    @tool.setter
    def tool(self, tool: Tool) -> None:
        self.tools.tool = tool

    def set_tool(self, tool: Tool) -> None:
        self.tools.tool = tool

    @property
    def width(self) -> float:  # type: ignore[override]  # the current tool's, not QWidget's
        return self.tools.width

    def set_width(self, width: float) -> None:
        """Set the width of the tool in use: the pen and the eraser keep their own."""
        self.tools.width = width

    @property
    def pen_width(self) -> float:
        return self.tools.pen_width

    def set_pen_width(self, width: float) -> None:
        self.tools.pen_width = width

    @property
    def eraser_width(self) -> float:
        return self.tools.eraser_width

    def set_eraser_width(self, width: float) -> None:
        self.tools.eraser_width = width

    def _on_tools_tool_changed(self, tool: Tool) -> None:
        """Leaving the select tools applies a transform in progress."""
        if tool not in SELECTING:
            self.select_tool.drag = None  # a key pressed mid-drag ends the drag here
            self.document.selection.apply()
        self.select_tool.lasso = tool is Tool.LASSO
        # Hover moves reach the view only for the select tools: they show by the cursor
        # what a press would grab (move, a corner, the rotation handle).
        self.viewport().setMouseTracking(tool in SELECTING)
        if tool not in SELECTING:
            self.viewport().setCursor(Qt.CursorShape.CrossCursor)

    def _on_tools_stabilizer_changed(self, _on: bool) -> None:
        self.strokes.stabilizer.strength = self.tools.stabilizer_strength

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

    def view_transform(self) -> QTransform:
        """Document → viewport coordinates."""
        return QTransform(self._zoom, 0, 0, self._zoom, self._origin.x(), self._origin.y())

    def update_document_rect(self, rect: QRect) -> None:
        if not rect.isEmpty():
            self.viewport().update(self.view_rect(rect).adjusted(-2, -2, 2, 2))

    def paintEvent(self, event: QPaintEvent) -> None:
        paint_canvas(self, event.rect(), self._origin, self._zoom)

    def _on_selection_changed(self, rect: QRect) -> None:
        # Handles and the rotation knob reach outside the outline.
        reach = round(40 / self._zoom) + 4
        self.update_document_rect(rect.adjusted(-reach, -reach, reach, reach))

    def _on_selection_active_changed(self, active: bool) -> None:
        if active:
            self._ants.start()
        else:
            self._ants.stop()

    def _on_ants_timeout(self) -> None:
        self.select_tool.ants_phase = (self.select_tool.ants_phase + 1) % 8
        self._on_selection_changed(self.document.selection.bounds())

    def set_mirror(self, vertical: bool, horizontal: bool) -> None:
        self.document.mirror_vertical, self.document.mirror_horizontal = vertical, horizontal
        self.viewport().update()

    def set_overlay(self, overlay: QImage | None, inverted: bool = False) -> None:
        self.overlay, self.overlay_inverted = overlay, inverted
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

    # -- pointer input: CanvasPointer's ---------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.pointer.press(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self.pointer.move(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.pointer.release(event)

    def pointer_tool(self) -> SelectTool | ReferenceTool:
        """What a drag with the select tools acts on: the ink, or the reference layer."""
        if self.edit_reference and self.document.reference is not None:
            return self.reference_tool
        return self.select_tool

    def set_edit_reference(self, on: bool) -> None:
        """Let the select tools move and scale the reference picture instead of the ink."""
        self.edit_reference = on
        if on:
            self.document.selection.drop()
            if self.tool not in SELECTING:
                self.set_tool(Tool.SELECT)
        self.viewport().update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.set_zoom(self._zoom * ZOOM_STEP**steps, event.position())
            event.accept()
            return
        super().wheelEvent(event)

    # -- keys ---------------------------------------------------------------------------------

    # -- the selection's edit commands (also the Edit menu's) ---------------------------

    def select_all(self) -> None:
        if self.tool not in SELECTING:
            self.set_tool(Tool.SELECT)
        self.document.selection.select_all()

    def copy_selection(self) -> bool:
        return copy_selection(self.document)

    def cut_selection(self) -> bool:
        return cut_selection(self.document)

    def paste_ink(self) -> bool:
        """Paste ink copied on this canvas, ready to be moved with the select tool."""
        if not paste_ink(self.document):
            return False
        if self.tool not in SELECTING:
            self.set_tool(Tool.SELECT)
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, ctrl = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.pointer.set_space_down(True)
        elif key == Qt.Key.Key_BracketLeft:
            self.set_width(self.width - max(1.0, self.width * 0.15))
        elif key == Qt.Key.Key_BracketRight:
            self.set_width(self.width + max(1.0, self.width * 0.15))
        elif ctrl and key in self._edit_keys():
            # In the window the Edit actions take these keys first; this is the canvas
            # on its own (and the same commands).
            self._edit_keys()[key](bool(event.modifiers() & SHIFT))
        elif not ctrl and self.select_tool.key(event):
            pass
        else:
            super().keyPressEvent(event)

    def _edit_keys(self) -> dict[int, Callable[[bool], object]]:
        doc = self.document
        return {Qt.Key.Key_Z: lambda shift: doc.redo() if shift else doc.undo(),
                Qt.Key.Key_Y: lambda _shift: doc.redo(),
                Qt.Key.Key_A: lambda _shift: self.select_all(),
                Qt.Key.Key_C: lambda _shift: self.copy_selection(),
                Qt.Key.Key_X: lambda _shift: self.cut_selection(),
                Qt.Key.Key_V: lambda _shift: self.paste_ink()}

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.pointer.set_space_down(False)
        else:
            super().keyReleaseEvent(event)
