"""The checks before paying (issue 13): their time on a 1024×1024 sketch, and what they
measure on the real scribbles against the thresholds. Printed, not asserted.

- time: ``check_sketch`` on a 1024² sketch as the canvas hands it over (an "L" darkness
  image) and as a file gives it (RGB); median and p95 of 50. Reference, same run:
  ``export_scribble`` of the same sketch, which every send does anyway.
- measures: each shared scribble and example, and the sketches made to trip each check.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageChops

from bench._table import median_ms, p95_ms, print_table
from scribble_studio.domain import scribble_checks as checks
from scribble_studio.domain.scribble import export_scribble

REPO = Path(__file__).resolve().parent.parent
SCRIBBLES = REPO.parent / "shared" / "scribbles"
EXAMPLES = REPO / "assets" / "examples"


def timed(work: Callable[[], object], rounds: int = 50) -> list[float]:
    for _ in range(3):
        work()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return samples


def _open(path: Path) -> Image.Image:
    with Image.open(path) as image:
        image.load()
        return image.copy()


def main() -> None:
    picture = _open(SCRIBBLES / "human_line.png").convert("RGB").resize((1024, 1024))
    canvas = ImageChops.invert(ImageChops.invert(picture.convert("L")).point(
        lambda v: 255 if v >= 128 else 0))  # aliased dark-on-white, as the canvas draws
    rows = []
    for name, image in (("canvas (L)", canvas), ("file (RGB)", picture)):
        samples = timed(lambda image=image: checks.check_sketch(image))  # type: ignore[misc]
        rows.append((f"check_sketch, 1024² {name}", f"{median_ms(samples):.1f} ms",
                     f"{p95_ms(samples):.1f} ms"))
    samples = timed(lambda: export_scribble(canvas))
    rows.append(("reference: export_scribble, 1024² canvas", f"{median_ms(samples):.1f} ms",
                 f"{p95_ms(samples):.1f} ms"))
    print_table("Checks before paying: time (median of 50)", ("measure", "median", "p95"), rows)

    found = []
    paths = [*sorted(SCRIBBLES.glob("*.png")), *sorted(EXAMPLES.glob("*.png"))]
    for path in paths:
        image = _open(path)
        m = checks.measure_sketch(image)
        problems = [p.code for p in checks.check_sketch(image)] or ["pass"]
        found.append((path.name, f"{image.width}×{image.height}", f"{m.ink_share:.2%}",
                      f"{m.ink_extent:.2f}", f"{m.lost_share:.1%}", ", ".join(problems)))
    found.append(("thresholds", "", f"{checks.MIN_INK_SHARE:.2%}–{checks.MAX_INK_SHARE:.0%}",
                  f"≥ {checks.MIN_INK_EXTENT:.2f}", f"≤ {checks.MAX_LOST_SHARE:.0%}", ""))
    print_table("Checks before paying: the real scribbles",
                ("file", "size", "ink", "extent", "lost", "result"), found)


if __name__ == "__main__":
    main()
