"""Shape geometry for the canvas's shape tools and the transform handles. Pure Python.

Points are ``(x, y)`` tuples in document pixels. The constraints are the ones painting
programs share: Shift makes a square, a circle or a line at a multiple of 15°, and
Alt grows the shape from where the drag started instead of from a corner.
"""

from __future__ import annotations

import enum
import math
from typing import Final

Point = tuple[float, float]
SNAP_DEGREES: Final = 15.0


class ShapeKind(enum.Enum):
    RECTANGLE = "rectangle"
    ELLIPSE = "ellipse"
    LINE = "line"


def snap_angle(degrees: float, step: float = SNAP_DEGREES) -> float:
    """``degrees`` rounded to the nearest multiple of ``step``."""
    return round(degrees / step) * step


def snapped_line_end(start: Point, end: Point, step: float = SNAP_DEGREES) -> Point:
    """The end of a line as long as start→end, turned to the nearest multiple of step°."""
    dx, dy = end[0] - start[0], end[1] - start[1]
    length = math.hypot(dx, dy)
    if length == 0:
        return start
    angle = math.radians(snap_angle(math.degrees(math.atan2(dy, dx)), step))
    return start[0] + length * math.cos(angle), start[1] + length * math.sin(angle)


def shape_box(start: Point, end: Point, *, square: bool = False,
              from_centre: bool = False) -> tuple[float, float, float, float]:
    """The box ``(left, top, width, height)`` a rectangle or an ellipse is drawn in.

    ``square`` makes both sides the longer of the two, growing towards the pointer;
    ``from_centre`` takes ``start`` as the centre instead of a corner.
    """
    dx, dy = end[0] - start[0], end[1] - start[1]
    if square:
        side = max(abs(dx), abs(dy))
        dx = math.copysign(side, dx) if dx else side
        dy = math.copysign(side, dy) if dy else side
    if from_centre:
        return start[0] - abs(dx), start[1] - abs(dy), 2 * abs(dx), 2 * abs(dy)
    left, top = min(start[0], start[0] + dx), min(start[1], start[1] + dy)
    return left, top, abs(dx), abs(dy)


def line_ends(start: Point, end: Point, *, snap: bool = False,
              from_centre: bool = False) -> tuple[Point, Point]:
    """The two ends of a line tool's line."""
    if snap:
        end = snapped_line_end(start, end)
    if from_centre:
        return (2 * start[0] - end[0], 2 * start[1] - end[1]), end
    return start, end


def rotation_degrees(centre: Point, grabbed: Point, now: Point) -> float:
    """How far the pointer turned around ``centre`` since it grabbed at ``grabbed``."""
    before = math.atan2(grabbed[1] - centre[1], grabbed[0] - centre[0])
    after = math.atan2(now[1] - centre[1], now[0] - centre[0])
    return math.degrees(after - before)


def corner_scale(corner: Point, opposite: Point, pointer: Point, *, keep_ratio: bool = False,
                 minimum: float = 1e-3) -> tuple[float, float]:
    """The scale factors that carry ``corner`` to ``pointer`` with ``opposite`` fixed,
    all three in the box's own (unrotated) frame. Never flips and never reaches zero."""
    wide, high = corner[0] - opposite[0], corner[1] - opposite[1]
    sx = (pointer[0] - opposite[0]) / wide if wide else 1.0
    sy = (pointer[1] - opposite[1]) / high if high else 1.0
    sx, sy = max(minimum, sx), max(minimum, sy)
    if keep_ratio:
        sx = sy = max(sx, sy)
    return sx, sy
