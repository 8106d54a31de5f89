"""What you see is what is sent: strokes drawn with real pointer events, at several
widths and speeds, compared pixel by pixel with the exported map (what Generate sends)
and with the screen."""

from __future__ import annotations

import io
import math

import pytest
from PIL import Image
from PySide6.QtCore import QPointF
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.canvas_document import CanvasDocument, alpha_to_pil
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.ui.canvas_view import CanvasView, Tool
from tests.canvas import shown_canvas
from tests.pointer import drag, tablet_stroke

WIDTHS = [1.0, 1.5, 2.0, 3.0, 6.0]
SPACINGS = [0.4, 2.0, 9.0, 45.0]  # px between pointer samples: slow … fast


@pytest.fixture
def view(qtbot: QtBot) -> CanvasView:
    return shown_canvas(qtbot)


def sent_map(doc: CanvasDocument) -> Image.Image:
    """The map Generate would send, decoded: 0 = stroke, 255 = paper."""
    exported = export_scribble(doc.darkness_image())
    return Image.open(io.BytesIO(exported.png)).convert("L")


def ink_set(image: Image.Image, ink_value: int) -> set[tuple[int, int]]:
    data = image.tobytes()
    w = image.width
    return {(i % w, i // w) for i, v in enumerate(data) if v == ink_value}


def components(pixels: set[tuple[int, int]]) -> int:
    """8-connected pieces."""
    seen: set[tuple[int, int]] = set()
    count = 0
    for start in pixels:
        if start in seen:
            continue
        count += 1
        stack = [start]
        seen.add(start)
        while stack:
            x, y = stack.pop()
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    n = (x + dx, y + dy)
                    if n in pixels and n not in seen:
                        seen.add(n)
                        stack.append(n)
    return count


def wave(spacing: float) -> list[tuple[float, float]]:
    """A curve across the page, sampled every ``spacing`` px along x, at fractions of a
    pixel (a mouse at a fractional scale, or a tablet)."""
    n = int(380 / spacing)
    return [(60.3 + i * spacing, 250.5 + 90 * math.sin((i * spacing) / 47)) for i in range(n + 1)]


def to_widget(view: CanvasView, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out = []
    for x, y in points:
        p = view.to_view(QPointF(x, y))
        out.append((p.x(), p.y()))
    return out


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("spacing", SPACINGS)
def test_a_stroke_reaches_the_model_whole_and_as_shown(view: CanvasView, width: float,
                                                       spacing: float) -> None:
    view.set_pen_width(width)
    drag(view.viewport(), to_widget(view, wave(spacing)))
    doc = view.document
    ink = alpha_to_pil(doc.image)
    assert set(ink.tobytes()) == {0, 255}  # two levels: nothing for the threshold to cut
    sent = ink_set(sent_map(doc), 0)
    assert sent == ink_set(ink, 255)  # the map is the ink, pixel for pixel
    assert components(sent) == 1  # one continuous line, however fast it was drawn
    # And the screen at 100% shows exactly those pixels.
    shot = view.viewport().grab().toImage()
    origin = view.to_view(QPointF(0, 0)).toPoint()
    shown = {(x, y) for x in range(40, 470) for y in range(140, 360)
             if shot.pixelColor(origin.x() + x, origin.y() + y).red() < 127}
    assert shown == {p for p in sent if 40 <= p[0] < 470 and 140 <= p[1] < 360}


@pytest.mark.parametrize("width", [1.0, 2.0, 5.0])
@pytest.mark.parametrize("spacing", [0.3, 6.0, 15.0])
def test_a_stroke_has_no_bumps_at_its_joints(view: CanvasView, width: float,
                                            spacing: float) -> None:
    """A nearly level line drawn in steps is as thick everywhere in the sent map: the
    joints, where segments overlap, add nothing (antialiased, the overlapping grey edges
    pass the threshold there and nowhere else)."""
    view.set_pen_width(width)
    steps = int(360 / spacing)
    line = [(50 + i * spacing, 100.3 + i * spacing / 60) for i in range(steps + 1)]
    drag(view.viewport(), to_widget(view, line))
    image = sent_map(view.document).point(lambda v: 255 - v)
    columns = [sum(1 for y in range(image.height) if image.getpixel((x, y)))
               for x in range(80, 380)]
    assert max(columns) - min(columns) <= 1, (min(columns), max(columns))


def test_a_light_tablet_stroke_is_continuous_in_the_map(view: CanvasView) -> None:
    # The lightest touch thins the pen to its floor: the thinnest line there is.
    points = [(*to_widget(view, [p])[0], 0.02) for p in wave(3.0)]
    tablet_stroke(view.viewport(), points)
    sent = ink_set(sent_map(view.document), 0)
    assert sent and components(sent) == 1


def test_the_pen_and_the_eraser_keep_their_own_widths(view: CanvasView) -> None:
    view.set_width(3)
    view.set_tool(Tool.ERASER)
    assert view.width == view.eraser_width != 3
    view.set_width(30)
    view.set_tool(Tool.PEN)
    assert view.width == 3
    view.set_tool(Tool.ERASER)
    assert view.width == 30
    # And the eraser erases with its own: a 30 px swipe clears a 20 px band.
    view.set_tool(Tool.PEN)
    for y in range(240, 262, 2):
        drag(view.viewport(), to_widget(view, [(100, y), (400, y)]))
    view.set_tool(Tool.ERASER)
    drag(view.viewport(), to_widget(view, [(90, 251), (410, 251)]))
    assert not view.document.has_ink(any_alpha=True)
