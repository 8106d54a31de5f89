"""Pure stroke maths: pressure to width, the stabilizer, document sizes."""

from __future__ import annotations

import dataclasses
from typing import Final

MIN_WIDTH: Final = 1.0
MAX_WIDTH: Final = 64.0
DEFAULT_WIDTH: Final = 4.0  # suits a 512 px canvas; the model sees strokes of this weight
DEFAULT_ERASER_WIDTH: Final = 16.0  # erasing wants a broader tip than drawing
SIDE_RANGE: Final = (256, 2048)
SIZE_PRESETS: Final[tuple[tuple[int, int], ...]] = (
    (512, 512), (768, 768), (1024, 1024), (768, 512), (512, 768), (1024, 768), (768, 1024),
)
# The lightest touch still leaves a visible line; full pressure gives the full width.
_PRESSURE_FLOOR: Final = 0.15
_PRESSURE_GAMMA: Final = 1.6


def clamp_width(width: float) -> float:
    return max(MIN_WIDTH, min(MAX_WIDTH, width))


def pressure_width(base: float, pressure: float) -> float:
    """The stroke width for a pen pressure 0–1: a smooth power curve from a thin
    floor to ``base``. Monotonic, continuous, never below 1 px."""
    p = max(0.0, min(1.0, float(pressure)))
    curve: float = _PRESSURE_FLOOR + (1 - _PRESSURE_FLOOR) * p**_PRESSURE_GAMMA
    return max(MIN_WIDTH, base * curve)


def size_problem(width: int, height: int) -> str | None:
    """Why a custom document size is not allowed, or ``None``."""
    low, high = SIDE_RANGE
    for name, side in (("width", width), ("height", height)):
        if not low <= side <= high:
            return f"The {name} must be between {low} and {high} pixels."
        if side % 64:
            return f"The {name} must be a multiple of 64 pixels."
    return None


@dataclasses.dataclass(slots=True)
class Stabilizer:
    """Smooths pointer jitter with an exponential moving average.

    ``strength`` 0 passes points through; towards 1 the line trails the pen more.
    :meth:`finish` returns the pen's real last point, so a stroke always ends where
    the pen lifted.
    """

    strength: float = 0.0
    _x: float = 0.0
    _y: float = 0.0
    _last: tuple[float, float] = (0.0, 0.0)

    def start(self, x: float, y: float) -> tuple[float, float]:
        self._x, self._y = x, y
        self._last = (x, y)
        return x, y

    def add(self, x: float, y: float) -> tuple[float, float]:
        keep = max(0.0, min(0.95, self.strength))
        self._x += (x - self._x) * (1 - keep)
        self._y += (y - self._y) * (1 - keep)
        self._last = (x, y)
        return self._x, self._y

    def finish(self) -> tuple[float, float]:
        return self._last
