"""Mouse and tablet input on the canvas: panning (the middle button, or Space held and a
drag), the select tools' drags (on the ink or on the reference picture), and strokes of
the pen, the eraser and the shape tools, with the widths of the tools model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QMouseEvent, QPointingDevice, QTabletEvent

from scribble_studio.controllers.canvas_tools_model import Tool
from scribble_studio.domain.strokes import pressure_width
from scribble_studio.ui.canvas_tools import SELECTING

if TYPE_CHECKING:
    from scribble_studio.ui.canvas_view import CanvasView


class CanvasPointer:
    """The view's pointer handlers; one stroke at a time, from the device that began it."""

    def __init__(self, view: CanvasView) -> None:
        self.view = view
        self.pan_from: QPoint | None = None
        self.space_down = False

    def set_space_down(self, down: bool) -> None:
        """Space held: a left drag pans."""
        self.space_down = down
        if down:
            self.view.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        elif self.pan_from is None:
            self.view.viewport().setCursor(Qt.CursorShape.CrossCursor)

    def press(self, event: QMouseEvent) -> None:
        view, button = self.view, event.button()
        if button == Qt.MouseButton.MiddleButton or (
                button == Qt.MouseButton.LeftButton and self.space_down):
            self.pan_from = event.position().toPoint()
            view.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        elif button == Qt.MouseButton.LeftButton and view.tool in SELECTING:
            view.pointer_tool().press(event.position(), event.modifiers())
        elif button == Qt.MouseButton.LeftButton and view.strokes.device is None:
            view.strokes.begin("mouse", event.position(), view.tools.width, False,
                               event.modifiers())
        event.accept()

    def move(self, event: QMouseEvent) -> None:
        view = self.view
        if self.pan_from is not None:
            delta = event.position().toPoint() - self.pan_from
            self.pan_from = event.position().toPoint()
            view.horizontalScrollBar().setValue(view.horizontalScrollBar().value() - delta.x())
            view.verticalScrollBar().setValue(view.verticalScrollBar().value() - delta.y())
        elif view.pointer_tool().drag is not None:
            view.pointer_tool().move(event.position(), event.modifiers())
        elif view.strokes.device == "mouse":
            view.strokes.move(event.position(), view.tools.width, event.modifiers())
        elif view.tool in SELECTING and not self.space_down:
            view.viewport().setCursor(view.select_tool.cursor_at(event.position()))
        event.accept()

    def release(self, event: QMouseEvent) -> None:
        view = self.view
        if self.pan_from is not None and event.button() in (
                Qt.MouseButton.MiddleButton, Qt.MouseButton.LeftButton):
            self.pan_from = None
            view.viewport().setCursor(Qt.CursorShape.OpenHandCursor if self.space_down
                                      else Qt.CursorShape.CrossCursor)
        elif view.pointer_tool().drag is not None and \
                event.button() == Qt.MouseButton.LeftButton:
            view.pointer_tool().release(event.position(), event.modifiers())
        elif view.strokes.device == "mouse" and event.button() == Qt.MouseButton.LeftButton:
            view.strokes.end(view.tools.width)
        event.accept()

    def tablet(self, event: QTabletEvent) -> None:
        # Accepting it stops Qt from also delivering the same input as mouse events.
        event.accept()
        view, tools = self.view, self.view.tools
        eraser = event.pointerType() == QPointingDevice.PointerType.Eraser
        if view.tool in SELECTING and not eraser:
            self._tablet_selecting(event)
            return
        base = tools.eraser_width if eraser or tools.tool is Tool.ERASER else tools.pen_width
        width = pressure_width(base, event.pressure())
        kind, strokes = event.type(), view.strokes
        if kind == QEvent.Type.TabletPress and strokes.device is None:
            strokes.begin("tablet", event.position(), width, eraser, event.modifiers())
        elif kind == QEvent.Type.TabletMove and strokes.device == "tablet":
            strokes.move(event.position(), width, event.modifiers())
        elif kind == QEvent.Type.TabletRelease and strokes.device == "tablet":
            strokes.end(width)

    def _tablet_selecting(self, event: QTabletEvent) -> None:
        kind, tool = event.type(), self.view.pointer_tool()
        if kind == QEvent.Type.TabletPress:
            tool.press(event.position(), event.modifiers())
        elif kind == QEvent.Type.TabletMove and tool.drag is not None:
            tool.move(event.position(), event.modifiers())
        elif kind == QEvent.Type.TabletRelease and tool.drag is not None:
            tool.release(event.position(), event.modifiers())
