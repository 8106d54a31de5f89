"""Pointer samples to strokes: the pen and the eraser, the shape tools, Shift for a
straight line, and the stabilizer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt

from scribble_studio.domain.shapes import ShapeKind
from scribble_studio.domain.strokes import Stabilizer
from scribble_studio.ui.canvas_tools import SHAPES, Tool

if TYPE_CHECKING:
    from scribble_studio.ui.canvas_view import CanvasView

SHIFT, ALT = Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.AltModifier


class StrokeInput:
    """One stroke at a time, from the device that began it ("mouse" or "tablet")."""

    def __init__(self, view: CanvasView) -> None:
        self.view = view
        self.stabilizer = Stabilizer(0.0)
        self.device: str | None = None
        self._shape: ShapeKind | None = None
        self._straight = False
        self._modifiers = Qt.KeyboardModifier.NoModifier

    def begin(self, device: str, at: QPointF, width: float, erase: bool,
              modifiers: Qt.KeyboardModifier) -> None:
        view = self.view
        self.device, self._modifiers = device, modifiers
        self._shape = SHAPES.get(view.tool)
        self._straight = bool(modifiers & SHIFT) and self._shape is None
        if self._straight:  # Shift with the pen or the eraser: a straight line
            self._shape = ShapeKind.LINE
        doc_point = view.to_document(at)
        self.stabilizer.start(doc_point.x(), doc_point.y())
        view.document.begin_stroke(doc_point, width, erase=erase or view.tool is Tool.ERASER,
                                   dot=self._shape is None)

    def move(self, at: QPointF, width: float,
             modifiers: Qt.KeyboardModifier | None = None) -> None:
        doc, doc_point = self.view.document, self.view.to_document(at)
        if self._shape is not None:
            mods = self._modifiers if modifiers is None else modifiers
            doc.shape_stroke_to(self._shape, doc_point,
                                constrain=bool(mods & SHIFT) and not self._straight,
                                from_centre=bool(mods & ALT))
            return
        if self.stabilizer.strength > 0:
            doc_point = QPointF(*self.stabilizer.add(doc_point.x(), doc_point.y()))
        doc.extend_stroke(doc_point, width)

    def end(self, width: float) -> None:
        if self._shape is None and self.stabilizer.strength > 0:
            self.view.document.extend_stroke(QPointF(*self.stabilizer.finish()), width)
        self.view.document.end_stroke()
        self.device = None
