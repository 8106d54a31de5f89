from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scribble_studio.domain.strokes import (
    MAX_WIDTH,
    MIN_WIDTH,
    Stabilizer,
    clamp_width,
    pressure_width,
    size_problem,
)


@given(st.floats(1, 64), st.floats(0, 1), st.floats(0, 1))
def test_pressure_width_is_monotonic_and_bounded(base: float, p: float, q: float) -> None:
    low, high = sorted((p, q))
    assert MIN_WIDTH <= pressure_width(base, low) <= pressure_width(base, high) <= base + 1e-9


def test_pressure_extremes() -> None:
    assert pressure_width(20, 1.0) == 20
    assert pressure_width(20, 0.0) == 3.0
    assert pressure_width(20, 2.0) == 20 and pressure_width(2, -1) == MIN_WIDTH


def test_width_is_clamped() -> None:
    assert clamp_width(0) == MIN_WIDTH and clamp_width(500) == MAX_WIDTH


def test_the_stabilizer_smooths_jitter_and_ends_on_the_last_point() -> None:
    s = Stabilizer(0.8)
    s.start(0, 0)
    ys = [s.add(x, 10 if x % 2 else -10)[1] for x in range(1, 40)]
    assert max(abs(y) for y in ys[10:]) < 5  # a ±10 zig-zag shrinks
    assert s.finish() == (39, 10)
    raw = Stabilizer(0.0)
    raw.start(0, 0)
    assert raw.add(5, 7) == (5, 7)


def test_custom_sizes() -> None:
    assert size_problem(512, 768) is None and size_problem(2048, 256) is None
    assert size_problem(500, 512) == "The width must be a multiple of 64 pixels."
    assert size_problem(512, 4096) == "The height must be between 256 and 2048 pixels."
    assert size_problem(192, 512) is not None
