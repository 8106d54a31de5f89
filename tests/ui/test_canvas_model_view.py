"""What the model sees, while a selection is being moved: the map as it will be sent,
plain and inverted."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from scribble_studio.ui.canvas_view import Tool
from scribble_studio.ui.main_window import MainWindow
from tests.canvas import at
from tests.pointer import drag


@pytest.mark.parametrize("inverted", [False, True])
def test_a_floating_selection_shows_in_the_map_where_it_is(window: MainWindow,
                                                           inverted: bool) -> None:
    view = window.view
    view.set_tool(Tool.RECTANGLE)
    drag(view.viewport(), [at(view, 100, 100), at(view, 200, 160)])
    view.set_tool(Tool.SELECT)
    drag(view.viewport(), [at(view, 80, 80), at(view, 220, 180)])
    view.setFocus()
    for _ in range(5):
        QTest.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert view.document.selection.is_floating
    window.actions_.invert.setChecked(inverted)
    window.actions_.model_view.setChecked(True)
    shot = view.viewport().grab().toImage()

    def shown(x: float, y: float) -> int:
        return shot.pixelColor(view.to_view(QPointF(x, y)).toPoint()).red()

    ink, paper = (255, 0) if inverted else (0, 255)
    assert shown(150 + 50, 100) == ink  # the top edge, 50 px to the right
    assert shown(100, 130) == paper and shown(125, 100) == paper  # not where it was
