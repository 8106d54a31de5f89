"""Draws the example sketches in assets/examples (run by hand; the PNGs are committed).
They are saved as Scribble Studio sketches, so Help → Open example restores them exactly."""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

from scribble_studio.services.sketch_files import sketch_png

OUT = Path(__file__).resolve().parent.parent / "assets" / "examples"


def house(d: ImageDraw.ImageDraw) -> None:
    d.polygon([(110, 250), (256, 120), (402, 250)], outline=0, width=5)
    d.rectangle((140, 250, 372, 420), outline=0, width=5)
    d.rectangle((230, 320, 290, 420), outline=0, width=5)
    d.rectangle((160, 280, 210, 325), outline=0, width=4)
    d.rectangle((312, 280, 352, 325), outline=0, width=4)
    d.line((40, 420, 472, 420), fill=0, width=4)


def mountains(d: ImageDraw.ImageDraw) -> None:
    d.line([(20, 400), (150, 200), (230, 300), (330, 150), (492, 400)], fill=0, width=5,
           joint="curve")
    d.ellipse((380, 60, 450, 130), outline=0, width=4)
    for x in range(40, 480, 60):
        d.arc((x, 430, x + 60, 470), 200, 340, fill=0, width=3)


def flower(d: ImageDraw.ImageDraw) -> None:
    cx, cy = 256, 200
    for k in range(8):
        a = k * math.pi / 4
        x, y = cx + 70 * math.cos(a), cy + 70 * math.sin(a)
        d.ellipse((x - 38, y - 38, x + 38, y + 38), outline=0, width=4)
    d.ellipse((cx - 35, cy - 35, cx + 35, cy + 35), outline=0, width=5)
    d.line([(256, 240), (250, 330), (262, 470)], fill=0, width=5)
    d.arc((150, 330, 260, 420), 270, 360, fill=0, width=4)
    d.arc((256, 360, 370, 450), 180, 270, fill=0, width=4)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, draw in (("house", house), ("mountains", mountains), ("flower", flower)):
        image = Image.new("L", (512, 512), 255)
        draw(ImageDraw.Draw(image))
        (OUT / f"{name}.png").write_bytes(sketch_png(image))


if __name__ == "__main__":
    main()
