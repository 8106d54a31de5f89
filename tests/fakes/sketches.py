"""Synthetic sketches for tests and benchmarks (no pytest needed: the benchmarks run in
an environment with the app only)."""

from __future__ import annotations

from PIL import Image, ImageDraw


def drawn_sketch(size: tuple[int, int] = (512, 512)) -> Image.Image:
    """A small synthetic sketch: dark strokes on white."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.line((20, 20, size[0] - 30, size[1] - 40), fill="black", width=5)
    draw.ellipse((100, 100, 300, 260), outline=(30, 30, 30), width=3)
    return image
