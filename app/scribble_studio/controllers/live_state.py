"""What live mode works with: its states, a result as the preview shows it, and a
drawing's export (the exact bytes that would be sent, made on a worker) with the state's
fingerprint."""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import json
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage

from scribble_studio.controllers.qt_images import alpha_to_pil
from scribble_studio.domain.params import GenerationParams

if TYPE_CHECKING:  # Pillow loads after the window shows
    from PIL import Image

    from scribble_studio.domain.scribble_spec import ScribbleExport, UploadEncoding


class LiveState(enum.StrEnum):
    OFF = "off"
    ON = "on"
    PAUSED = "paused"


@dataclasses.dataclass(frozen=True)
class LiveResult:
    """One live image as the preview shows it."""

    number: int           # the order it was sent in, this app run
    history_id: int
    image: QImage
    seconds: float        # from the request leaving to the image here
    cost: float | None
    params: GenerationParams
    images: int = 1       # how many the job made (the first is shown)


@dataclasses.dataclass(frozen=True)
class Export:
    sketch: Image.Image
    scribble: ScribbleExport
    digest: str           # SHA-256 of the exact bytes that would be sent


def export_drawing(ink: QImage, invert: bool, encoding: UploadEncoding) -> Export:
    """On a worker: the snapshot as the exact bytes that would be sent, and their hash."""
    import hashlib

    from scribble_studio.domain.scribble import export_scribble
    from scribble_studio.domain.scribble_import import ink_to_darkness

    sketch = ink_to_darkness(alpha_to_pil(ink))
    scribble = export_scribble(sketch, invert=invert, encoding=encoding)
    return Export(sketch, scribble, hashlib.sha256(scribble.png).hexdigest())


def fingerprint_of(export: Export, params: GenerationParams) -> str:
    """A state: the scribble bytes' hash and the parameters (the live seed included)."""
    return f"{export.digest}:{json.dumps(params.to_dict(), sort_keys=True)}"


def loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
