"""Turning a picture into the scribble map the model sees, and reading image bytes safely.

The model only sees the map thresholded at 127 (a pixel is a stroke where
``min(R, G, B) < 127``, after flattening on white), so a binarized map loses nothing
the model uses and compresses several times better than an antialiased RGBA canvas.
"""

from __future__ import annotations

import io
import warnings
import zlib
from typing import Final

from PIL import Image, ImageChops, UnidentifiedImageError

from scribble_studio.domain.errors import InvalidInput, UnreadableImage
from scribble_studio.domain.scribble_spec import MAX_IMAGE_PIXELS as MAX_IMAGE_PIXELS
from scribble_studio.domain.scribble_spec import THRESHOLD as THRESHOLD
from scribble_studio.domain.scribble_spec import WORKING_RESOLUTION as WORKING_RESOLUTION
from scribble_studio.domain.scribble_spec import ScribbleExport as ScribbleExport
from scribble_studio.domain.scribble_spec import UploadEncoding as UploadEncoding

# What is read: no side past 8192 (every camera and scan we expect; a 1×100000 strip
# is a 274-byte PNG that the export would turn into gigabytes).
MAX_IMAGE_SIDE: Final = 8192
# What is sent. The canvas makes sides of 256–2048 (multiples of 64) and the model works
# at 512 (the short side, in the contract's input convention): nothing sent is larger
# than the largest canvas, 2048 a side and 2048×2048 (~4.2 MP) in all, and no thinner
# than its thinnest, 8:1 (256×2048). Thinner pictures are refused rather than sent as a
# strip the model cannot draw in.
MAX_SENT_SIDE: Final = 2048
MAX_SENT_PIXELS: Final = MAX_SENT_SIDE * MAX_SENT_SIDE
MAX_ASPECT: Final = 8

_INK_BLACK: Final = [0 if v < THRESHOLD else 255 for v in range(256)]
_INK_WHITE: Final = [255 if v < THRESHOLD else 0 for v in range(256)]


def decode_image(data: bytes, *, max_pixels: int = MAX_IMAGE_PIXELS,
                 max_side: int = MAX_IMAGE_SIDE) -> Image.Image:
    """Decode image bytes fully, or raise :class:`UnreadableImage` with a plain reason.

    The size (area and each side) is checked from the header before any pixel is
    decoded, so a decompression bomb costs nothing. Truncated files fail here, not later.
    """
    if not data:
        raise UnreadableImage("The file is empty.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise UnreadableImage(
                    f"The image is too large ({width}×{height} pixels; "
                    f"the limit is {max_pixels // 1_000_000} megapixels)."
                )
            if max(width, height) > max_side:
                raise UnreadableImage(
                    f"The image is too large ({width}×{height} pixels; "
                    f"no side may be longer than {max_side} pixels)."
                )
            image.load()
    except UnreadableImage:
        raise
    except UnidentifiedImageError:
        raise UnreadableImage("The file is not an image that can be read.") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UnreadableImage("The image is too large to open safely.") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError):
        raise UnreadableImage("The image file is damaged or truncated.") from None
    if image.width < 1 or image.height < 1:
        raise UnreadableImage("The image has no pixels.")
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )


def flatten_on_white(image: Image.Image) -> Image.Image:
    """An RGB image, any transparency composited on white."""
    if _has_alpha(image):
        flat = Image.new("RGBA", image.size, (255, 255, 255, 255))
        flat.alpha_composite(image.convert("RGBA"))
        return flat.convert("RGB")
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        return _to_8_bit(image).convert("RGB")
    # convert() would copy an RGB image for nothing (2 ms at 1024×1024).
    return image if image.mode == "RGB" else image.convert("RGB")


