"""Checks of a scribble before it is paid for: what would make a job wasted money.

Each check looks at the map the model sees, not at the canvas: the map
:func:`scribble_studio.domain.scribble.ink_mask` sends (thresholded at 127 at the size
sent) and then that map as the model works on it, its short side scaled to the working
resolution (512) and thresholded again (``segmind-api.md``, "Input convention"). A line
one pixel wide on a 1024 canvas is half a pixel there, lighter than the threshold: gone.

Every step is one of Pillow's C paths (point tables, histograms, a box resize and shifted
copies), so a 1024×1024 sketch is checked in a few milliseconds (``bench/bench_checks.py``):
cheap enough to run before every job, live ones included.
"""

from __future__ import annotations

import dataclasses
from typing import Final

from PIL import Image, ImageChops, ImageStat

from scribble_studio.domain.errors import InvalidInput
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.scribble import darkness, target_size
from scribble_studio.domain.scribble_spec import THRESHOLD, WORKING_RESOLUTION

NEARLY_EMPTY: Final = "nearly-empty"
MOSTLY_INK: Final = "mostly-ink"
THIN_LINES: Final = "thin-lines"
SAME_AS_RESULT: Final = "same-as-result"
SAME_AS_JOB: Final = "same-as-job"   # the same job, still at Segmind (paid, to come)

# Thresholds, measured on the five shared scribbles and the three examples (all pass:
# see the README's "Checks before paying" table) and on sketches made to trip them.
# Nearly empty: less ink than this share of the picture, a few specks (six 3-pixel
# specks on 512² are 0.02%; the sparsest real scribble, mountains.png, is 2.5%; a "V" of
# two 130-pixel strokes of the default 4-pixel pen on a 1024 canvas is 0.1%) ...
MIN_INK_SHARE: Final = 0.0003
# ... or all of it inside a box this small beside the picture's short side (a dot or a
# tick: a 12-pixel dot on 512 is 2.5%; the real scribbles span 74–100% of it).
MIN_INK_EXTENT: Final = 0.06
# Mostly ink: more than half the picture (the inkiest real scribble, bag_scribble.png, is
# 25%; a filled area or an inverted drawing is 60–90%).
MAX_INK_SHARE: Final = 0.5
# Thin lines: the share of what is visibly drawn that the model's map leaves out (not
# within one pixel of its ink). The real scribbles lose at most 6.6% (user_1.png: its
# JPEG-like grey fringe); pale or one-pixel lines on a large canvas lose 60–100%.
MAX_LOST_SHARE: Final = 0.25
# What counts as visibly drawn: darker than this (of 255), about an eighth of black.
MARK_LEVEL: Final = 224
# Too little drawn to judge thinness on (the nearly-empty check speaks for it instead).
MIN_MARKED_PIXELS: Final = 64

_INK: Final = [255 if v < THRESHOLD else 0 for v in range(256)]      # darkness → ink
_MARK: Final = [255 if v < MARK_LEVEL else 0 for v in range(256)]    # darkness → marks
# A shrunk ink map's coverage → ink, as the model thresholds it (darker than 127).
_COVERED: Final = [255 if 255 - v < THRESHOLD else 0 for v in range(256)]


@dataclasses.dataclass(frozen=True, slots=True)
class SketchProblem:
    """One reason not to send yet: ``code`` for programs, ``message`` for people.
    ``result_id`` names the history's result a duplicate would repeat."""

    code: str
    message: str
    result_id: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class SketchMeasures:
    """What the checks measured (shares of the picture, 0–1)."""

    ink_share: float     # ink in the map sent
    ink_extent: float    # the ink's bounding box, its longer side over the short side
    lost_share: float    # of the visibly drawn pixels, those the model's map leaves out
    marked: int          # visibly drawn pixels, at the model's size
    model_size: tuple[int, int]


def model_size(width: int, height: int,
               resolution: int = WORKING_RESOLUTION) -> tuple[int, int]:
    """The size the model works at: the short side scaled to ``resolution``, each side
    rounded to a multiple of 64 (the reference's ``resize_image``); never larger than
    ``(width, height)``, since enlarging loses nothing."""
    short = min(width, height)
    if short <= resolution:
        return width, height
    k = resolution / short
    return max(64, round(width * k / 64) * 64), max(64, round(height * k / 64) * 64)


