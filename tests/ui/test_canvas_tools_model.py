"""The canvas-tools model behind the tool bar, through the real window: the width box
shows the model's width and never writes a rounded copy of it back."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from scribble_studio.ui.main_window import MainWindow


def _focus_canvas(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    window.view.setFocus()
    qtbot.waitUntil(window.view.hasFocus)


def test_a_width_the_box_cannot_show_is_not_rounded_back(qtbot: QtBot,
                                                         window: MainWindow) -> None:
    view, box = window.view, window.actions_.width_box
    _focus_canvas(qtbot, window)
    box.setValue(10)  # the user picks 10 px in the box
    assert view.pen_width == 10
    qtbot.keyClick(view, Qt.Key.Key_BracketRight)  # "]": 15 % wider, 11.5 px
    assert view.pen_width == 11.5
    assert box.value() == 12  # the box shows the nearest whole pixel
    qtbot.keyClick(view, Qt.Key.Key_BracketLeft)  # 11.5 − 1.725
    assert view.pen_width == 11.5 - 11.5 * 0.15
    assert box.value() == round(11.5 - 11.5 * 0.15)


def test_the_user_typing_in_the_box_sets_the_width_of_the_tool_in_use(
        qtbot: QtBot, window: MainWindow) -> None:
    view, box = window.view, window.actions_.width_box
    _focus_canvas(qtbot, window)
    box.selectAll()
    qtbot.keyClicks(box, "9")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert view.pen_width == 9
    qtbot.keyClick(view, Qt.Key.Key_E)  # the eraser keeps its own width
    assert box.value() == round(view.eraser_width) != 9
    box.selectAll()
    qtbot.keyClicks(box, "30")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert view.eraser_width == 30 and view.pen_width == 9
