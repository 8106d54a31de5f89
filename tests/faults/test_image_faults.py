"""Hostile pictures: tiny files that decode to huge or absurdly thin images, sizes
that would be sent unscaled at tens of megapixels, and 16-bit grayscale sketches."""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from scribble_studio.domain.errors import InvalidInput, UnreadableImage
from scribble_studio.domain.scribble import decode_image, export_scribble, target_size
from tests.conftest import png_bytes
from tests.fakes.segmind_server import API_KEY, FakeSegmind

MAX_SENT_SIDE = 2048  # the largest canvas
MAX_SENT_PIXELS = 2048 * 2048


def thin_png(width: int, height: int) -> bytes:
    return png_bytes(Image.new("1", (width, height), 1))


def sent_size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        return image.size


@pytest.mark.parametrize("size", [(1, 100_000), (100_000, 1), (9000, 64), (8200, 8)])
def test_a_picture_with_a_side_past_8192_is_refused_before_decoding(
        size: tuple[int, int]) -> None:
    data = thin_png(*size)
    assert len(data) < 2000  # a few hundred bytes
    with pytest.raises(UnreadableImage, match="longer than 8192"):
        decode_image(data)


@pytest.mark.parametrize("size", [(1, 3000), (3000, 1), (10, 200), (2048, 255)])
def test_a_picture_thinner_than_8_to_1_is_refused_before_any_pixel_work(
        size: tuple[int, int]) -> None:
    with pytest.raises(InvalidInput, match="too thin"):
        target_size(*size)
    image = decode_image(thin_png(*size))
    with pytest.raises(InvalidInput, match="too thin"):
        export_scribble(image)


@pytest.mark.parametrize(("size", "expected"), [
    ((4096, 4096), (512, 512)),        # multiple of 64, but 16 MP: scaled like any other
    ((8192, 1024), (2048, 256)),       # 8:1 at most, long side capped
    ((3200, 2560), (640, 512)),
    ((2048, 2048), (2048, 2048)),      # the largest canvas is sent as it is
    ((256, 2048), (256, 2048)),        # the thinnest canvas too
    ((1000, 4000), (512, 2048)),       # 4:1, not a multiple of 64: short side 512
    ((1000, 7000), (320, 2048)),       # 7:1: long side capped at 2048
])
def test_what_is_sent_stays_within_2048_a_side_and_4_megapixels(
        size: tuple[int, int], expected: tuple[int, int]) -> None:
    width, height = target_size(*size)
    assert (width, height) == expected
    assert max(width, height) <= MAX_SENT_SIDE and width * height <= MAX_SENT_PIXELS
    assert width % 64 == 0 and height % 64 == 0


def test_a_large_multiple_of_64_sketch_is_scaled_and_keeps_its_ink() -> None:
    image = Image.new("L", (4096, 4096), 255)
    ImageDraw.Draw(image).rectangle((1000, 1000, 3000, 1100), fill=0)
    export = export_scribble(image)
    assert sent_size(export.png) == (512, 512) and export.has_ink


def _limit_memory() -> None:  # today's code would try to allocate gigabytes
    resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))


def test_the_cli_refuses_a_thin_sketch_and_sends_nothing(
        tmp_path: Path, fake_api: FakeSegmind) -> None:
    sketch = tmp_path / "strip.png"
    sketch.write_bytes(thin_png(1, 3000))
    assert sketch.stat().st_size < 200
    env = dict(os.environ, SEGMIND_API_KEY=API_KEY, SCRIBBLE_STUDIO_API_BASE=fake_api.base_url,
               SCRIBBLE_STUDIO_HOME=str(tmp_path / "home"))
    done = subprocess.run([sys.executable, "-m", "scribble_studio", "generate", str(sketch),
                           "-p", "a line"], capture_output=True, text=True, env=env,
                          timeout=120, preexec_fn=_limit_memory)
    assert done.returncode == 2 and "too thin" in done.stderr, done.stderr
    assert fake_api.generate_requests == []


def _sixteen_bit_sketch(stroke: int) -> Image.Image:
    """A white 16-bit grayscale sketch with one stroke of value ``stroke`` (of 65535)."""
    image = Image.new("I;16", (512, 512), 65535)
    ImageDraw.Draw(image).rectangle((100, 240, 400, 260), fill=stroke)
    return decode_image(png_bytes(image))


@pytest.mark.parametrize(("stroke", "is_ink"), [(0, True), (20_000, True), (31_000, True),
                                                 (33_500, False), (50_000, False)])
def test_16_bit_grey_strokes_are_scaled_not_clipped(stroke: int, is_ink: bool) -> None:
    image = _sixteen_bit_sketch(stroke)
    assert image.mode == "I;16"
    export = export_scribble(image)
    with Image.open(io.BytesIO(export.png)) as sent:
        assert (sent.getpixel((250, 250)) == 0) is is_ink
        assert sent.getpixel((10, 10)) == 255
    assert export.has_ink is is_ink
