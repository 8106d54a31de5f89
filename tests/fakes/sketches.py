"""Synthetic sketches for tests and benchmarks (no pytest needed: the benchmarks run in
an environment with the app only)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw


def drawn_sketch(size: tuple[int, int] = (512, 512)) -> Image.Image:
    """A small synthetic sketch: dark strokes on white."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.line((20, 20, size[0] - 30, size[1] - 40), fill="black", width=5)
    draw.ellipse((100, 100, 300, 260), outline=(30, 30, 30), width=3)
    return image


# -- sketches for the checks before paying (domain.scribble_checks) ---------------------------

REPO = Path(__file__).resolve().parents[2]
SCRIBBLES = REPO.parent / "shared" / "scribbles"
EXAMPLES = REPO / "assets" / "examples"


def real_scribbles() -> dict[str, Image.Image]:
    """The five shared hand-drawn scribbles and the app's examples, by file name. A
    missing shared folder is an error (a test that needs them fails, never skips)."""
    files = sorted(SCRIBBLES.glob("*.png"))
    if len(files) != 5:
        raise FileNotFoundError(f"expected five scribbles in {SCRIBBLES}")
    found = {}
    for path in [*files, *sorted(EXAMPLES.glob("*.png"))]:
        with Image.open(path) as image:
            image.load()
            found[path.name] = image.copy()
    return found


def dot_sketch(size: tuple[int, int] = (512, 512), diameter: int = 12) -> Image.Image:
    """One dot in the middle, as a tap of the pen leaves."""
    image = Image.new("L", size, 255)
    x, y = size[0] // 2, size[1] // 2
    ImageDraw.Draw(image).ellipse((x, y, x + diameter, y + diameter), fill=0)
    return image


def filled_sketch(size: tuple[int, int] = (512, 512), share: float = 0.6) -> Image.Image:
    """The top ``share`` of the picture filled with ink, a line drawing below."""
    image = drawn_sketch(size).convert("L")
    ImageDraw.Draw(image).rectangle((0, 0, size[0], round(size[1] * share)), fill=0)
    return image


def lines_sketch(size: tuple[int, int] = (1024, 1024), width: int = 1,
                 ink: int = 0) -> Image.Image:
    """Slanted lines across the picture, ``width`` pixels wide (aliased, as the canvas
    draws) and of darkness ``ink`` (0 black; above 127 a pale pencil the map drops)."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    step = size[1] // 12
    for n in range(1, 12):
        draw.line((size[0] // 20, n * step, size[0] * 19 // 20, n * step + size[1] // 7),
                  fill=ink, width=width)
    return image
