"""Shape tools and mirror drawing, driven by real pointer events; the tool keys through
the real window's shortcuts."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QPointF, Qt
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.qt_images import alpha_to_pil
from scribble_studio.domain.shapes import corner_scale, line_ends, shape_box, snap_angle
from scribble_studio.ui.canvas_view import CanvasView, Tool
from tests.canvas import at, empty_clipboard, shown_canvas
from tests.pointer import drag, mouse

SHIFT, ALT = Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.AltModifier


@pytest.fixture(autouse=True)
def empty_clipboard_afterwards(qapp: object) -> Iterator[None]:
    yield
    empty_clipboard()


@pytest.fixture
def view(qtbot: QtBot) -> CanvasView:
    return shown_canvas(qtbot)



def ink(view: CanvasView) -> Image.Image:
    return alpha_to_pil(view.document.image)


def test_shape_geometry() -> None:
    assert shape_box((10, 10), (40, 20)) == (10, 10, 30, 10)
    assert shape_box((10, 10), (40, 20), square=True) == (10, 10, 30, 30)
    assert shape_box((50, 50), (40, 70), square=True) == (30, 50, 20, 20)
    assert shape_box((50, 50), (60, 70), from_centre=True) == (40, 30, 20, 40)
    a, b = line_ends((0, 0), (100, 20), snap=True)
    assert a == (0, 0) and math.degrees(math.atan2(b[1], b[0])) == pytest.approx(15)
    assert snap_angle(52) == 45 and snap_angle(53) == 60
    assert corner_scale((10, 10), (0, 0), (20, 5)) == (2.0, 0.5)
    assert corner_scale((10, 10), (0, 0), (20, 5), keep_ratio=True) == (2.0, 2.0)
    assert corner_scale((10, 10), (0, 0), (-5, 5))[0] > 0  # never flips or vanishes


def test_the_rectangle_is_live_while_dragging_and_one_undo_step(view: CanvasView) -> None:
    view.set_tool(Tool.RECTANGLE)
    port = view.viewport()
    mouse(port, QEvent.Type.MouseButtonPress, *at(view, 100, 100))
    mouse(port, QEvent.Type.MouseMove, *at(view, 300, 300))
    assert ink(view).getbbox() == pytest.approx((98, 98, 303, 303), abs=2)  # live
    mouse(port, QEvent.Type.MouseMove, *at(view, 200, 150))
    mouse(port, QEvent.Type.MouseButtonRelease, *at(view, 200, 150))
    image = ink(view)
    assert image.getbbox() == pytest.approx((98, 98, 203, 153), abs=2)  # the earlier one went
    assert image.getpixel((150, 100)) == 255 and image.getpixel((150, 125)) == 0  # hollow
    assert view.document.undo_stack.count() == 1


def test_shift_makes_a_square_and_alt_draws_from_the_centre(view: CanvasView) -> None:
    view.set_tool(Tool.RECTANGLE)
    drag(view.viewport(), [at(view, 100, 100), at(view, 200, 140)], modifiers=SHIFT)
    left, top, right, bottom = ink(view).getbbox()  # type: ignore[misc]
    assert right - left == bottom - top
    view.document.clear()
    view.set_tool(Tool.ELLIPSE)
    drag(view.viewport(), [at(view, 256, 256), at(view, 306, 286)], modifiers=ALT | SHIFT)
    left, top, right, bottom = ink(view).getbbox()  # type: ignore[misc]
    assert (left + right) / 2 == pytest.approx(256.5, abs=1.5)
    assert right - left == pytest.approx(104, abs=3) and bottom - top == right - left
    assert ink(view).getpixel((256, 256)) == 0  # a circle, not a disc


def test_the_line_tool_snaps_to_15_degrees_with_shift(view: CanvasView) -> None:
    view.set_tool(Tool.LINE)
    view.set_pen_width(2)
    drag(view.viewport(), [at(view, 100, 300), at(view, 300, 290)], modifiers=SHIFT)
    left, top, right, bottom = ink(view).getbbox()  # type: ignore[misc]
    assert bottom - top <= 4  # level, not the 10 px the pointer dropped
    view.document.clear()
    drag(view.viewport(), [at(view, 100, 300), at(view, 300, 230)], modifiers=SHIFT)
    left, top, right, bottom = ink(view).getbbox()  # type: ignore[misc]
    angle = math.degrees(math.atan2(bottom - top - 2, right - left - 2))
    assert angle == pytest.approx(15, abs=1.5)


def test_the_pen_width_draws_the_shapes(view: CanvasView) -> None:
    view.set_pen_width(9)
    view.set_tool(Tool.RECTANGLE)
    drag(view.viewport(), [at(view, 100, 100), at(view, 300, 300)])
    column = [y for y in range(80, 130) if ink(view).getpixel((200, y))]
    assert len(column) == pytest.approx(9, abs=1)


def test_mirror_repeats_pen_eraser_and_shapes_in_one_step(view: CanvasView) -> None:
    view.set_mirror(True, True)
    drag(view.viewport(), [at(view, 40, 60), at(view, 120, 90), at(view, 160, 200)])
    image = ink(view)
    assert image.transpose(Image.Transpose.FLIP_LEFT_RIGHT).tobytes() == image.tobytes()
    assert image.transpose(Image.Transpose.FLIP_TOP_BOTTOM).tobytes() == image.tobytes()
    assert image.getpixel((512 - 1 - 40, 60)) == 255
    assert view.document.undo_stack.count() == 1
    view.set_tool(Tool.RECTANGLE)
    drag(view.viewport(), [at(view, 300, 300), at(view, 350, 340)])
    assert ink(view).getpixel((512 - 1 - 325, 300)) == 255  # the mirrored rectangle's top
    view.set_tool(Tool.ERASER)
    view.set_eraser_width(40)
    drag(view.viewport(), [at(view, 40, 60), at(view, 120, 90), at(view, 160, 200)])
    image = ink(view)
    # (The mirrored rectangles start at x 162, y 172: outside these.)
    assert image.crop((0, 0, 158, 168)).getbbox() is None
    assert image.crop((354, 344, 512, 512)).getbbox() is None  # erased there too
    assert image.crop((354, 0, 512, 168)).getbbox() is None
    assert view.document.undo_stack.count() == 3


def test_the_mirror_axis_is_shown(view: CanvasView) -> None:
    view.set_mirror(True, False)
    shot = view.viewport().grab().toImage()
    axis = view.to_view(QPointF(256, 100)).toPoint()
    colours = {shot.pixelColor(axis.x() + dx, axis.y() + dy).blue() > 150 and
               shot.pixelColor(axis.x() + dx, axis.y() + dy).red() < 60
               for dx in (-1, 0) for dy in range(8)}
    assert True in colours


def test_tool_keys_in_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    from scribble_studio.main import build_window

    window = build_window(tmp_path, {}, None)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    view = window.view
    view.setFocus()
    for key, tool in ((Qt.Key.Key_M, Tool.SELECT), (Qt.Key.Key_L, Tool.LASSO),
                      (Qt.Key.Key_R, Tool.RECTANGLE), (Qt.Key.Key_O, Tool.ELLIPSE),
                      (Qt.Key.Key_U, Tool.LINE), (Qt.Key.Key_E, Tool.ERASER),
                      (Qt.Key.Key_B, Tool.PEN)):
        qtbot.keyClick(view, key)
        assert view.tool is tool
        assert window.actions_.tool_actions[tool].isChecked()
    # The width box follows the tool: the pen and the eraser each keep their own.
    box = window.actions_.width_box
    box.setValue(7)
    qtbot.keyClick(view, Qt.Key.Key_E)
    assert box.value() == round(view.eraser_width) != 7
    qtbot.keyClick(view, Qt.Key.Key_B)
    assert box.value() == 7
    # Select all, copy and paste through the window's Edit actions.
    view.set_tool(Tool.RECTANGLE)
    drag(view.viewport(), [at(view, 100, 100), at(view, 150, 150)])
    qtbot.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert view.document.selection.active and view.tool is Tool.SELECT
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert view.document.selection.is_floating
    assert window.actions_.undo.isEnabled()
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # cancels it
    assert not view.document.selection.is_floating
    assert view.document.undo_stack.count() == 1
