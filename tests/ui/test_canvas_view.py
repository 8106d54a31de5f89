"""The canvas widget driven by real mouse and tablet events."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPointF, QRect, QSize, Qt
from PySide6.QtGui import QPointingDevice
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.qt_images import alpha_to_pil
from scribble_studio.ui.canvas_view import CanvasView, Tool
from tests.pointer import drag, mouse, tablet_stroke


@pytest.fixture
def view(qtbot: QtBot) -> CanvasView:
    widget = CanvasView(CanvasDocument(QSize(512, 512)))
    widget.resize(700, 700)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def ink_at(view: CanvasView, x: int, y: int) -> int:
    return view.document.image.pixelColor(x, y).alpha()


def doc_to_widget(view: CanvasView, x: float, y: float) -> tuple[float, float]:
    point = view.to_view(QPointF(x, y))
    return point.x(), point.y()


def test_ink_lands_along_a_mouse_stroke(view: CanvasView) -> None:
    drag(view.viewport(), [doc_to_widget(view, 50, 50), doc_to_widget(view, 450, 50)])
    assert all(ink_at(view, x, 50) == 255 for x in range(52, 449))
    assert ink_at(view, 250, 80) == 0
    assert view.document.undo_stack.count() == 1


def test_a_fast_stroke_has_no_gaps(view: CanvasView) -> None:
    # Three samples 200 px apart: the segments are joined.
    drag(view.viewport(), [doc_to_widget(view, x, 300) for x in (20, 220, 420, 490)])
    assert all(ink_at(view, x, 300) == 255 for x in range(22, 489))


def test_pressure_widens_the_tablet_stroke(view: CanvasView) -> None:
    view.set_pen_width(20)
    port = view.viewport()
    tablet_stroke(port, [(*doc_to_widget(view, x, 100), 0.1) for x in range(50, 460, 10)])
    tablet_stroke(port, [(*doc_to_widget(view, x, 300), 1.0) for x in range(50, 460, 10)])

    def thickness(y: int) -> int:
        return sum(1 for dy in range(-30, 31) if ink_at(view, 250, y + dy) > 127)

    assert thickness(300) >= 18 and thickness(100) <= 6 and thickness(100) >= 1


def test_tablet_events_are_accepted_so_no_mouse_copy_follows(view: CanvasView) -> None:
    events = tablet_stroke(view.viewport(), [(100, 100, 0.5), (200, 200, 0.5)])
    assert all(event.isAccepted() for event in events)


def test_the_pens_eraser_end_erases(view: CanvasView) -> None:
    blank = alpha_to_pil(view.document.image).tobytes()
    drag(view.viewport(), [doc_to_widget(view, 50, 200), doc_to_widget(view, 450, 200)])
    view.set_pen_width(40)
    tablet_stroke(view.viewport(), [(*doc_to_widget(view, x, 200), 1.0)
                                    for x in range(30, 480, 5)],
                  pointer=QPointingDevice.PointerType.Eraser)
    assert alpha_to_pil(view.document.image).tobytes() == blank


def test_the_eraser_tool_erases_with_the_mouse(view: CanvasView) -> None:
    blank = alpha_to_pil(view.document.image).tobytes()
    drag(view.viewport(), [doc_to_widget(view, 50, 200), doc_to_widget(view, 450, 200)])
    view.tool = Tool.ERASER
    view.set_pen_width(30)
    drag(view.viewport(), [doc_to_widget(view, 30, 200), doc_to_widget(view, 480, 200)])
    assert alpha_to_pil(view.document.image).tobytes() == blank


def test_shift_draws_a_straight_line(view: CanvasView) -> None:
    path = [doc_to_widget(view, 50 + i * 40, 100 + (60 if i % 2 else 0)) for i in range(10)]
    path[-1] = doc_to_widget(view, 450, 100)
    drag(view.viewport(), path, modifiers=Qt.KeyboardModifier.ShiftModifier)
    assert all(ink_at(view, x, 100) == 255 for x in range(55, 446))
    assert ink_at(view, 90, 160) == 0  # the zig-zag the pointer took is not drawn


def test_undo_gives_back_the_exact_image(view: CanvasView) -> None:
    before = alpha_to_pil(view.document.image).tobytes()
    drag(view.viewport(), [(100, 100), (300, 350), (320, 120)])
    after = alpha_to_pil(view.document.image).tobytes()
    view.document.undo_stack.undo()
    assert alpha_to_pil(view.document.image).tobytes() == before
    view.document.undo_stack.redo()
    assert alpha_to_pil(view.document.image).tobytes() == after


@pytest.mark.parametrize("zoom", [0.25, 0.5, 1.0, 1.7, 4.0])
def test_zoom_mapping_round_trips_and_strokes_land_in_document_coordinates(
        view: CanvasView, zoom: float) -> None:
    view.set_zoom(zoom)
    for x, y in [(0.0, 0.0), (123.25, 77.5), (511.0, 511.0)]:
        back = view.to_document(view.to_view(QPointF(x, y)))
        assert abs(back.x() - x) < 1e-9 and abs(back.y() - y) < 1e-9
    target = QPointF(256, 256)
    widget_point = view.to_view(target)
    if view.viewport().rect().contains(widget_point.toPoint()):
        mouse(view.viewport(), QEvent.Type.MouseButtonPress, widget_point.x(), widget_point.y())
        mouse(view.viewport(), QEvent.Type.MouseButtonRelease, widget_point.x(),
              widget_point.y())
        assert ink_at(view, 256, 256) == 255


def test_ctrl_wheel_zooms_around_the_cursor(view: CanvasView, qtbot: QtBot) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication
    view.set_zoom(2.0)  # zoomed in, so the anchor can stay put without hitting an edge
    anchor = QPointF(200, 300)
    fixed = view.to_document(anchor)
    event = QWheelEvent(anchor, view.viewport().mapToGlobal(anchor), QPoint(), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)
    assert view.zoom == pytest.approx(2.0 * 1.25**2)
    moved = view.to_view(fixed)
    assert abs(moved.x() - anchor.x()) <= 1 and abs(moved.y() - anchor.y()) <= 1


def test_brackets_change_the_width(view: CanvasView, qtbot: QtBot) -> None:
    start = view.pen_width
    qtbot.keyClick(view, Qt.Key.Key_BracketRight)
    assert view.pen_width > start
    qtbot.keyClick(view, Qt.Key.Key_BracketLeft)
    qtbot.keyClick(view, Qt.Key.Key_BracketLeft)
    assert view.pen_width < start


def test_middle_button_pans(view: CanvasView) -> None:
    view.set_zoom(4.0)
    h, v = view.horizontalScrollBar().value(), view.verticalScrollBar().value()
    drag(view.viewport(), [(300, 300), (250, 220)], button=Qt.MouseButton.MiddleButton)
    assert view.horizontalScrollBar().value() == h + 50
    assert view.verticalScrollBar().value() == v + 80
    assert view.document.undo_stack.count() == 0


def test_only_the_changed_rectangle_is_repainted(view: CanvasView, qtbot: QtBot) -> None:
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QApplication
    painted: list[QRect] = []

    class Spy(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                painted.append(event.rect())  # type: ignore[attr-defined]
            return False

    spy = Spy()
    view.viewport().installEventFilter(spy)
    QApplication.processEvents()
    painted.clear()
    a, b = doc_to_widget(view, 100, 100), doc_to_widget(view, 110, 104)
    mouse(view.viewport(), QEvent.Type.MouseButtonPress, *a)
    mouse(view.viewport(), QEvent.Type.MouseMove, *b)
    QApplication.processEvents()
    mouse(view.viewport(), QEvent.Type.MouseButtonRelease, *b)
    assert painted, "no repaint happened"
    assert all(r.width() * r.height() < 40 * 40 for r in painted), painted


def test_the_screen_shows_the_ink_at_100_percent(view: CanvasView) -> None:
    drag(view.viewport(), [doc_to_widget(view, 100, 100), doc_to_widget(view, 400, 100)])
    shot = view.viewport().grab().toImage()
    on = view.to_view(QPointF(250, 100)).toPoint()
    off = view.to_view(QPointF(250, 140)).toPoint()
    outside = view.to_view(QPointF(-10, -10)).toPoint()
    assert shot.pixelColor(on).red() < 40 and shot.pixelColor(off).red() == 255
    assert shot.pixelColor(outside).red() == 128  # the desk around the paper


def test_the_stabilizer_smooths_but_ends_at_the_pens_last_point(view: CanvasView) -> None:
    view.stabilizer.strength = 0.8
    zigzag = [doc_to_widget(view, 50 + i * 4, 250 + (15 if i % 2 else -15)) for i in range(90)]
    zigzag.append(doc_to_widget(view, 420, 250))
    drag(view.viewport(), zigzag)
    rows = [y for y in range(200, 300) if ink_at(view, 250, y) > 127]
    assert rows and max(rows) - min(rows) < 20  # the ±15 px jitter is mostly gone
    assert ink_at(view, 420, 250) == 255  # and the line reaches where the pen lifted


def test_space_drag_pans_instead_of_drawing(view: CanvasView, qtbot: QtBot) -> None:
    view.set_zoom(4.0)
    h = view.horizontalScrollBar().value()
    qtbot.keyPress(view, Qt.Key.Key_Space)
    drag(view.viewport(), [(300, 300), (260, 300)])
    qtbot.keyRelease(view, Qt.Key.Key_Space)
    assert view.horizontalScrollBar().value() == h + 40
    assert view.document.undo_stack.count() == 0


def test_zoom_actions_from_the_keyboard(qtbot: QtBot, tmp_path: Path) -> None:
    from scribble_studio.main import build_window

    window = build_window(tmp_path, {}, None)
    view, document = window.view, window.view.document
    document.resize_canvas(QSize(1024, 1024))
    document.undo_stack.clear()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # window shortcuts need the active window
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == pytest.approx(1.25)
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == pytest.approx(0.8)
    qtbot.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom < 1 and view.horizontalScrollBar().maximum() == 0  # fits
    qtbot.keyClick(view, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == 1.0
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # nothing to undo
    drag(view.viewport(), [doc_to_widget(view, 500, 500), doc_to_widget(view, 600, 520)])
    assert document.undo_stack.count() == 1 and document.undo_stack.index() == 1
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert document.undo_stack.index() == 0
    qtbot.keyClick(view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert document.undo_stack.index() == 1
