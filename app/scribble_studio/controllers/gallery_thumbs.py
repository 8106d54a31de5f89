"""The gallery's thumbnails: the history's stored JPEGs, decoded on a worker, kept in a
cache bounded by bytes (least recently shown out first), so memory stays flat however far
one scrolls. What is not in the cache is asked for once and announced by ``ready``."""

from __future__ import annotations

from collections import OrderedDict
from typing import Final

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.domain.errors import StudioError
from scribble_studio.services.history import HistoryStore

# About 40 thumbnails of 256 × 192 (decoded: 4 bytes a pixel), two screens of a tall
# gallery: scrolling back a little finds them; further back they are read again (fast:
# a small JPEG each).
CACHE_BYTES: Final = 8 * 1024 * 1024


class ThumbnailCache(QObject):
    ready = Signal(str)   # a digest whose thumbnail is now known (or known missing)

    def __init__(self, store: HistoryStore, runner: BackgroundRunner,
                 limit_bytes: int = CACHE_BYTES, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store, self.runner, self.limit_bytes = store, runner, limit_bytes
        self._images: OrderedDict[str, QImage] = OrderedDict()
        self._bytes = 0
        self._pending: set[str] = set()
        self.missing: set[str] = set()   # digests whose file is missing or unreadable

    def __len__(self) -> int:
        return len(self._images)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __contains__(self, digest: object) -> bool:
        return digest in self._images

    def get(self, digest: str) -> QImage | None:
        """The thumbnail if cached (now the most recently used); otherwise ``None``, and
        it is asked for on a worker (``ready`` says when it is here)."""
        image = self._images.get(digest)
        if image is not None:
            self._images.move_to_end(digest)
            return image
        if digest not in self._pending and digest not in self.missing:
            self._pending.add(digest)
            self.runner.run(lambda: self._decode(digest), lambda img: self._on_loaded(
                digest, img), lambda error: self._on_failed(digest, error))
        return None

    def _decode(self, digest: str) -> QImage | None:  # (on a worker)
        data = self.store.thumbnail(digest)
        if data is None:
            return None
        image = QImage.fromData(data)
        return None if image.isNull() else image

    def _on_loaded(self, digest: str, image: QImage | None) -> None:
        self._pending.discard(digest)
        if image is None:
            self.missing.add(digest)
        else:
            self.put(digest, image)
        self.ready.emit(digest)

    def _on_failed(self, digest: str, _error: StudioError) -> None:
        self._pending.discard(digest)
        self.missing.add(digest)
        self.ready.emit(digest)

    def put(self, digest: str, image: QImage) -> None:
        old = self._images.pop(digest, None)
        if old is not None:
            self._bytes -= old.sizeInBytes()
        self._images[digest] = image
        self._bytes += image.sizeInBytes()
        while self._bytes > self.limit_bytes and len(self._images) > 1:
            _, dropped = self._images.popitem(last=False)
            self._bytes -= dropped.sizeInBytes()

    def forget_missing(self) -> None:
        """Ask again for what was missing (a new page: a file may be back)."""
        self.missing.clear()
