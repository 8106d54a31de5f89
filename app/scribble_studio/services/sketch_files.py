"""Reading pictures and saving or opening sketches (PNG files with a marker)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Final

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from scribble_studio.domain.errors import UnreadableImage
from scribble_studio.domain.scribble import decode_image
from scribble_studio.domain.strokes import size_problem
from scribble_studio.services.atomic_files import atomic_write

SKETCH_MARKER: Final = "scribble-studio-sketch"
MAX_FILE_BYTES: Final = 256 * 2**20


def read_image(path: Path) -> Image.Image:
    """Decode an image file; :class:`UnreadableImage` with a plain reason otherwise
    (missing, unreadable, empty, not an image, damaged, too large)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UnreadableImage(f"{path.name} is too large ({size // 2**20} MB).")
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableImage(f"Cannot read {path.name}: {exc.strerror or exc}.") from None
    try:
        return decode_image(data)
    except UnreadableImage as exc:
        raise UnreadableImage(f"{path.name}: {exc.message}") from None


def sketch_png(darkness: Image.Image) -> bytes:
    """A sketch as a grayscale PNG (dark ink on white, antialiasing kept) with a marker,
    so opening it restores it exactly instead of importing it."""
    info = PngInfo()
    info.add_text(SKETCH_MARKER, "1")
    buffer = io.BytesIO()
    darkness.convert("L").save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def save_sketch(path: Path, darkness: Image.Image) -> None:
    try:
        atomic_write(path, sketch_png(darkness))
    except OSError as exc:
        raise UnreadableImage(f"Cannot save {path.name}: {exc.strerror or exc}.",
                              "Choose another folder or free some disk space.") from None


def is_exact_sketch(image: Image.Image) -> bool:
    """A sketch this app saved, at a size the canvas can take as it is."""
    marked = image.info.get(SKETCH_MARKER) == "1" and image.mode == "L"
    return marked and size_problem(image.width, image.height) is None
