"""The canvas's tool state: one width box that shows the width of the tool in use (the
pen and the eraser keep their own), widths kept in range, the stabilizer's strength, and
a signal only when something changed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSpinBox
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.canvas_tools_model import (
    STABILIZER_STRENGTH,
    CanvasToolsModel,
    Tool,
)
from scribble_studio.controllers.properties import bind
from scribble_studio.domain.strokes import (
    DEFAULT_ERASER_WIDTH,
    DEFAULT_WIDTH,
    MAX_WIDTH,
    MIN_WIDTH,
)

pytestmark = pytest.mark.usefixtures("qapp")


def recorded(model: CanvasToolsModel) -> dict[str, list[object]]:
    seen: dict[str, list[object]] = {"tool": [], "pen": [], "eraser": [], "width": [],
                                     "stabilizer": []}
    model.tool_changed.connect(seen["tool"].append)
    model.pen_width_changed.connect(seen["pen"].append)
    model.eraser_width_changed.connect(seen["eraser"].append)
    model.width_changed.connect(seen["width"].append)
    model.stabilizer_changed.connect(seen["stabilizer"].append)
    return seen


def test_a_new_model_draws_with_the_pen_at_its_default_widths() -> None:
    model = CanvasToolsModel()
    assert model.tool is Tool.PEN and not model.stabilizer
    assert (model.pen_width, model.eraser_width) == (DEFAULT_WIDTH, DEFAULT_ERASER_WIDTH)
    assert model.width == DEFAULT_WIDTH and model.stabilizer_strength == 0.0


def test_the_width_is_the_erasers_while_erasing_and_the_pens_otherwise(qtbot: QtBot) -> None:
    model = CanvasToolsModel()
    seen = recorded(model)
    model.width = 9
    with qtbot.waitSignal(model.width_changed) as switched:
        model.tool = Tool.ERASER
    assert switched.args == [DEFAULT_ERASER_WIDTH] and model.width == DEFAULT_ERASER_WIDTH
    model.width = 30  # the one width box, while erasing, sets the eraser's width
    assert (model.pen_width, model.eraser_width) == (9, 30)
    model.tool = Tool.PEN
    assert model.width == 9
    assert seen["pen"] == [9] and seen["eraser"] == [30]
    assert seen["width"] == [9, DEFAULT_ERASER_WIDTH, 30, 9]


def test_a_change_to_the_tool_not_in_use_does_not_move_the_width_box() -> None:
    model = CanvasToolsModel()
    seen = recorded(model)
    model.eraser_width = 20  # the pen is in use: its width box stays as it is
    assert seen["eraser"] == [20] and seen["width"] == []
    model.tool = Tool.ERASER
    model.pen_width = 7
    assert seen["pen"] == [7] and seen["width"] == [20]
    assert model.width == 20


def test_the_shape_and_selection_tools_use_the_pens_width() -> None:
    model = CanvasToolsModel()
    model.pen_width, model.eraser_width = 5, 25
    for tool in (Tool.LINE, Tool.RECTANGLE, Tool.ELLIPSE, Tool.SELECT, Tool.LASSO):
        model.tool = tool
        assert model.width == 5, tool
        model.width = 6  # and set it
        assert (model.pen_width, model.eraser_width) == (6, 25), tool
        model.width = 5


def test_widths_are_kept_in_range_and_the_signal_carries_the_kept_value() -> None:
    model = CanvasToolsModel()
    seen = recorded(model)
    model.pen_width = 1000
    model.eraser_width = 0.1
    assert (model.pen_width, model.eraser_width) == (MAX_WIDTH, MIN_WIDTH)
    assert seen["pen"] == [MAX_WIDTH] and seen["eraser"] == [MIN_WIDTH]
    model.width = MAX_WIDTH + 5  # clamped to the value it has: no second signal
    assert seen["pen"] == [MAX_WIDTH] and seen["width"] == [MAX_WIDTH]


def test_setting_what_is_already_set_says_nothing() -> None:
    model = CanvasToolsModel()
    seen = recorded(model)
    model.tool = Tool.PEN
    model.pen_width = DEFAULT_WIDTH
    model.stabilizer = False
    assert all(values == [] for values in seen.values()), seen


def test_the_stabilizer_has_strength_only_while_on() -> None:
    model = CanvasToolsModel()
    seen = recorded(model)
    model.stabilizer = True
    assert model.stabilizer_strength == STABILIZER_STRENGTH > 0
    model.stabilizer = False
    assert model.stabilizer_strength == 0.0 and seen["stabilizer"] == [True, False]


def test_two_models_keep_their_own_state() -> None:
    # Properties live on the instance: a second window's tools are its own.
    first, second = CanvasToolsModel(), CanvasToolsModel()
    first.tool, first.pen_width = Tool.ERASER, 12
    assert second.tool is Tool.PEN and second.pen_width == DEFAULT_WIDTH


def width_box(qtbot: QtBot, model: CanvasToolsModel) -> QSpinBox:
    """The tool bar's width box, bound as the tool bar binds it, shown for typing."""
    box = QSpinBox()
    box.setRange(int(MIN_WIDTH), int(MAX_WIDTH))
    qtbot.addWidget(box)
    box.binding = bind(model, "width", box)  # type: ignore[attr-defined]  # (kept alive)
    box.show()
    qtbot.waitExposed(box)
    return box


def typed(qtbot: QtBot, box: QSpinBox, text: str) -> None:
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def test_the_one_width_box_shows_and_sets_the_width_of_the_tool_in_use(
        qtbot: QtBot) -> None:
    model = CanvasToolsModel()
    box = width_box(qtbot, model)
    assert box.value() == DEFAULT_WIDTH
    typed(qtbot, box, "11")
    assert model.pen_width == 11
    model.tool = Tool.ERASER
    assert box.value() == DEFAULT_ERASER_WIDTH  # the box follows the tool
    typed(qtbot, box, "40")
    assert (model.pen_width, model.eraser_width) == (11, 40)
    model.tool = Tool.LINE
    assert box.value() == 11


def test_the_box_shows_a_fractional_width_rounded_and_never_writes_it_back(
        qtbot: QtBot) -> None:
    # A pressure-sized or scaled width need not be whole: the box cannot show 6.4, and
    # its own valueChanged(6) must not round the model's width.
    model = CanvasToolsModel()
    box = width_box(qtbot, model)
    model.pen_width = 6.4
    assert box.value() == 6 and model.pen_width == 6.4
    model.tool = Tool.ERASER
    model.tool = Tool.PEN
    assert model.pen_width == 6.4
