"""Where a result came from: the exact scribble it was made from (stored in the history
by its SHA-256), turned back into ink for the canvas, into a dark-on-white sketch to send
again, or into a coloured layer to lay over the result; and how two results' parameters
differ. The image work here runs on a worker thread (``BackgroundRunner``)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Final

from PySide6.QtGui import QImage

from scribble_studio.controllers.qt_images import rgba_to_premultiplied
from scribble_studio.domain.errors import UnreadableImage
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.history import Entry, HistoryStore

if TYPE_CHECKING:
    from PIL import Image

# The overlay's ink is whichever of these stands out most from the result's average
# colour: magenta on a blue sky, cyan on a red poster; the scribble's own black would
# vanish into every dark area.
OVERLAY_INKS: Final = ((236, 0, 140), (0, 190, 255), (40, 220, 40))

# Shown in a comparison, in this order; the rest of the parameters are not user-facing.
_LABELS: Final = {"prompt": "Prompt", "negative_prompt": "Negative prompt",
                  "model": "Model", "seed": "Seed", "steps": "Steps",
                  "guidance": "Guidance", "strength": "ControlNet scale",
                  "scheduler": "Scheduler", "samples": "Images"}


@dataclasses.dataclass(frozen=True, slots=True)
class Difference:
    label: str
    first: str
    second: str


def scribble_ink(store: HistoryStore, entry: Entry) -> Image.Image:
    """The stored scribble of ``entry`` as an ink mask ("L", 255 = ink) at the size it
    was sent. The map was black on white, or white on black when the invert setting was
    on; its paper is whichever level covers most of it."""
    from PIL import ImageChops

    from scribble_studio.domain.scribble import THRESHOLD, decode_image

    data = store.read_file(entry.scribble)
    if data is None:
        raise UnreadableImage("The sketch of this result is missing from the data folder.",
                              "The result itself is kept; only its sketch cannot be shown.")
    gray = decode_image(data).convert("L")
    two_level = gray.point([0 if v < THRESHOLD else 255 for v in range(256)])
    bright = two_level.histogram()[255]
    if bright * 2 >= gray.width * gray.height:  # white paper: the dark lines are the ink
        return ImageChops.invert(two_level)
    return two_level


def scribble_sketch(store: HistoryStore, entry: Entry) -> Image.Image:
    """The stored scribble as the dark-on-white picture ``session.generate`` takes: sent
    again with the same settings, it is the same bytes."""
    from scribble_studio.domain.scribble_import import ink_to_darkness

    return ink_to_darkness(scribble_ink(store, entry))


def overlay_ink(result: Image.Image) -> tuple[int, int, int]:
    """The colour of :data:`OVERLAY_INKS` farthest from ``result``'s average colour."""
    from PIL import Image

    average = result.convert("RGB").resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    assert isinstance(average, tuple)
    return max(OVERLAY_INKS, key=lambda ink: sum((a - b) ** 2 for a, b in zip(
        ink, average, strict=True)))


def overlay_layer(store: HistoryStore, entry: Entry, result_digest: str) -> QImage:
    """The scribble's ink in a colour that stands out from the result, on transparency,
    at the result's full size: painted over it at any opacity without more pixel work."""
    from PIL import Image

    from scribble_studio.domain.scribble import decode_image

    data = store.read_file(result_digest)
    if data is None:
        raise UnreadableImage("This image's file is missing from the data folder.")
    result = decode_image(data)
    size = result.size
    ink = scribble_ink(store, entry)
    if ink.size != size:
        ink = ink.resize(size, Image.Resampling.BILINEAR)
    layer = Image.new("RGBA", size, (*overlay_ink(result), 0))
    layer.putalpha(ink)
    return rgba_to_premultiplied(layer)


def _shown(name: str, value: object) -> str:
    if name == "seed" and value is None:
        return "random"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value) if value != "" else "—"


def param_differences(first: Entry, second: Entry) -> list[Difference]:
    """What differs between two results' generations, as a person reads it: the sketch
    first (the same stored scribble or not), then each parameter that differs."""
    found: list[Difference] = []
    if first.scribble != second.scribble:
        found.append(Difference("Sketch", f"of generation {first.id}",
                                f"of generation {second.id}"))
    if (first.width, first.height) != (second.width, second.height):
        found.append(Difference("Size", f"{first.width} × {first.height}",
                                f"{second.width} × {second.height}"))
    a, b = first.params.to_dict(), second.params.to_dict()
    for name, label in _LABELS.items():
        if a.get(name) != b.get(name):
            found.append(Difference(label, _shown(name, a.get(name)),
                                    _shown(name, b.get(name))))
    return found


def fresh_seed(params: GenerationParams) -> GenerationParams:
    """The same parameters with the seed left to be drawn anew when the job is queued."""
    return dataclasses.replace(params, seed=None)
