"""What a generation gives back, and how a 200 body becomes checked images."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import re
from typing import Any, Final

from scribble_studio.domain.errors import BadResponse, UnreadableImage
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import decode_image

# Result images are at most a few megapixels; this bounds the decode of a hostile body.
MAX_RESULT_PIXELS: Final = 16_000_000
_DATA_URL = re.compile(rb"^\s*data:[^,]{0,100};base64,", re.IGNORECASE)
_B64_NOISE = re.compile(rb"\s+")


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


def _payloads(document: Any) -> list[Any]:
    if isinstance(document, list) and document:
        return document
    if not isinstance(document, dict):
        raise BadResponse("The server's answer has no image in it.")
    for key in ("images", "image", "output", "data"):
        if document.get(key):
            value = document[key]
            return value if isinstance(value, list) else [value]
    raise BadResponse("The server's answer has no image in it.")


def _decode_b64(item: Any) -> bytes:
    if not isinstance(item, str):
        raise BadResponse("The server's answer holds an image in an unknown form.")
    raw = _B64_NOISE.sub(b"", _DATA_URL.sub(b"", item.encode("ascii", errors="replace")))
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise BadResponse("The server's answer holds an image that is not valid base64.") from None


def parse_images(body: bytes) -> list[ResultImage]:
    """Every image in a 200 body: raw image bytes, or JSON with ``image``/``images`` as a
    string or a list, with or without a ``data:`` prefix. Decided by the bytes, not by
    the Content-Type. Raises :class:`BadResponse` for anything else; never returns
    an empty list."""
    if sniff_format(body) is not None:
        return [check_image(body)]
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise BadResponse("The server's answer is neither an image nor readable JSON.") from None
    return [check_image(_decode_b64(item)) for item in _payloads(document)]
