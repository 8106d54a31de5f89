"""Qt ⇄ Pillow in every mode the app meets, at a width that is not a multiple of 4 (Qt
pads each row to 4 bytes: a conversion that ignores the stride shears the picture)."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image
from PySide6.QtGui import QColor, QImage

from scribble_studio.controllers import qt_images
from scribble_studio.domain.scribble import flatten_on_white

SIZE = (13, 7)  # 13 pixels: rows of 13, 26 or 39 bytes, none a multiple of 4


def noise(mode: str, size: tuple[int, int] = SIZE, seed: int = 1) -> Image.Image:
    """A picture of ``mode`` whose every pixel differs from its neighbours."""
    rng = random.Random(seed)
    bands = len(Image.new(mode, (1, 1)).getbands())
    top = 65535 if mode.startswith("I;16") else 255
    image = Image.new(mode, size)
    for y in range(size[1]):
        for x in range(size[0]):
            value = tuple(rng.randint(0, top) for _ in range(bands))
            image.putpixel((x, y), value if bands > 1 else value[0])
    return image


def rgba_of(image: QImage) -> list[tuple[int, int, int, int]]:
    return [image.pixelColor(x, y).getRgb()[:4]  # type: ignore[misc]
            for y in range(image.height()) for x in range(image.width())]


def pixels(image: Image.Image) -> list[object]:
    return [image.getpixel((x, y)) for y in range(image.height) for x in range(image.width)]


def bytes_of(image: QImage) -> bytes:
    """The 8-bit pixels of a one-byte-a-pixel QImage, row by row, without the padding."""
    raw = bytes(image.constBits())
    stride = image.bytesPerLine()
    return b"".join(raw[y * stride:y * stride + image.width()] for y in range(image.height()))


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA", "I;16", "P"])
def test_a_picture_becomes_an_opaque_qimage_flattened_on_white(mode: str) -> None:
    picture = noise(mode) if mode != "P" else noise("RGB").convert("P")
    shown = qt_images.pil_to_qimage(picture)
    expected = flatten_on_white(picture).convert("RGBA")
    assert shown.format() == QImage.Format.Format_RGBA8888
    assert (shown.width(), shown.height()) == SIZE
    assert rgba_of(shown) == pixels(expected)
    assert all(alpha == 255 for *_, alpha in rgba_of(shown))


def test_sixteen_bit_grey_is_scaled_not_clipped() -> None:
    dark = Image.new("I;16", SIZE, 20000)  # of 65535: a dark grey, not white
    assert qt_images.pil_to_qimage(dark).pixelColor(12, 6).getRgb()[:3] == (77, 77, 77)


@pytest.mark.parametrize("fmt", [QImage.Format.Format_RGB888, QImage.Format.Format_ARGB32,
                                 QImage.Format.Format_Grayscale8,
                                 QImage.Format.Format_RGBA8888])
def test_a_qimage_of_any_format_becomes_the_same_rgba_pixels(fmt: QImage.Format) -> None:
    source = qt_images.pil_to_qimage(noise("RGB")).convertToFormat(fmt)
    picture = qt_images.qimage_to_pil(source)
    assert picture.mode == "RGBA" and picture.size == SIZE
    assert pixels(picture) == rgba_of(source)


def test_a_transparent_qimage_keeps_its_alpha() -> None:
    source = QImage(*SIZE, QImage.Format.Format_ARGB32)
    source.fill(QColor(10, 200, 30, 0))
    source.setPixelColor(12, 6, QColor(1, 2, 3, 255))
    picture = qt_images.qimage_to_pil(source)
    assert picture.getpixel((0, 0))[3] == 0 and picture.getpixel((12, 6)) == (1, 2, 3, 255)


@pytest.mark.parametrize("mode", ["L", "LA", "1", "I;16"])
def test_a_mask_becomes_the_ink_layer_and_back_byte_for_byte(mode: str) -> None:
    mask = noise(mode) if mode != "1" else noise("L").convert("1")
    ink = qt_images.pil_to_alpha(mask)
    assert ink.format() == QImage.Format.Format_Alpha8 and ink.bytesPerLine() >= SIZE[0]
    assert bytes_of(ink) == mask.convert("L").tobytes()
    back = qt_images.alpha_to_pil(ink)
    assert back.mode == "L" and back.tobytes() == mask.convert("L").tobytes()


def test_the_ink_layer_of_a_real_canvas_reads_back_with_its_stride() -> None:
    ink = QImage(*SIZE, QImage.Format.Format_Alpha8)
    ink.fill(0)
    ink.setPixelColor(12, 0, QColor(0, 0, 0, 255))  # the last pixel of the first row
    ink.setPixelColor(0, 1, QColor(0, 0, 0, 128))
    assert ink.bytesPerLine() == 16  # padded
    back = qt_images.alpha_to_pil(ink)
    assert back.getpixel((12, 0)) == 255 and back.getpixel((0, 1)) == 128
    assert back.getpixel((0, 0)) == 0 and sum(back.tobytes()) == 255 + 128


@pytest.mark.parametrize("mode", ["L", "RGB", "LA"])
def test_a_sketch_preview_is_its_grey_levels(mode: str) -> None:
    picture = noise(mode)
    gray = qt_images.gray_to_qimage(picture)
    assert gray.format() == QImage.Format.Format_Grayscale8
    assert bytes_of(gray) == picture.convert("L").tobytes()


def test_an_overlay_layer_is_premultiplied_with_its_colour_kept_where_opaque() -> None:
    layer = Image.new("RGBA", SIZE, (200, 40, 10, 0))
    layer.putpixel((12, 6), (200, 40, 10, 255))
    layer.putpixel((0, 0), (200, 40, 10, 128))
    shown = qt_images.rgba_to_premultiplied(layer)
    assert shown.format() == QImage.Format.Format_ARGB32_Premultiplied
    assert shown.pixelColor(12, 6).getRgb() == (200, 40, 10, 255)
    assert shown.pixelColor(3, 3).alpha() == 0 and shown.pixelColor(0, 0).alpha() == 128


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(("mode", "size", "shown"), [
    ("RGB", (1000, 600), (256, 154)), ("RGBA", (300, 1201), (64, 256)),
    ("L", (513, 513), (256, 256)), ("I;16", (700, 350), (256, 128)),
    ("LA", SIZE, SIZE),  # smaller than a thumbnail: kept at its size
])
def test_a_thumbnail_is_an_rgb_copy_at_most_its_side_each_way(
        mode: str, size: tuple[int, int], shown: tuple[int, int]) -> None:
    picture = noise(mode, size)
    thumb = qt_images.thumbnail(png(picture))
    assert thumb.format() == QImage.Format.Format_RGB888 and thumb.size().toTuple() == shown
    expected = picture.convert("RGB")
    expected.thumbnail((256, 256), Image.Resampling.LANCZOS)
    assert [c[:3] for c in rgba_of(thumb)] == pixels(expected)
    assert max(qt_images.thumbnail(png(picture), side=10).size().toTuple()) <= 10


def test_a_drafts_thumbnail_is_its_grey_sketch_made_smaller() -> None:
    sketch = noise("L", (512, 300))
    thumb = qt_images.gray_thumbnail(sketch, 77)
    expected = sketch.copy()
    expected.thumbnail((77, 77), Image.Resampling.LANCZOS)
    assert thumb.format() == QImage.Format.Format_Grayscale8
    assert thumb.size().toTuple() == (77, 45) and bytes_of(thumb) == expected.tobytes()