def _to_8_bit(image: Image.Image) -> Image.Image:
    """An "L" image of a 16- or 32-bit grayscale one, scaled rather than clipped: a
    16-bit dark grey (20000 of 65535) is 78, ink, not white. Values that all fit in a
    byte (an 8-bit picture widened without scaling, as Pillow's convert does) are
    taken as they are."""
    if image.mode == "F":
        return image.convert("L")
    wide = image.convert("I")
    extrema: tuple[int, int] = wide.getextrema()  # type: ignore[assignment]
    if extrema[1] > 255:
        wide = wide.point(lambda value: value * (1 / 257))
    return wide.convert("L")


def darkness(image: Image.Image) -> Image.Image:
    """An "L" image of ``min(R, G, B)`` after flattening any transparency on white."""
    if image.mode in ("1", "L"):
        return image.convert("L")
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        return _to_8_bit(image)
    red, green, blue = flatten_on_white(image).split()
    return ImageChops.darker(ImageChops.darker(red, green), blue)


def target_size(width: int, height: int, resolution: int = WORKING_RESOLUTION) -> tuple[int, int]:
    """The size ControlNet's ``resize_image`` would give, within what may be sent
    (long side at most ``MAX_SENT_SIDE``); unchanged if both sides are already multiples
    of 64 and within the limits (such sizes are never resampled). Raises
    :class:`InvalidInput` for a picture thinner than ``MAX_ASPECT``:1."""
    short, long = sorted((width, height))
    if long > MAX_ASPECT * short:
        raise InvalidInput(
            f"The sketch is {width}×{height} pixels: too thin to send (its sides may "
            f"differ by at most {MAX_ASPECT}:1).",
            "Crop or pad the picture, or draw on a canvas of a supported size.")
    if width % 64 == 0 and height % 64 == 0 and long <= MAX_SENT_SIDE and (
            width * height <= MAX_SENT_PIXELS):
        return width, height
    k = min(resolution / short, MAX_SENT_SIDE / long)
    # round() is half-to-even, like numpy.round in the reference implementation.
    return max(64, round(width * k / 64) * 64), max(64, round(height * k / 64) * 64)


def _scaled_darkness(image: Image.Image, resolution: int) -> Image.Image:
    size = target_size(*image.size, resolution=resolution)  # refused before any pixel work
    gray = darkness(image)
    if size != gray.size:
        # As the reference: Lanczos when enlarging, area averaging when shrinking;
        # the threshold is applied after scaling.
        upscaling = size[0] > gray.size[0]
        resample = Image.Resampling.LANCZOS if upscaling else Image.Resampling.BOX
        gray = gray.resize(size, resample)
    return gray


def binarize(gray: Image.Image, invert: bool = False) -> Image.Image:
    """Threshold an "L" darkness image at 127: black ink on white, or white on black."""
    return gray.point(_INK_WHITE if invert else _INK_BLACK)


def ink_mask(image: Image.Image, resolution: int = WORKING_RESOLUTION) -> Image.Image:
    """The binarized map, black ink (0) on white (255), at the size that is sent."""
    return _scaled_darkness(image, resolution).point(_INK_BLACK)


def export_scribble(
    image: Image.Image,
    *,
    invert: bool = False,
    encoding: UploadEncoding = UploadEncoding.GRAY,
    resolution: int = WORKING_RESOLUTION,
) -> ScribbleExport:
    """The map the model is sent: flattened on white, thresholded at 127, optionally
    inverted (white strokes on black, as the model was trained), as a compact PNG."""
    mask = binarize(_scaled_darkness(image, resolution), invert)
    extrema: tuple[int, int] = mask.getextrema()  # type: ignore[assignment]
    has_ink = (extrema[1] == 255) if invert else (extrema[0] == 0)
    out = mask if encoding is UploadEncoding.GRAY else mask.convert("RGB")
    buffer = io.BytesIO()
    # Run-length zlib suits a two-level map: on the shared scribbles it is ~40% faster
    # and ~15% smaller than the default strategy (bench/bench_client.py).
    out.save(buffer, format="PNG", compress_level=6, compress_type=zlib.Z_RLE)
    return ScribbleExport(buffer.getvalue(), mask.width, mask.height, has_ink)
