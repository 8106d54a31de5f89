"""What the scribble map is: the threshold, the working resolution, the upload encodings
and the exported bytes. Pillow is not needed here, so the window can open without
loading it (``domain.scribble`` does the image work)."""

from __future__ import annotations

import base64
import dataclasses
import enum
from typing import Final

THRESHOLD: Final = 127
WORKING_RESOLUTION: Final = 512
# Larger than any canvas or phone photo we expect, far below a decompression bomb.
MAX_IMAGE_PIXELS: Final = 64_000_000


class UploadEncoding(enum.StrEnum):
    """How the map is packed: 8-bit grayscale (compact) or RGB (compatibility)."""

    GRAY = "gray"
    RGB = "rgb"


@dataclasses.dataclass(frozen=True, slots=True)
class ScribbleExport:
    """The exact bytes sent as ``image``: a PNG of a binarized map."""

    png: bytes
    width: int
    height: int
    has_ink: bool

    def base64(self) -> str:
        return base64.b64encode(self.png).decode("ascii")
