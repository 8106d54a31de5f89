"""The select tool, driven by real pointer and key events: select, move, nudge, delete,
copy/cut/paste, scale and rotate handles, each transform one undo step."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.qt_images import alpha_to_pil
from scribble_studio.ui.canvas_view import CanvasView, Tool
from tests.canvas import at, empty_clipboard, shown_canvas
from tests.pointer import NO_BUTTON, drag, mouse, tablet_stroke

SHIFT, ALT = Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture(autouse=True)
def empty_clipboard_afterwards(qapp: object) -> Iterator[None]:
    yield
    empty_clipboard()


@pytest.fixture
def view(qtbot: QtBot) -> CanvasView:
    return shown_canvas(qtbot)



def ink(view: CanvasView) -> Image.Image:
    return alpha_to_pil(view.document.image)


def sent(view: CanvasView) -> Image.Image:
    """The ink as Generate would send it (a selection being moved included)."""
    return view.document.darkness_image().point(lambda v: 255 - v)


def box(image: Image.Image) -> tuple[int, int, int, int] | None:
    return image.getbbox()


def draw_rect(view: CanvasView, left: int, top: int, right: int, bottom: int) -> None:
    view.set_tool(Tool.RECTANGLE)
    drag(view.viewport(), [at(view, left, top), at(view, (left + right) / 2, bottom - 5),
                           at(view, right, bottom)])


def select(view: CanvasView, left: int, top: int, right: int, bottom: int,
           modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    view.set_tool(Tool.SELECT)
    drag(view.viewport(), [at(view, left, top), at(view, right, bottom)], modifiers=modifiers)


def qtbot_keys(view: CanvasView, *keys: Qt.Key,
               modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """Real key presses and releases, to the focused canvas."""
    for key in keys:
        QTest.keyClick(view, key, modifiers)


def test_drag_inside_moves_the_selected_ink_as_one_undo_step(view: CanvasView) -> None:
    draw_rect(view, 100, 100, 200, 160)
    before = ink(view).tobytes()
    assert box(ink(view)) == pytest.approx((98, 98, 203, 163), abs=2)
    select(view, 80, 80, 220, 180)
    assert view.document.selection.active
    drag(view.viewport(), [at(view, 150, 130), at(view, 180, 150), at(view, 210, 170)])
    assert box(sent(view)) == pytest.approx((158, 138, 263, 203), abs=2)  # shown moved
    qtbot_keys(view, Qt.Key.Key_Return)
    image = ink(view)
    assert box(image) == pytest.approx((158, 138, 263, 203), abs=2)
    assert image.getpixel((100, 130)) == 0  # the old place is bare
    assert set(image.tobytes()) == {0, 255}
    stack = view.document.undo_stack
    assert stack.count() == 2 and stack.undoText() == "Move selection"
    view.document.undo()
    assert ink(view).tobytes() == before
    view.document.redo()
    assert ink(view).tobytes() == image.tobytes()


def test_arrows_nudge_by_one_and_shift_by_ten_in_one_step(view: CanvasView) -> None:
    draw_rect(view, 100, 100, 200, 160)
    select(view, 80, 80, 220, 180)
    start = box(ink(view))
    assert start is not None
    qtbot_keys(view, Qt.Key.Key_Right, Qt.Key.Key_Right)
    qtbot_keys(view, Qt.Key.Key_Down, modifiers=SHIFT)
    qtbot_keys(view, Qt.Key.Key_Up)
    qtbot_keys(view, Qt.Key.Key_Return)
    moved = box(ink(view))
    assert moved == (start[0] + 2, start[1] + 9, start[2] + 2, start[3] + 9)
    assert view.document.undo_stack.count() == 2


def test_undo_while_moving_cancels_the_move(view: CanvasView) -> None:
    draw_rect(view, 100, 100, 200, 160)
    before = ink(view).tobytes()
    select(view, 80, 80, 220, 180)
    qtbot_keys(view, Qt.Key.Key_Left, modifiers=SHIFT)
    assert view.document.selection.is_floating
    qtbot_keys(view, Qt.Key.Key_Z, modifiers=CTRL)
    assert ink(view).tobytes() == before and view.document.undo_stack.count() == 1


def test_delete_clears_the_selection_only(view: CanvasView) -> None:
    draw_rect(view, 50, 50, 120, 120)
    draw_rect(view, 300, 300, 400, 400)
    select(view, 30, 30, 140, 140)
    qtbot_keys(view, Qt.Key.Key_Delete)
    assert box(ink(view)) == pytest.approx((298, 298, 403, 403), abs=2)
    assert view.document.undo_stack.count() == 3
    view.document.undo()
    assert box(ink(view)) == pytest.approx((48, 48, 403, 403), abs=2)


def test_escape_and_a_click_outside_drop_the_selection(view: CanvasView) -> None:
    draw_rect(view, 100, 100, 200, 160)
    select(view, 80, 80, 220, 180)
    qtbot_keys(view, Qt.Key.Key_Escape)
    assert not view.document.selection.active
    select(view, 80, 80, 220, 180)
    drag(view.viewport(), [at(view, 400, 400)])  # a click, no drag
    assert not view.document.selection.active


def test_switching_tools_applies_the_move(view: CanvasView) -> None:
    draw_rect(view, 100, 100, 200, 160)
    select(view, 80, 80, 220, 180)
    drag(view.viewport(), [at(view, 150, 130), at(view, 250, 130)])
    view.set_tool(Tool.PEN)
    assert not view.document.selection.is_floating
    assert box(ink(view)) == pytest.approx((198, 98, 303, 163), abs=2)
    assert view.document.undo_stack.count() == 2


def test_alt_drag_is_a_lasso_that_takes_only_what_it_surrounds(view: CanvasView) -> None:
    draw_rect(view, 100, 100, 140, 140)
    draw_rect(view, 200, 100, 240, 140)
    view.set_tool(Tool.SELECT)
    # A triangle around the first square only (its box would reach the second).
    loop = [at(view, 80, 80), at(view, 260, 80), at(view, 80, 200), at(view, 80, 81)]
    drag(view.viewport(), loop, modifiers=ALT)
    drag(view.viewport(), [at(view, 120, 120), at(view, 120, 320)])
    view.set_tool(Tool.PEN)
    image = ink(view)
    assert image.crop((190, 90, 250, 150)).getbbox() is not None  # the second stayed
    assert image.crop((90, 90, 150, 150)).getbbox() is None  # the first left
    assert image.crop((90, 290, 150, 350)).getbbox() is not None  # and landed here


def test_ctrl_a_then_copy_and_paste_lands_a_movable_copy(view: CanvasView) -> None:
    draw_rect(view, 100, 100, 160, 160)
    view.set_tool(Tool.SELECT)
    qtbot_keys(view, Qt.Key.Key_A, modifiers=CTRL)
    assert view.document.selection.active
    qtbot_keys(view, Qt.Key.Key_C, modifiers=CTRL)
    qtbot_keys(view, Qt.Key.Key_V, modifiers=CTRL)
    assert view.document.selection.is_floating and view.tool is Tool.SELECT
    drag(view.viewport(), [at(view, 130, 130), at(view, 330, 230)])
    qtbot_keys(view, Qt.Key.Key_Return)
    image = ink(view)
    assert image.crop((90, 90, 170, 170)).getbbox() is not None
    assert image.crop((290, 190, 370, 270)).getbbox() is not None
    assert view.document.undo_stack.count() == 2 and \
        view.document.undo_stack.undoText() == "Paste"


def test_cut_removes_and_paste_brings_it_back(view: CanvasView) -> None:
    draw_rect(view, 100, 100, 160, 160)
    before = ink(view).tobytes()
    select(view, 80, 80, 180, 180)
    qtbot_keys(view, Qt.Key.Key_X, modifiers=CTRL)
    assert ink(view).getbbox() is None
    qtbot_keys(view, Qt.Key.Key_V, modifiers=CTRL)
    qtbot_keys(view, Qt.Key.Key_Return)
    assert ink(view).tobytes() == before


def test_a_corner_handle_scales_and_the_ink_stays_two_level(view: CanvasView) -> None:
    draw_rect(view, 100, 100, 200, 150)
    select(view, 96, 96, 205, 155)
    corner = view.select_tool.corners()[2]  # bottom right
    drag(view.viewport(), [at(view, corner.x(), corner.y()),
                           at(view, corner.x() + 109, corner.y() + 59)])
    qtbot_keys(view, Qt.Key.Key_Return)
    image = ink(view)
    assert set(image.tobytes()) == {0, 255}  # resampled, then thresholded: no grey
    found = box(image)
    assert found is not None
    assert found == pytest.approx((98, 98, 312, 212), abs=4)  # twice as big, top-left fixed
    assert view.document.undo_stack.undoText() == "Scale selection"


def test_shift_on_a_corner_keeps_the_proportions(view: CanvasView) -> None:
    draw_rect(view, 100, 100, 200, 150)
    select(view, 96, 96, 204, 154)
    corner = view.select_tool.corners()[2]
    drag(view.viewport(), [at(view, corner.x(), corner.y()),
                           at(view, corner.x() + 108, corner.y() + 5)], modifiers=SHIFT)
    view.set_tool(Tool.PEN)
    found = box(ink(view))
    assert found is not None
    width, height = found[2] - found[0], found[3] - found[1]
    assert width == pytest.approx(2 * 105, abs=6) and height == pytest.approx(2 * 55, abs=6)


def test_the_handle_above_rotates_in_15_degree_steps_with_shift(view: CanvasView) -> None:
    view.set_tool(Tool.LINE)
    drag(view.viewport(), [at(view, 150, 250), at(view, 350, 250)])
    select(view, 140, 240, 361, 261)
    handle = view.select_tool.rotate_handle()  # view coordinates
    centre = view.to_view(QPointF(250.5, 250.5))
    # Turn by about 85°: from above the centre to its right (a little short of it).
    drag(view.viewport(), [(handle.x(), handle.y()),
                           (centre.x() + 120, centre.y() - 10)], modifiers=SHIFT)
    assert view.document.selection.angle == 90.0
    qtbot_keys(view, Qt.Key.Key_Return)
    found = box(ink(view))
    assert found is not None
    assert found[2] - found[0] < 12 and found[3] - found[1] > 190  # now upright
    assert set(ink(view).tobytes()) == {0, 255}


def test_the_outline_marches(view: CanvasView, qtbot: QtBot) -> None:
    draw_rect(view, 100, 100, 200, 160)
    select(view, 80, 80, 220, 180)
    phase = view.select_tool.ants_phase
    qtbot.waitUntil(lambda: view.select_tool.ants_phase != phase, timeout=2000)
    shot = view.viewport().grab().toImage()
    corner = view.to_view(QPointF(150, 80)).toPoint()
    row = {shot.pixelColor(corner.x() + dx, corner.y()).red() for dx in range(-8, 8)}
    assert min(row) < 60 and max(row) > 200  # black and white dashes on the outline


def test_picking_up_and_putting_back_is_no_edit(view: CanvasView) -> None:
    draw_rect(view, 100, 100, 200, 160)
    select(view, 80, 80, 220, 180)
    drag(view.viewport(), [at(view, 150, 130), at(view, 170, 130), at(view, 150, 130)])
    qtbot_keys(view, Qt.Key.Key_Return)
    assert view.document.undo_stack.count() == 1  # the rectangle only


def test_undoing_a_paste_takes_it_and_its_outline_away(view: CanvasView) -> None:
    draw_rect(view, 100, 100, 160, 160)
    before = ink(view).tobytes()
    select(view, 80, 80, 180, 180)
    qtbot_keys(view, Qt.Key.Key_C, modifiers=CTRL)
    qtbot_keys(view, Qt.Key.Key_Escape)
    qtbot_keys(view, Qt.Key.Key_V, modifiers=CTRL)
    qtbot_keys(view, Qt.Key.Key_Right, modifiers=SHIFT)
    assert box(sent(view)) != box(ink(view))  # the copy shows, 10 px along
    qtbot_keys(view, Qt.Key.Key_Z, modifiers=CTRL)
    assert not view.document.selection.active
    assert ink(view).tobytes() == before and sent(view).tobytes() == ink(view).tobytes()


def test_a_scaled_selection_shows_what_applying_puts_down(view: CanvasView) -> None:
    draw_rect(view, 100, 100, 200, 150)
    select(view, 90, 90, 211, 161)
    corner = view.select_tool.corners()[2]
    drag(view.viewport(), [at(view, corner.x(), corner.y()),
                           at(view, corner.x() + 61, corner.y() + 37)])
    sel = view.document.selection
    sel.set_geometry(sel.offset, sel.scale, 7.0)  # and turned a little
    corners = view.select_tool.corners()
    knob = view.to_document(view.select_tool.rotate_handle())
    segments = list(zip(corners, corners[1:] + corners[:1], strict=True))
    segments.append(((corners[0] + corners[1]) / 2, knob))  # the rotation handle's stalk
    shot = view.viewport().grab().toImage()
    origin = view.to_view(QPointF(0, 0)).toPoint()
    shown = {(x, y) for x in range(40, 330) for y in range(40, 300)
             if shot.pixelColor(origin.x() + x, origin.y() + y).red() < 127}
    qtbot_keys(view, Qt.Key.Key_Return)
    applied = {(x, y) for x in range(40, 330) for y in range(40, 300)
               if ink(view).getpixel((x, y))}
    assert len(applied) > 500

    def on_outline(x: int, y: int) -> bool:  # the marching outline and its handles
        p = QPointF(x + 0.5, y + 0.5)
        for a, b in segments:
            d = b - a
            t = max(0.0, min(1.0, QPointF.dotProduct(p - a, d) / QPointF.dotProduct(d, d)))
            q = a + d * t - p
            if (q.x() ** 2 + q.y() ** 2) ** 0.5 < 6:
                return True
        return False

    assert applied <= shown  # every pixel applied was shown …
    extra = sorted(p for p in shown - applied if not on_outline(*p))
    assert not extra, (len(extra), extra[:20], corners)  # … and nothing else but the outline


def test_the_cursor_tells_what_a_press_would_grab(view: CanvasView) -> None:
    draw_rect(view, 100, 100, 200, 160)
    select(view, 80, 80, 220, 180)
    port = view.viewport()
    expected = [((150, 130), Qt.CursorShape.SizeAllCursor),
                ((80, 80), Qt.CursorShape.SizeFDiagCursor),
                ((220, 80), Qt.CursorShape.SizeBDiagCursor),
                ((300, 300), Qt.CursorShape.CrossCursor)]
    for (x, y), shape in expected:
        mouse(port, QEvent.Type.MouseMove, *at(view, x, y), button=NO_BUTTON)
        assert port.cursor().shape() == shape, (x, y)
    knob = view.select_tool.rotate_handle()
    mouse(port, QEvent.Type.MouseMove, knob.x(), knob.y(), button=NO_BUTTON)
    assert port.cursor().shape() == Qt.CursorShape.PointingHandCursor


def test_a_tablet_pen_selects_and_moves_too(view: CanvasView) -> None:
    view.set_tool(Tool.RECTANGLE)
    tablet_stroke(view.viewport(), [(*at(view, 100, 100), 0.8), (*at(view, 200, 160), 0.8)])
    assert view.document.undo_stack.count() == 1
    view.set_tool(Tool.SELECT)
    tablet_stroke(view.viewport(), [(*at(view, 80, 80), 0.5), (*at(view, 220, 180), 0.5)])
    assert view.document.selection.active
    tablet_stroke(view.viewport(), [(*at(view, 150, 130), 0.5), (*at(view, 150, 330), 0.5)])
    view.set_tool(Tool.PEN)
    found = box(ink(view))
    assert found is not None and 290 <= found[1] <= 300


def test_moves_are_whole_document_pixels_at_any_zoom(view: CanvasView) -> None:
    draw_rect(view, 100, 100, 200, 160)
    start = box(ink(view))
    assert start is not None
    view.set_zoom(2.5)
    view.horizontalScrollBar().setValue(0)
    view.verticalScrollBar().setValue(0)
    select(view, 80, 80, 220, 180)
    drag(view.viewport(), [at(view, 150, 130), at(view, 150 + 33.3, 130 + 10.7)])
    assert view.document.selection.offset == QPointF(33, 11)
    qtbot_keys(view, Qt.Key.Key_Return)
    assert box(ink(view)) == (start[0] + 33, start[1] + 11, start[2] + 33, start[3] + 11)
    assert set(ink(view).tobytes()) == {0, 255}
