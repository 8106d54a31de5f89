"""Turning a picture into ink: a line drawing is thresholded, a photo goes through an
XDoG edge filter; either is fitted into the document. Pure Pillow."""

from __future__ import annotations

import enum

from PIL import Image, ImageChops, ImageFilter, ImageMath

from scribble_studio.domain.scribble import THRESHOLD, darkness, flatten_on_white


class ImportMode(enum.StrEnum):
    LINE_DRAWING = "line"
    PHOTO = "photo"


def guess_mode(image: Image.Image) -> ImportMode:
    """A line drawing is nearly all paper and ink; a photo has many middle tones."""
    histogram = darkness(image).histogram()
    total = sum(histogram) or 1
    extremes = sum(histogram[:48]) + sum(histogram[208:])
    return ImportMode.LINE_DRAWING if extremes / total > 0.85 else ImportMode.PHOTO


def is_mostly_dark(gray: Image.Image) -> bool:
    """True when more than half the picture is dark: a light-on-dark drawing."""
    histogram = gray.histogram()
    return sum(histogram[:THRESHOLD]) > sum(histogram[THRESHOLD:])


def line_drawing_ink(image: Image.Image, threshold: int = THRESHOLD,
                     invert: bool | None = None) -> Image.Image:
    """An "L" ink mask (255 = ink, 0 = paper) of a line drawing. ``invert=None`` decides
    by itself: a mostly dark picture is taken as light strokes on dark."""
    gray = darkness(image)
    if invert is None:
        invert = is_mostly_dark(gray)
    if invert:
        return gray.point([255 if v >= threshold else 0 for v in range(256)])
    return gray.point([255 if v < threshold else 0 for v in range(256)])


def xdog_ink(image: Image.Image, strength: float = 0.5, sigma: float = 1.0) -> Image.Image:
    """An ink mask of a photo's edges, by an XDoG-style filter: the difference of two
    Gaussian blurs (sigma and 1.6·sigma), sharpened, then thresholded. ``strength``
    0–1 lowers the threshold, so more (fainter) edges become lines."""
    gray = flatten_on_white(image).convert("L")  # luminance: photos have colour edges
    fine = gray.filter(ImageFilter.GaussianBlur(sigma)).convert("F")
    coarse = gray.filter(ImageFilter.GaussianBlur(sigma * 1.6)).convert("F")
    # Edges are where the fine blur is darker than the coarse one (a dark line's centre).
    tau = 0.98
    dog: Image.Image = ImageMath.lambda_eval(lambda a: a["coarse"] * tau - a["fine"],
                                             coarse=coarse, fine=fine)
    cut = 0.5 + (1.0 - max(0.0, min(1.0, strength))) * 6.0
    # Float images take only linear point maps: a steep ramp around the cut, clipped
    # to 0–255 by the conversion, then a plain threshold.
    ramp = dog.point(lambda v: (v - cut) * 64).convert("L")
    return ramp.point([255 if v >= 128 else 0 for v in range(256)])


def fit_box(width: int, height: int, into_width: int,
            into_height: int) -> tuple[int, int, int, int]:
    """Where a width×height picture lands fitted into the canvas, aspect kept and
    centred: ``(left, top, width, height)``. An import and a reference image of the same
    picture both land here."""
    scale = min(into_width / width, into_height / height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return (into_width - size[0]) // 2, (into_height - size[1]) // 2, size[0], size[1]


def fit_ink(ink: Image.Image, width: int, height: int) -> Image.Image:
    """``ink`` scaled to fit inside width×height (aspect kept, centred), thresholded
    again after scaling so it stays two-level."""
    left, top, *fitted = fit_box(ink.width, ink.height, width, height)
    size = (fitted[0], fitted[1])
    scale = size[0] / ink.width
    resample = Image.Resampling.LANCZOS if scale > 1 else Image.Resampling.BOX
    scaled = ink.resize(size, resample) if size != ink.size else ink
    scaled = scaled.point([255 if v > 255 - THRESHOLD else 0 for v in range(256)])
    canvas = Image.new("L", (width, height), 0)
    canvas.paste(scaled, (left, top))
    return canvas


def ink_to_darkness(ink: Image.Image) -> Image.Image:
    """An ink mask (255 = ink) as the dark-on-white picture the exporter expects."""
    return ImageChops.invert(ink)
