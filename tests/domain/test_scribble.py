from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw

from scribble_studio.domain.errors import UnreadableImage
from scribble_studio.domain.scribble import (
    UploadEncoding,
    darkness,
    decode_image,
    export_scribble,
    ink_mask,
    target_size,
)
from tests.conftest import png_bytes


def sent_image(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def dark_pixels(image: Image.Image) -> set[tuple[int, int]]:
    """The original's dark pixels, computed independently of the code under test:
    flatten on white, then min(R, G, B) < 127, pixel by pixel."""
    rgba = image.convert("RGBA")
    out = set()
    for y in range(rgba.height):
        for x in range(rgba.width):
            r, g, b, a = rgba.getpixel((x, y))
            flat = [round((c * a + 255 * (255 - a)) / 255) for c in (r, g, b)]
            if min(flat) < 127:
                out.add((x, y))
    return out


def test_the_real_scribbles_export_to_their_dark_pixels(scribble_files: list[Path]) -> None:
    for path in scribble_files:
        original = Image.open(path)
        export = export_scribble(original)
        sent = sent_image(export.png)
        assert sent.mode == "L", path.name
        assert set(sent.tobytes()) <= {0, 255}, path.name
        assert sent.width % 64 == 0 and sent.height % 64 == 0, path.name
        # All five are multiples of 64 already: never resampled, so ink matches exactly.
        assert sent.size == original.size
        ink = {(i % sent.width, i // sent.width) for i, v in enumerate(sent.tobytes()) if v == 0}
        assert ink == dark_pixels(original), path.name
        assert export.has_ink


def test_invert_gives_white_strokes_on_black(scribble_files: list[Path]) -> None:
    original = Image.open(scribble_files[0])
    plain = sent_image(export_scribble(original).png)
    inverted = sent_image(export_scribble(original, invert=True).png)
    assert ImageChops.invert(plain).tobytes() == inverted.tobytes()


def test_rgb_compatibility_encoding_holds_the_same_map(scribble_files: list[Path]) -> None:
    original = Image.open(scribble_files[1])
    gray = sent_image(export_scribble(original).png)
    rgb = sent_image(export_scribble(original, encoding=UploadEncoding.RGB).png)
    assert rgb.mode == "RGB" and rgb.convert("L").tobytes() == gray.tobytes()


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGB", "RGBA", "I;16", "CMYK"])
def test_any_mode_exports(mode: str) -> None:
    base = Image.new("RGB", (128, 64), "white")
    ImageDraw.Draw(base).line((0, 32, 127, 32), fill="black", width=3)
    image = base.convert(mode) if mode != "I;16" else base.convert("L").convert("I;16")
    export = export_scribble(image)
    sent = sent_image(export.png)
    assert sent.size == (128, 64) and export.has_ink
    assert sent.getpixel((64, 32)) == 0 and sent.getpixel((64, 5)) == 255


def test_transparency_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))  # transparent black = white paper
    image.putpixel((10, 10), (0, 0, 0, 255))
    image.putpixel((20, 20), (0, 0, 0, 100))  # faint: flattens to 155, not ink
    mask = ink_mask(image)
    assert mask.getpixel((10, 10)) == 0 and mask.getpixel((20, 20)) == 255
    assert mask.getpixel((40, 40)) == 255


def test_a_coloured_stroke_counts_by_its_darkest_channel() -> None:
    image = Image.new("RGB", (64, 64), "white")
    image.putpixel((5, 5), (255, 255, 0))  # yellow: blue channel is 0
    assert ink_mask(image).getpixel((5, 5)) == 0
    assert darkness(image).getpixel((5, 5)) == 0


def test_a_one_pixel_line_survives_export() -> None:
    image = Image.new("L", (512, 512), 255)
    ImageDraw.Draw(image).line((0, 100, 511, 100), fill=0, width=1)
    sent = sent_image(export_scribble(image).png)
    assert all(sent.getpixel((x, 100)) == 0 for x in range(512))


@pytest.mark.parametrize(("size", "expected"), [
    ((512, 512), (512, 512)), ((768, 512), (768, 512)), ((500, 300), (832, 512)),
    ((1000, 1000), (512, 512)), ((300, 700), (512, 1216)), ((100, 40), (1280, 512)),
])
def test_sizes_follow_controlnet_resize_image(size: tuple[int, int],
                                               expected: tuple[int, int]) -> None:
    assert target_size(*size) == expected


def test_odd_sizes_are_rescaled_then_thresholded() -> None:
    image = Image.new("RGB", (500, 300), "white")
    ImageDraw.Draw(image).rectangle((100, 100, 200, 200), fill="black")
    sent = sent_image(export_scribble(image).png)
    assert sent.size == (832, 512) and set(sent.tobytes()) <= {0, 255}
    assert sent.getpixel((250, 250)) == 0 and sent.getpixel((700, 50)) == 255


def test_a_blank_canvas_has_no_ink() -> None:
    assert not export_scribble(Image.new("RGB", (512, 512), "white")).has_ink
    assert not export_scribble(Image.new("RGB", (512, 512), "white"), invert=True).has_ink


def test_the_payload_is_much_smaller_than_an_rgba_canvas(scribble_files: list[Path]) -> None:
    for path in scribble_files:
        original = Image.open(path)
        assert len(export_scribble(original).png) < len(png_bytes(original.convert("RGBA")))


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty"),
    (b"this is not an image at all", "not an image"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not an image|damaged"),
])
def test_unreadable_files_are_refused_plainly(data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableImage, match=reason):
        decode_image(data)


def test_a_truncated_png_is_refused(scribble_files: list[Path]) -> None:
    data = scribble_files[0].read_bytes()
    with pytest.raises(UnreadableImage, match="damaged or truncated"):
        decode_image(data[: len(data) // 2])


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    # A 20000×20000 black PNG compresses to a few hundred kB but would take 400 MB.
    bomb = Image.new("1", (20000, 20000), 0)
    data = png_bytes(bomb)
    assert len(data) < 2_000_000
    with pytest.raises(UnreadableImage, match="too large"):
        decode_image(data)
