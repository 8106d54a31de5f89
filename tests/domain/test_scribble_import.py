"""Photo import: colour edges compared with the known edges of pictures made here."""

from __future__ import annotations

import math
import random

import pytest
from PIL import Image, ImageChops, ImageDraw

from scribble_studio.domain.scribble_import import colour_edge_ink, fit_box, fit_photo_ink

SKY, SUN = (70, 130, 220), (250, 220, 40)
GREY, RED = (128, 128, 128), (220, 90, 90)  # the same brightness (luma 128 and 129)


def noisy(image: Image.Image, amount: int = 6, seed: int = 14) -> Image.Image:
    """Sensor-like noise, so that the test is not of flat colours only."""
    rng = random.Random(seed)
    raw = Image.frombytes("RGB", image.size, rng.randbytes(image.width * image.height * 3))
    noise = raw.point([v % (2 * amount + 1) for v in range(256)] * 3)  # 0 … 2·amount
    offset = Image.new("RGB", image.size, (amount, amount, amount))
    return ImageChops.subtract(ImageChops.add(image, noise), offset)


def sun_on_sky(side: int = 256, radius: int = 60) -> Image.Image:
    picture = Image.new("RGB", (side, side), SKY)
    c = side // 2
    ImageDraw.Draw(picture).ellipse((c - radius, c - radius, c + radius, c + radius), fill=SUN)
    return noisy(picture)


def red_wall_on_grey(side: int = 256) -> Image.Image:
    picture = Image.new("RGB", (side, side), GREY)
    ImageDraw.Draw(picture).rectangle((side // 2, 0, side - 1, side - 1), fill=RED)
    return noisy(picture)


def inked(mask: Image.Image) -> set[tuple[int, int]]:
    w = mask.width
    return {(i % w, i // w) for i, v in enumerate(mask.tobytes()) if v}


def test_the_sun_and_the_wall_are_the_same_brightness_as_their_backgrounds() -> None:
    def luma(c: tuple[int, int, int]) -> float:
        return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]
    assert abs(luma(RED) - luma(GREY)) < 2  # a light-and-dark tracer sees nothing here


def test_a_yellow_sun_on_a_blue_sky_gives_its_whole_outline_only() -> None:
    radius, centre = 60, 128.5
    ink = inked(colour_edge_ink(sun_on_sky(radius=radius), thickness=3))
    distances = [math.hypot(x + 0.5 - centre, y + 0.5 - centre) for x, y in ink]
    assert sum(1 for d in distances if abs(d - radius) <= 4) / len(distances) > 0.98
    for degrees in range(0, 360, 2):  # whole: ink on the circle at every angle
        a = math.radians(degrees)
        near = [(round(centre + r * math.cos(a) - 0.5), round(centre + r * math.sin(a) - 0.5))
                for r in (radius - 2, radius - 1, radius, radius + 1, radius + 2)]
        assert any(p in ink for p in near), degrees


def test_a_red_wall_on_a_grey_one_of_equal_brightness_gives_the_line_between() -> None:
    ink = inked(colour_edge_ink(red_wall_on_grey(), thickness=3))
    assert ink and all(abs(x - 127.5) <= 3 for x, _ in ink)
    assert {y for _, y in ink} >= set(range(0, 255))  # every row: a whole line


@pytest.mark.parametrize("thickness", [1, 3, 5, 9])
def test_the_thickness_setting_is_the_lines_width(thickness: int) -> None:
    mask = colour_edge_ink(red_wall_on_grey(), thickness=thickness)
    widths = [sum(1 for x in range(100, 156) if mask.getpixel((x, y))) for y in range(20, 236)]
    median = sorted(widths)[len(widths) // 2]
    assert thickness <= median <= thickness + 1


def test_small_gaps_are_closed() -> None:
    picture = red_wall_on_grey()
    # Four rows where the wall fades into the grey: no edge there to find.
    ImageDraw.Draw(picture).rectangle((0, 120, 255, 123), fill=(174, 109, 109))
    ImageDraw.Draw(picture).rectangle((0, 120, 127, 123), fill=(151, 118, 118))

    def rows(mask: Image.Image) -> set[int]:
        return {y for x, y in inked(mask) if abs(x - 127.5) <= 4}

    open_line = rows(colour_edge_ink(picture, strength=0.6, thickness=1, close_gaps=0))
    assert not open_line >= set(range(110, 134))  # the fade breaks the line …
    closed = rows(colour_edge_ink(picture, strength=0.6, thickness=1, close_gaps=3))
    assert closed >= set(range(110, 134))  # … and closing joins it again


def test_a_large_photo_is_traced_at_the_canvas_resolution() -> None:
    big = sun_on_sky(side=1536, radius=360)
    mask = fit_photo_ink(big, 512, 384, 0.7, 3, 2)
    assert mask.size == (512, 384)
    left, top, width, height = fit_box(1536, 1536, 512, 384)
    assert (left, top, width, height) == (64, 0, 384, 384)
    ink = inked(mask)
    centre_x, centre_y, radius = left + width / 2, top + height / 2, 360 / 4
    for degrees in range(0, 360, 3):
        a = math.radians(degrees)
        near = {(round(centre_x + r * math.cos(a) - 0.5), round(centre_y + r * math.sin(a) - 0.5))
                for r in (radius - 2, radius - 1, radius, radius + 1, radius + 2)}
        assert near & ink, degrees
