"""Qt ⇄ Pillow, and thumbnails, in one place.

Every conversion copies: the QImage a function returns owns its pixels (a QImage made
from a bytes object only borrows them, and the bytes may be freed), and the Pillow image
owns its own. Each row is read and written with its real stride (``bytesPerLine``), so a
width that is not a multiple of 4 comes out straight. Pillow is imported when a function
first runs (after the window shows), never at start-up.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Final

from PySide6.QtGui import QImage

if TYPE_CHECKING:
    from PIL import Image

ALPHA8: Final = QImage.Format.Format_Alpha8
GRAY8: Final = QImage.Format.Format_Grayscale8
RGB888: Final = QImage.Format.Format_RGB888
RGBA8888: Final = QImage.Format.Format_RGBA8888
THUMBNAIL_SIDE: Final = 256  # pixels: crisp at 128 logical pixels on a 2× screen


def _qimage(image: Image.Image, channels: int, fmt: QImage.Format) -> QImage:
    """``image`` (already of the mode ``fmt`` holds) as a QImage that owns its bytes."""
    return QImage(image.tobytes(), image.width, image.height, image.width * channels,
                  fmt).copy()


def pil_to_qimage(image: Image.Image) -> QImage:
    """Any picture as an opaque RGBA QImage: transparency is composited on white and 16-
    or 32-bit grey scaled to 8 bits (as the sketch upload does)."""
    from scribble_studio.domain.scribble import flatten_on_white

    return _qimage(flatten_on_white(image).convert("RGBA"), 4, RGBA8888)


def qimage_to_pil(image: QImage) -> Image.Image:
    """Any QImage as a Pillow "RGBA" image."""
    from PIL import Image

    rgba = image.convertToFormat(RGBA8888)
    return Image.frombuffer("RGBA", (rgba.width(), rgba.height()), bytes(rgba.constBits()),
                            "raw", "RGBA", rgba.bytesPerLine(), 1).copy()


def alpha_to_pil(image: QImage) -> Image.Image:
    """An Alpha8 QImage (the canvas's ink) as a Pillow "L" image of the same bytes."""
    from PIL import Image

    return Image.frombuffer("L", (image.width(), image.height()), bytes(image.constBits()),
                            "raw", "L", image.bytesPerLine(), 1).copy()


def pil_to_alpha(mask: Image.Image) -> QImage:
    """A mask (any mode, taken as Pillow's "L" of it) as an Alpha8 QImage: the canvas
    document's ink layer."""
    return _qimage(mask.convert("L"), 1, ALPHA8)


def gray_to_qimage(image: Image.Image) -> QImage:
    """A picture as Pillow's "L" of it, in a Grayscale8 QImage (previews of a sketch)."""
    return _qimage(image.convert("L"), 1, GRAY8)


def rgba_to_premultiplied(image: Image.Image) -> QImage:
    """An "RGBA" layer as a premultiplied QImage, the format painting blends from
    without a conversion."""
    rgba = image.convert("RGBA")
    return QImage(rgba.tobytes(), rgba.width, rgba.height, rgba.width * 4, RGBA8888) \
        .convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


def thumbnail(data: bytes, side: int = THUMBNAIL_SIDE) -> QImage:
    """A small RGB copy of an image file's bytes, at most ``side`` pixels each way, as a
    QImage (made on a worker thread: the gallery's and the jobs panel's thumbnails)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (side, side))  # JPEG decodes at reduced size: much faster
        small = image.convert("RGB")
        small.thumbnail((side, side), Image.Resampling.LANCZOS)
    return _qimage(small, 3, RGB888)


def gray_thumbnail(image: Image.Image, side: int) -> QImage:
    """A sketch, at most ``side`` pixels each way, as a Grayscale8 QImage (the drafts
    list's)."""
    from PIL import Image

    small = image.convert("L")
    small.thumbnail((side, side), Image.Resampling.LANCZOS)
    return _qimage(small, 1, GRAY8)
