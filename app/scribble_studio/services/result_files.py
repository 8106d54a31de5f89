"""Writing result images to disk as PNGs that carry their parameters, atomically."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from scribble_studio.domain.png_metadata import (
    PARAMETERS_KEY,
    STUDIO_KEY,
    a1111_parameters,
    studio_metadata,
)
from scribble_studio.domain.results import GenerationResult, ResultImage
from scribble_studio.services.atomic_files import atomic_write


def result_png(image: ResultImage, result: GenerationResult, extra: dict[str, Any]) -> bytes:
    """The image as a PNG with the ``parameters`` text and our JSON chunk."""
    with Image.open(io.BytesIO(image.data)) as decoded:
        info = PngInfo()
        info.add_text(PARAMETERS_KEY, _utf8(a1111_parameters(result.params, image.width,
                                                             image.height)))
        info.add_itxt(STUDIO_KEY, _utf8(studio_metadata(result.params, extra)))
        buffer = io.BytesIO()
        decoded.save(buffer, format="PNG", pnginfo=info, compress_level=6)
    return buffer.getvalue()


def _utf8(text: str) -> str:
    """``text`` as PNG text chunks need it (UTF-8): a character that cannot be (a lone
    surrogate, from bytes that were not UTF-8) is written as its escape, so a paid image
    is never refused for its metadata."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def free_path(folder: Path, stem: str) -> Path:
    """``folder/stem.png``, or ``stem-2.png``, ``stem-3.png``… so nothing is overwritten."""
    candidate = folder / f"{stem}.png"
    counter = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{counter}.png"
        counter += 1
    return candidate


def save_pngs(pngs: list[bytes], stem: str, seed: int | None, folder: Path) -> list[Path]:
    """Write PNGs as ``<stem>-<seed>-<n>.png`` (n from 1) in ``folder``. An existing
    file is never overwritten: a ``-2``… suffix is added instead."""
    paths = []
    for number, data in enumerate(pngs, start=1):
        path = free_path(folder, f"{stem}-{seed}-{number}")
        atomic_write(path, data)
        paths.append(path)
    return paths
