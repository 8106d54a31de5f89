"""The history's files: images (and scribbles) named by their SHA-256 under ``images/``,
and a small JPEG thumbnail of each result image under ``thumbs/`` (same name), written
as the image is stored and made lazily for an older image that has none.

Also the history's announcements: a tiny observer (no Qt here) told what changed after
each committed write that affects what the gallery shows."""

from __future__ import annotations

import dataclasses
import io
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Final, Literal

from scribble_studio.domain.errors import DiskFull
from scribble_studio.services.atomic_files import atomic_write

THUMB_SIDE: Final = 256     # pixels, the long side: crisp at 128 logical pixels on 2×
THUMB_QUALITY: Final = 85
log = logging.getLogger(__name__)

ChangeKind = Literal["added", "changed", "removed"]


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryChange:
    """What one committed write changed: generations ``added`` (finished, restored,
    kept), ``changed`` (starred, an image deleted or restored) or ``removed`` (to the
    trash, discarded, forgotten)."""

    kind: ChangeKind
    gen_ids: tuple[int, ...]


class ChangeAnnouncer:
    """Callbacks told of each :class:`HistoryChange`, on the thread that wrote it (a
    worker, usually: a Qt listener hops to its own thread). A failing listener is
    logged, never the writer's failure."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[HistoryChange], None]] = []
        self._lock = threading.Lock()

    def subscribe(self, callback: Callable[[HistoryChange], None]) -> Callable[[], None]:
        """Call ``callback`` after each change; returns what unsubscribes it."""
        with self._lock:
            self._listeners.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return unsubscribe

    def announce(self, kind: ChangeKind, *gen_ids: int) -> None:
        if not gen_ids:
            return
        change = HistoryChange(kind, tuple(gen_ids))
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(change)
            except Exception:  # a listener's bug must not undo a committed write
                log.exception("a history listener failed")


def sha256(data: bytes) -> str:
    import hashlib  # (only when storing: ~1.5 ms kept off the app's start-up)

    return hashlib.sha256(data).hexdigest()


def make_thumbnail(data: bytes, side: int = THUMB_SIDE) -> bytes | None:
    """A JPEG of an image file's bytes, at most ``side`` pixels each way (``None`` if the
    bytes are no image Pillow reads)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (side, side))  # a JPEG decodes at reduced size: faster
            small = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    small.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=THUMB_QUALITY)
    return out.getvalue()


class HistoryFiles:
    """The files of one history folder (thread-safe: each file is written atomically)."""

    def __init__(self, folder: Path) -> None:
        self.images_dir = folder / "images"
        self.thumbs_dir = folder / "thumbs"

    def image_path(self, digest: str) -> Path:
        return self.images_dir / f"{digest}.png"

    def thumb_path(self, digest: str) -> Path:
        return self.thumbs_dir / f"{digest}.jpg"

    def put_file(self, data: bytes) -> str:
        """Store bytes under their SHA-256 (atomically; once). Raises DiskFull."""
        digest = sha256(data)
        path = self.image_path(digest)
        if not path.exists():
            try:
                atomic_write(path, data)
            except OSError as exc:
                raise DiskFull(f"Cannot write to {self.images_dir}: {exc.strerror or exc}.") \
                    from None
        return digest

    def read_file(self, digest: str) -> bytes | None:
        try:
            return self.image_path(digest).read_bytes()
        except OSError:
            return None

    def put_thumbnail(self, digest: str, data: bytes) -> bytes | None:
        """Make and write the thumbnail of an image's bytes; returns it. A thumbnail that
        cannot be written (a full disk) is not an error: it is made again when asked."""
        thumb = make_thumbnail(data)
        if thumb is None:
            return None
        path = self.thumb_path(digest)
        if not path.exists():
            try:
                atomic_write(path, thumb)
            except OSError as exc:
                log.info("thumbnail not written (%s): made in memory when shown",
                         exc.strerror or exc)
        return thumb

    def thumbnail(self, digest: str) -> bytes | None:
        """The thumbnail of a stored image: read, or made now (an image stored before
        thumbnails were, or one whose thumbnail could not be written); ``None`` when the
        image's file is missing or unreadable."""
        try:
            return self.thumb_path(digest).read_bytes()
        except OSError:
            pass
        data = self.read_file(digest)
        return self.put_thumbnail(digest, data) if data is not None else None

    def remove(self, digest: str) -> Path:
        """Remove an image's file and its thumbnail; returns the image's path."""
        path = self.image_path(digest)
        path.unlink(missing_ok=True)
        self.thumb_path(digest).unlink(missing_ok=True)
        return path
