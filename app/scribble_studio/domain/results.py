"""What a generation gives back: checked images, what they cost, where they came from."""

from __future__ import annotations

import dataclasses
from typing import Final

from scribble_studio.domain.errors import BadResponse, UnreadableImage
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import decode_image

# Result images are at most a few megapixels; this bounds the decode of a hostile body.
MAX_RESULT_PIXELS: Final = 16_000_000


@dataclasses.dataclass(frozen=True, slots=True)
class ResultImage:
    """One image the server sent, checked to be an image by its bytes."""

    data: bytes
    format: str
    width: int
    height: int


@dataclasses.dataclass(frozen=True, slots=True)
class GenerationResult:
    """A finished generation: the images, the exact parameters (with the seed used)."""

    images: tuple[ResultImage, ...]
    params: GenerationParams
    credits: float | None
    request_id: str | None
    elapsed_s: float
    api: str | None = None          # "v2" or "v1": which of the provider's APIs ran it
    cost: float | None = None       # dollars charged, as the server said
    # The server's own timings in seconds (inference, queue, total), when it gave them.
    timings: tuple[tuple[str, float], ...] = ()

    @property
    def missing(self) -> int:
        """How many of the asked-for samples did not arrive."""
        return max(0, self.params.samples - len(self.images))


def sniff_format(data: bytes) -> str | None:
    """The image format from its leading bytes, or ``None``."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def check_image(data: bytes) -> ResultImage:
    """Decode ``data`` fully; raise :class:`BadResponse` unless it is a whole image."""
    fmt = sniff_format(data)
    if fmt is None:
        raise BadResponse("The server sent something that is not an image.")
    try:
        image = decode_image(data, max_pixels=MAX_RESULT_PIXELS)
    except UnreadableImage as exc:
        raise BadResponse(f"The server sent a broken image: {exc.message}") from None
    return ResultImage(data, fmt, image.width, image.height)
