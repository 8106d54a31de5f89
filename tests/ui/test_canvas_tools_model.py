"""The canvas-tools model behind the tool bar and the canvas, through the real window: the
width box shows the model's width and never writes a rounded copy of it back; the canvas
draws with the model's tool and widths and keeps no copy of them."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.canvas_tools_model import CanvasToolsModel, Tool
from scribble_studio.ui.canvas_view import CanvasView
from scribble_studio.ui.main_window import MainWindow
from tests.canvas import at
from tests.pointer import drag


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


def test_the_tool_bar_the_menu_and_the_canvas_follow_the_tools_model(
        qtbot: QtBot, window: MainWindow) -> None:
    view, actions = window.view, window.actions_
    tools = actions.tools
    _focus_canvas(qtbot, window)
    tools.tool = Tool.ERASER  # the model moves the canvas, the checked action, the box
    assert view.tool is Tool.ERASER and actions.eraser.isChecked()
    assert actions.width_box.value() == round(tools.eraser_width)
    qtbot.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # select all
    assert tools.tool is Tool.SELECT and actions.select.isChecked()  # the canvas's own move
    actions.pen.trigger()
    assert tools.tool is Tool.PEN is view.tool
    tools.pen_width = 500  # the model clamps; the canvas draws with what it holds
    assert tools.pen_width == view.pen_width == 64 == actions.width_box.value()


def test_the_stabilizer_action_and_the_model_agree(qtbot: QtBot, window: MainWindow) -> None:
    view, actions = window.view, window.actions_
    actions.stabilizer.trigger()  # as the Canvas menu's item does
    assert actions.tools.stabilizer is True
    assert view.stabilizer.strength == actions.tools.stabilizer_strength > 0
    actions.tools.stabilizer = False
    assert not actions.stabilizer.isChecked() and view.stabilizer.strength == 0


def test_the_canvas_draws_with_the_injected_models_tool_and_width(qtbot: QtBot) -> None:
    """The canvas keeps no copy: a model given to it decides the tool and the width it
    draws with, and the canvas's own keys write to that model."""
    tools = CanvasToolsModel()
    view = CanvasView(CanvasDocument(QSize(512, 512)), tools)
    view.resize(700, 700)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.setFocus()
    tools.pen_width = 30
    drag(view.viewport(), [at(view, 50, 100), at(view, 450, 100)])

    def thickness(y: int) -> int:
        ink = view.document.image
        return sum(1 for dy in range(-40, 41) if ink.pixelColor(250, y + dy).alpha() > 127)

    assert 27 <= thickness(100) <= 33
    tools.tool = Tool.ERASER
    tools.eraser_width = 64
    drag(view.viewport(), [at(view, 30, 100), at(view, 470, 100)])
    assert thickness(100) == 0
    qtbot.keyClick(view, Qt.Key.Key_BracketLeft)  # narrower: the model's eraser width
    assert tools.eraser_width == 64 - 64 * 0.15 and tools.pen_width == 30
    tools.stabilizer = True
    assert view.stabilizer.strength == tools.stabilizer_strength > 0