def _shrink(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Box-averaged to ``size`` (as the reference's area resize), by whole factors where
    they fit (``reduce``: a quarter of the time of ``resize``)."""
    if image.width % size[0] == 0 and image.height % size[1] == 0 \
            and image.width // size[0] == image.height // size[1]:
        return image.reduce(image.width // size[0])
    return image.resize(size, Image.Resampling.BOX)


def _grown(mask: Image.Image) -> Image.Image:
    """A 0/255 mask grown by one pixel each way (3×3): the lighter of shifted copies, a
    third of the time of a box blur. (The shifts wrap at the picture's border, which can
    only hide a loss there.)"""
    across = ImageChops.lighter(ImageChops.lighter(mask, ImageChops.offset(mask, 1, 0)),
                                ImageChops.offset(mask, -1, 0))
    return ImageChops.lighter(ImageChops.lighter(across, ImageChops.offset(across, 0, 1)),
                              ImageChops.offset(across, 0, -1))


def measure_sketch(image: Image.Image, resolution: int = WORKING_RESOLUTION) -> SketchMeasures:
    """Measure ``image`` (any mode; dark strokes on light, as drawn) as the model sees it."""
    gray = darkness(image)
    sent_size = target_size(*gray.size, resolution=resolution)
    if sent_size != gray.size:  # as ``ink_mask``: Lanczos to enlarge, box to shrink
        enlarging = sent_size[0] > gray.size[0]
        gray = gray.resize(sent_size, Image.Resampling.LANCZOS if enlarging
                           else Image.Resampling.BOX)
    ink = gray.point(_INK)  # the map sent, 255 = ink
    box = ink.getbbox()
    extent = 0.0 if box is None else max(box[2] - box[0], box[3] - box[1]) / min(ink.size)
    size = model_size(*ink.size, resolution=resolution)
    if size != ink.size:
        coverage, marks = _shrink(ink, size), _shrink(gray, size).point(_MARK)
        seen = coverage.point(_COVERED)
    else:
        coverage, marks, seen = ink, gray.point(_MARK), ink
    # A box shrink keeps the mean: the ink's share of the map sent, counted at a quarter
    # of the pixels (a histogram of a 1024² map alone costs 2 ms).
    share = ImageStat.Stat(coverage).mean[0] / 255
    marked = marks.histogram()[255]
    near_seen = _grown(seen)
    lost = ImageChops.subtract(marks, near_seen).histogram()[255]
    return SketchMeasures(share, extent, lost / marked if marked else 0.0, marked,
                          size)


def check_sketch(image: Image.Image, resolution: int = WORKING_RESOLUTION) -> list[SketchProblem]:
    """The problems of ``image`` as a scribble, most telling first; empty if none."""
    found = measure_sketch(image, resolution)
    problems: list[SketchProblem] = []
    thin = found.marked >= MIN_MARKED_PIXELS and found.lost_share > MAX_LOST_SHARE
    if thin:  # (said first: the drawing is there, the model's map drops it)
        width, height = found.model_size
        problems.append(SketchProblem(
            THIN_LINES, f"Lines this thin or pale break up in the map the model sees "
            f"({width}×{height}): {found.lost_share:.0%} of what is drawn is lost. "
            "Draw darker or with a wider pen."))
    if found.ink_share < MIN_INK_SHARE or found.ink_extent < MIN_INK_EXTENT:
        if not thin:
            problems.append(SketchProblem(
                NEARLY_EMPTY, "Almost nothing is drawn: the model gets next to no lines "
                "to follow and will make up the picture."))
    elif found.ink_share > MAX_INK_SHARE:
        problems.append(SketchProblem(
            MOSTLY_INK, f"{found.ink_share:.0%} of the picture is ink: the model expects "
            "lines on paper, not filled areas or an inverted drawing."))
    return problems


def same_as_result(result_id: int, state: JobState = JobState.DONE) -> SketchProblem:
    """The duplicate: the history already has a result of this very job, or (``state``
    submitting, submitted or unknown) Segmind has the job and its result is to come."""
    if state is JobState.UNKNOWN:
        where = "it is being collected"
    elif state is not JobState.DONE:
        where = "Segmind is still working on it"
    else:
        return SketchProblem(
            SAME_AS_RESULT, f"Result #{result_id} is this same job (sketch, prompt, seed, "
            "model): sending it again pays twice.", result_id)
    return SketchProblem(
        SAME_AS_JOB, f"#{result_id} is this same job (sketch, prompt, seed, model) and "
        f"{where}: sending it again pays twice.", result_id)


class SketchCheckFailed(InvalidInput):
    """The checks before paying found problems; nothing was sent (the CLI's exit 2)."""

    def __init__(self, problems: list[SketchProblem], action: str) -> None:
        super().__init__(" ".join(problem.message for problem in problems), action)
        self.problems = list(problems)
