"""Turning a picture into ink: a line drawing is thresholded, a photo is traced along
its colour edges; either is fitted into the document. Pure Pillow."""

from __future__ import annotations

import enum

from PIL import Image, ImageChops, ImageFilter

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


def _peaks(strength: Image.Image, before: Image.Image, after: Image.Image,
           cut: int) -> Image.Image:
    """A "1" mask of where ``strength`` is at least ``cut`` and no less than its two
    neighbours across the edge: the edge's crest, one or two pixels wide."""
    over = strength.point([255 if v >= cut else 0 for v in range(256)])
    zero = [255 if v == 0 else 0 for v in range(256)]
    not_below_before = ImageChops.subtract(before, strength).point(zero)
    not_below_after = ImageChops.subtract(after, strength).point(zero)
    return ImageChops.multiply(ImageChops.multiply(over, not_below_before), not_below_after)


def colour_edge_ink(image: Image.Image, strength: float = 0.7, thickness: int = 3,
                    close_gaps: int = 2, sigma: float = 1.0) -> Image.Image:
    """An ink mask of a photo's edges, found in colour, not only in light and dark: a
    yellow sun on a blue sky or a red wall on a grey one of the same brightness.

    Each channel is smoothed (noise), then differenced with its right and lower
    neighbour; the largest channel difference is the edge strength. Only its crest
    across the edge is kept (thin, whole lines), gaps up to ``2·close_gaps`` pixels are
    closed (a dilation, then an erosion), and the lines are widened to ``thickness``
    pixels. ``strength`` 0–1 lowers the cut, so fainter edges become lines too.
    """
    rgb = flatten_on_white(image)
    if sigma > 0:
        rgb = rgb.filter(ImageFilter.GaussianBlur(sigma))
    width, height = rgb.size
    # Forward differences; offset() wraps around, so the last column and row are cleared.
    dx = ImageChops.difference(rgb, ImageChops.offset(rgb, -1, 0))
    dy = ImageChops.difference(rgb, ImageChops.offset(rgb, 0, -1))
    sx = ImageChops.lighter(ImageChops.lighter(*dx.split()[:2]), dx.split()[2])
    sy = ImageChops.lighter(ImageChops.lighter(*dy.split()[:2]), dy.split()[2])
    sx.paste(0, (width - 1, 0, width, height))
    sy.paste(0, (0, height - 1, width, height))
    cut = round(4 + (1.0 - max(0.0, min(1.0, strength))) * 40)
    across_x = _peaks(sx, ImageChops.offset(sx, 1, 0), ImageChops.offset(sx, -1, 0), cut)
    across_y = _peaks(sy, ImageChops.offset(sy, 0, 1), ImageChops.offset(sy, 0, -1), cut)
    edges = ImageChops.lighter(across_x, across_y)
    if close_gaps > 0:
        size = 2 * close_gaps + 1
        edges = edges.filter(ImageFilter.MaxFilter(size)).filter(ImageFilter.MinFilter(size))
    if thickness > 1:
        edges = edges.filter(ImageFilter.MaxFilter(thickness | 1))  # odd sizes only
    return edges


def fit_photo_ink(image: Image.Image, width: int, height: int, strength: float,
                  thickness: int, close_gaps: int) -> Image.Image:
    """A photo's edges at the canvas's own resolution: the picture is fitted first, so
    the thickness is in canvas pixels and no thin line is lost to downscaling."""
    left, top, fitted_width, fitted_height = fit_box(image.width, image.height, width, height)
    rgb = flatten_on_white(image)
    if (fitted_width, fitted_height) != rgb.size:
        upscaling = fitted_width > rgb.width
        resample = Image.Resampling.LANCZOS if upscaling else Image.Resampling.BOX
        rgb = rgb.resize((fitted_width, fitted_height), resample)
    canvas = Image.new("L", (width, height), 0)
    canvas.paste(colour_edge_ink(rgb, strength, thickness, close_gaps), (left, top))
    return canvas


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
