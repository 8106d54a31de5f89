"""A canvas view shown for a test, and document ↔ widget points for pointer events."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.ui.canvas_view import CanvasView


def shown_canvas(qtbot: QtBot, side: int = 512) -> CanvasView:
    """A side×side document in a 700×700 view at 100%, shown and focused."""
    widget = CanvasView(CanvasDocument(QSize(side, side)))
    widget.resize(700, 700)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.setFocus()
    return widget


def at(view: CanvasView, x: float, y: float) -> tuple[float, float]:
    """The widget point over document point (x, y)."""
    p = view.to_view(QPointF(x, y))
    return p.x(), p.y()


def empty_clipboard() -> None:
    """The offscreen platform crashes at exit when the clipboard still holds mime data a
    program set (xcb does not: checked under Xvfb), so tests that copy empty it."""
    QApplication.clipboard().clear()
