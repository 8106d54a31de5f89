"""The canvas's tool state: which tool, the pen's and the eraser's widths, the stabilizer.

One model holds it; the tool bar's widgets and the canvas follow it. ``width`` is the
width of the tool in use (the pen and the eraser each keep their own), so the one width
box in the tool bar binds to it and shows the eraser's width while erasing.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import QObject, Signal

from scribble_studio.controllers.properties import Property
from scribble_studio.domain.strokes import DEFAULT_ERASER_WIDTH, DEFAULT_WIDTH, clamp_width

STABILIZER_STRENGTH = 0.7  # how far the line trails the pen with the stabilizer on


class Tool(enum.Enum):
    PEN = "pen"
    ERASER = "eraser"
    SELECT = "select"
    LASSO = "lasso"
    RECTANGLE = "rectangle"
    ELLIPSE = "ellipse"
    LINE = "line"


class CanvasToolsModel(QObject):
    tool_changed = Signal(object)
    pen_width_changed = Signal(float)
    eraser_width_changed = Signal(float)
    stabilizer_changed = Signal(bool)
    width_changed = Signal(float)  # the width of the tool in use

    tool = Property(Tool.PEN)
    pen_width = Property(DEFAULT_WIDTH, coerce=clamp_width)
    eraser_width = Property(DEFAULT_ERASER_WIDTH, coerce=clamp_width)
    stabilizer = Property(False)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tool_changed.connect(self._on_tool_changed)
        self.pen_width_changed.connect(lambda w: self._on_width_changed(Tool.PEN, w))
        self.eraser_width_changed.connect(lambda w: self._on_width_changed(Tool.ERASER, w))

    @property
    def width(self) -> float:
        return self.eraser_width if self.tool is Tool.ERASER else self.pen_width

    @width.setter
    def width(self, width: float) -> None:
        if self.tool is Tool.ERASER:
            self.eraser_width = width
        else:
            self.pen_width = width

    @property
    def stabilizer_strength(self) -> float:
        return STABILIZER_STRENGTH if self.stabilizer else 0.0

    def _on_tool_changed(self, _tool: Tool) -> None:
        self.width_changed.emit(self.width)

    def _on_width_changed(self, of: Tool, width: float) -> None:
        if (of is Tool.ERASER) == (self.tool is Tool.ERASER):
            self.width_changed.emit(width)
