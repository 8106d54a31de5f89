"""What the gallery does with where a result came from: its neighbours in the gallery's
order, its scribble as an overlay, two results side by side, the sketch put back on the
canvas, and "more like this". A mixin of
:class:`~scribble_studio.controllers.gallery.GalleryModel` (split from it by size)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage

from scribble_studio.controllers import lineage
from scribble_studio.controllers.qt_images import pil_to_alpha, pil_to_qimage
from scribble_studio.domain.errors import UnreadableImage
from scribble_studio.services.history import HistoryStore

if TYPE_CHECKING:
    from PIL import Image
    from PySide6.QtCore import SignalInstance

    from scribble_studio.controllers.background import BackgroundRunner
    from scribble_studio.controllers.canvas_document import CanvasDocument
    from scribble_studio.controllers.gallery import GalleryItem
    from scribble_studio.controllers.session import GenerationSession
    from scribble_studio.domain.errors import StudioError


def decode_file(store: HistoryStore, digest: str) -> QImage:
    from PIL import Image

    data = store.read_file(digest)
    if data is None:
        raise UnreadableImage("This image's file is missing from the data folder.")
    with Image.open(io.BytesIO(data)) as image:
        return pil_to_qimage(image.convert("RGB"))


class LineageActions:
    """The lineage actions of the gallery model."""

    if TYPE_CHECKING:
        store: HistoryStore
        runner: BackgroundRunner
        document: CanvasDocument
        session: GenerationSession
        items: list[GalleryItem]
        overlay_ready: SignalInstance
        pair_ready: SignalInstance
        sketch_restored: SignalInstance
        variations_queued: SignalInstance

        def _fail(self, error: StudioError) -> None: ...

    # -- lineage: where a result came from, and results side by side ----------------------

    def neighbour(self, item: GalleryItem, index: int, step: int) -> tuple[GalleryItem, int] | None:
        """The result ``step`` (±1) away in the gallery's order: across the images of a
        generation, then across generations (newest first); None past either end."""
        flat = [(i, n) for i in self.items for n in range(len(i.entry.images))]
        try:
            at = flat.index((item, index))
        except ValueError:
            return None
        target = at + step
        return flat[target] if 0 <= target < len(flat) else None

    def load_overlay(self, item: GalleryItem, index: int) -> None:
        """The scribble of ``item`` as a coloured layer at its image's full size."""
        entry, digest = item.entry, item.entry.images[index].sha256
        self.runner.run(lambda: lineage.overlay_layer(self.store, entry, digest),
                        lambda layer: self.overlay_ready.emit(item, index, layer), self._fail)

    def load_pair(self, first: tuple[GalleryItem, int], second: tuple[GalleryItem, int]) -> None:
        digests = [item.entry.images[index].sha256 for item, index in (first, second)]

        def work() -> list[QImage]:
            return [decode_file(self.store, digest) for digest in digests]

        def done(images: list[QImage]) -> None:
            self.pair_ready.emit((*first, images[0]), (*second, images[1]))

        self.runner.run(work, done, self._fail)

    def restore_sketch(self, item: GalleryItem) -> None:
        """Put the exact scribble ``item`` was made from back on the canvas, as one
        undoable edit (the canvas takes the scribble's size if it differs)."""
        entry = item.entry

        def work() -> QImage:
            return pil_to_alpha(lineage.scribble_ink(self.store, entry))

        def done(ink: QImage) -> None:
            self.document.replace_ink(ink, "Restore sketch")
            self.sketch_restored.emit(item)

        self.runner.run(work, done, self._fail)

    def more_like_this(self, item: GalleryItem, count: int) -> None:
        """``count`` new jobs of the same scribble and parameters, each with a new seed,
        queued through the session (so through the budget)."""
        entry = item.entry
        params = lineage.fresh_seed(entry.params)

        def done(sketch: Image.Image) -> None:
            jobs = [self.session.generate(sketch, params) for _ in range(count)]
            self.variations_queued.emit(item, jobs)

        self.runner.run(lambda: lineage.scribble_sketch(self.store, entry), done, self._fail)
