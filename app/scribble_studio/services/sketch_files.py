"""Reading pictures and saving or opening sketches (PNG files with a marker)."""

from __future__ import annotations

import io
import os
import stat
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


def read_picture_file(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a picture file the user named, read safely: only a regular file (a
    FIFO would block forever, ``/dev/zero`` never ends), its size checked before
    reading and the read bounded (a file that grows meanwhile is not read past the
    limit). Raises :class:`UnreadableImage` with a plain reason."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | (
        getattr(os, "O_BINARY", 0))
    try:
        fd = os.open(path, flags)  # non-blocking: opening a FIFO returns at once
    except OSError as exc:
        raise UnreadableImage(f"Cannot read {path.name}: {exc.strerror or exc}.") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UnreadableImage(f"{path.name} is a folder, not an image file.")
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableImage(f"{path.name} is not a regular file (a device or a pipe).")
        if info.st_size > max_bytes:
            raise UnreadableImage(_too_large(path, info.st_size, max_bytes))
        chunks, left = [], max_bytes + 1
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise UnreadableImage(f"Cannot read {path.name}: {exc.strerror or exc}.") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise UnreadableImage(_too_large(path, len(data), max_bytes))
    return data


def _too_large(path: Path, size: int, limit: int) -> str:
    return (f"{path.name} is too large ({size / 2**20:.0f} MB; the limit is "
            f"{limit // 2**20} MB).")


def read_image(path: Path) -> Image.Image:
    """Decode an image file; :class:`UnreadableImage` with a plain reason otherwise
    (missing, unreadable, empty, not a regular file, not an image, damaged, too large)."""
    data = read_picture_file(path)
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
        atomic_write(path, sketch_png(darkness), private=False)
    except OSError as exc:
        raise UnreadableImage(f"Cannot save {path.name}: {exc.strerror or exc}.",
                              "Choose another folder or free some disk space.") from None


def is_exact_sketch(image: Image.Image) -> bool:
    """A sketch this app saved, at a size the canvas can take as it is."""
    marked = image.info.get(SKETCH_MARKER) == "1" and image.mode == "L"
    return marked and size_problem(image.width, image.height) is None
